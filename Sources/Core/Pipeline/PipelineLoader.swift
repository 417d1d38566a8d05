import Foundation

/// Reads a pipeline file strictly and reports every problem at once, each with its JSON path.
///
/// Loading is three steps: parse (exact JSON, duplicate keys rejected), substitute variables
/// (`${env.NAME}`, `${var.NAME}`, `${launch.startedAt}`; `${fact.NAME}` is kept for run time and is
/// allowed only inside a provider's `config`), then decode every section and check every reference
/// (stage ids, provider kinds, facts) against the registry.
///
/// `validate` (no values needed) keeps references it cannot fill; `run` requires them.
public struct PipelineLoader: Sendable {
    /// How to fill in variables.
    public struct Options: Sendable {
        /// `--var NAME=value`.
        public var variables: [String: String]
        public var environment: [String: String]
        /// The watch's start, for `${launch.startedAt}`.
        public var startedAt: Date
        /// When true every `${env.*}` and `${var.*}` must have a value (run); when false, unresolved
        /// references are kept as they are (validate).
        public var requireValues: Bool
        /// Replaces `finish.deadline` (`--deadline`).
        public var deadline: Duration?

        public init(
            variables: [String: String] = [:], environment: [String: String] = [:], startedAt: Date = Date(),
            requireValues: Bool = true, deadline: Duration? = nil
        ) {
            self.variables = variables
            self.environment = environment
            self.startedAt = startedAt
            self.requireValues = requireValues
            self.deadline = deadline
        }
    }

    /// A pipeline that loaded, with the warnings found on the way.
    public struct Loaded: Sendable {
        public var pipeline: Pipeline
        public var warnings: [PipelineIssue]
        /// `--var` names the pipeline does not declare.
        public var undeclaredVariables: [String]
    }

    public let registry: ProviderRegistry

    public init(registry: ProviderRegistry) {
        self.registry = registry
    }

    /// Loads the pipeline file at `url`; relative paths inside it resolve against its folder.
    public func load(contentsOf url: URL, options: Options) throws(PipelineError) -> Loaded {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            let reason =
                !exists ? "no such file" : isDirectory.boolValue ? "is a folder, not a pipeline file" : "cannot be read"
            throw PipelineError(file: url.path, issues: [PipelineIssue("unreadable", at: JSONPath(), reason)])
        }
        do {
            return try load(data, baseDirectory: url.deletingLastPathComponent(), options: options)
        } catch {
            throw PipelineError(file: url.path, issues: error.issues)
        }
    }

    /// Loads a pipeline from JSON bytes.
    public func load(_ data: Data, baseDirectory: URL, options: Options) throws(PipelineError) -> Loaded {
        var decoding = PipelineDecoding(registry: registry, options: options, baseDirectory: baseDirectory)
        let pipeline = decoding.decode(data)
        let issues = decoding.issues
        if let pipeline, !issues.contains(where: { $0.severity == .error }) {
            let undeclared = options.variables.keys.filter { name in !pipeline.variables.contains { $0.name == name } }
            return Loaded(pipeline: pipeline, warnings: issues, undeclaredVariables: undeclared.sorted())
        }
        throw PipelineError(issues: issues)
    }
}

/// The keys a pipeline may use, per section; also the source of "did you mean" suggestions.
enum PipelineKeys {
    static let root = ["$schema", "version", "name", "description", "variables", "stages", "providers", "finish"]
    static let variable = ["description", "default", "optional"]
    static let stage = ["id", "title", "outcome"]
    static let provider = ["id", "type", "config", "schedule", "activate", "map", "degradedAfter"]
    static let schedule = ["every", "backoff", "fastAfterChange", "slowWhenIdle", "budget", "adaptive"]
    static let slowWhenIdle = ["after", "every"]
    static let backoff = ["initial", "max", "multiplier", "jitter"]
    static let fastAfterChange = ["every", "for"]
    static let budget = ["perMinute"]
    static let activate = ["when", "stage", "for", "providers"]
    static let finish = ["on", "deadline", "detailWait"]
    static let activations = [
        "always", "afterStage", "failureWithoutDetail", "fastProvidersDegraded", "degraded", "silence",
    ]
    static let namespaces = ["env", "var", "launch", "fact"]
}

/// One decoding pass; collects issues instead of stopping at the first.
private struct PipelineDecoding {
    let registry: ProviderRegistry
    let options: PipelineLoader.Options
    let baseDirectory: URL
    var issues: [PipelineIssue] = []
    var declaredVariables: [VariableDeclaration] = []
    /// Some `providers` entry could not be resolved (or there are none): their maps are unknown.
    var providersIncomplete = false
    /// Variable name → the unset `${env.NAME}` its default uses; an error only where the default is used.
    var defaultsMissingEnvironment: [String: [String]] = [:]
    /// Provider index → the optional variables without a value its config uses: it is left out.
    var unsetOptionalVariables: [Int: Set<String>] = [:]
    /// `activate` conditions naming providers (`degraded`), checked once every id is known.
    var providerReferences: [(id: String, path: JSONPath)] = []
    var omittedProviders: [OmittedProvider] = []

    init(registry: ProviderRegistry, options: PipelineLoader.Options, baseDirectory: URL) {
        self.registry = registry
        self.options = options
        self.baseDirectory = baseDirectory
    }

    mutating func error(_ code: String, _ path: JSONPath, _ message: String) {
        issues.append(PipelineIssue(code, at: path, message))
    }

    mutating func warning(_ code: String, _ path: JSONPath, _ message: String) {
        issues.append(PipelineIssue(code, at: path, message, severity: .warning))
    }

    // MARK: - Whole document

    mutating func decode(_ data: Data) -> Pipeline? {
        let document: JSONValue
        do {
            document = try JSONParser.parse(data)
        } catch {
            self.error("syntax", error.path, "not valid JSON: \(error)")
            return nil
        }
        guard
            let root = object(
                document, at: JSONPath(), keys: PipelineKeys.root, required: ["name", "stages", "providers"])
        else { return nil }
        declaredVariables = variables(root["variables"], at: JSONPath(["variables"].map { .key($0) }))
        let substituted = substitute(document)
        guard case .object = substituted else { return nil }
        let rootPath = JSONPath()

        if let version = substituted["version"] {
            if version != .number(1) {
                error(
                    "unsupported_version", rootPath.appending("version"), "must be 1, the only pipeline format version")
            }
        }
        if let schema = substituted["$schema"], case .string = schema {
        } else if let schema = substituted["$schema"] {
            error("wrong_type", rootPath.appending("$schema"), "must be a string, not \(schema.typeDescription)")
        }
        let name = string(substituted["name"], at: rootPath.appending("name")) ?? "pipeline"
        if let description = substituted["description"] {
            _ = string(description, at: rootPath.appending("description"))
        }
        let stages = self.stages(substituted["stages"], at: rootPath.appending("stages"))
        let providers = self.providers(substituted["providers"], at: rootPath.appending("providers"), stages: stages)
        var finish = self.finish(substituted["finish"], at: rootPath.appending("finish"), stages: stages)
        if let deadline = options.deadline { finish.deadline = deadline }
        checkReachability(stages: stages, providers: providers, finish: finish)
        return Pipeline(
            name: name, stages: stages, providers: providers, finish: finish, variables: declaredVariables,
            baseDirectory: baseDirectory, omittedProviders: omittedProviders)
    }

    // MARK: - Variables and substitution

    mutating func variables(_ value: JSONValue?, at path: JSONPath) -> [VariableDeclaration] {
        guard let value else { return [] }
        guard case .object(let members) = value else {
            error("wrong_type", path, "must be an object of variable names, not \(value.typeDescription)")
            return []
        }
        var declarations: [VariableDeclaration] = []
        for member in members {
            let memberPath = path.appending(member.key)
            checkIdentifier(member.key, at: memberPath, what: "a variable name")
            switch member.value {
            case .string(let defaultValue):
                let rendered = renderDefault(defaultValue, member.key, memberPath)
                declarations.append(VariableDeclaration(name: member.key, defaultValue: rendered))
            case .object:
                guard let fields = object(member.value, at: memberPath, keys: PipelineKeys.variable) else { continue }
                let summary = fields["description"].flatMap { string($0, at: memberPath.appending("description")) }
                let defaultPath = memberPath.appending("default")
                let defaultValue = fields["default"].flatMap { string($0, at: defaultPath) }
                var optional = false
                if let flag = fields["optional"] {
                    if case .bool(let value) = flag {
                        optional = value
                    } else {
                        error(
                            "wrong_type", memberPath.appending("optional"),
                            "must be true or false, not \(flag.typeDescription)")
                    }
                }
                if optional, defaultValue != nil {
                    error(
                        "conflicting_keys", memberPath.appending("optional"),
                        "a variable with a default always has a value; remove \"optional\" or \"default\"")
                }
                declarations.append(
                    VariableDeclaration(
                        name: member.key, summary: summary,
                        defaultValue: defaultValue.map { renderDefault($0, member.key, defaultPath) },
                        optional: optional))
            default:
                error(
                    "wrong_type", memberPath,
                    "must be a default value (a string) or {\"description\": ..., \"default\": ...}, not \(member.value.typeDescription)"
                )
            }
        }
        return declarations
    }

    /// Variable defaults may use `${env.NAME}` and `${launch.startedAt}`. An unset environment variable
    /// is remembered, not reported: it matters only if the default is used (no `--var` for it).
    mutating func renderDefault(_ text: String, _ variable: String, _ path: JSONPath) -> String {
        guard let template = parseTemplate(text, at: path) else { return text }
        var missing: [String] = []
        var found: [PipelineIssue] = []
        let rendered = template.render { namespace, name in
            switch namespace {
            case "env":
                if let value = options.environment[name] { return value }
                missing.append(name)
                return nil
            case "launch" where name == "startedAt":
                return startedAtText
            default:
                found.append(
                    PipelineIssue(
                        "bad_reference", at: path,
                        "a variable's default may use only ${env.NAME} and ${launch.startedAt}, "
                            + "not ${\(namespace).\(name)}"))
                return nil
            }
        }
        issues += found
        if !missing.isEmpty { defaultsMissingEnvironment[variable] = missing }
        return rendered
    }

    var startedAtText: String { RFC3339.string(from: options.startedAt) }

    mutating func parseTemplate(_ text: String, at path: JSONPath) -> Template? {
        guard text.contains("$") else { return nil }
        do {
            return try Template(text)
        } catch {
            self.error("bad_reference", path, error.message)
            return nil
        }
    }

    mutating func substitute(_ document: JSONValue) -> JSONValue {
        var found: [PipelineIssue] = []
        var unsetOptional: [(provider: Int, name: String)] = []
        let result = document.mapStrings { text, path in
            guard let first = path.components.first, first != .key("$schema"), first != .key("variables") else {
                return text
            }
            let inConfig =
                path.components.count >= 3 && first == .key("providers") && path.components[2] == .key("config")
            guard text.contains("$") else { return text }
            let template: Template
            do {
                template = try Template(text)
            } catch {
                let message = (error as? Template.SyntaxError)?.message ?? "\(error)"
                found.append(PipelineIssue("bad_reference", at: path, message))
                return text
            }
            return template.render(keepingEscapes: inConfig) { namespace, name in
                if inConfig, options.requireValues, namespace == "var", isUnsetOptional(name),
                    case .index(let provider) = path.components[1]
                {
                    unsetOptional.append((provider, name))
                    return nil
                }
                let (value, issue) = resolve(namespace: namespace, name: name, inConfig: inConfig, path: path)
                if let issue { found.append(issue) }
                return value
            }
        }
        issues += found
        for (provider, name) in unsetOptional { unsetOptionalVariables[provider, default: []].insert(name) }
        return result
    }

    /// An `"optional": true` variable that no `--var` gives a value.
    func isUnsetOptional(_ name: String) -> Bool {
        options.variables[name] == nil && declaredVariables.contains { $0.name == name && $0.optional }
    }

    func resolve(namespace: String, name: String, inConfig: Bool, path: JSONPath) -> (String?, PipelineIssue?) {
        switch namespace {
        case "env":
            if let value = options.environment[name] { return (value, nil) }
            guard options.requireValues else { return (nil, nil) }
            return (
                nil, PipelineIssue("missing_env", at: path, "environment variable \(name) is not set (${env.\(name)})")
            )
        case "var":
            guard let declaration = declaredVariables.first(where: { $0.name == name }) else {
                var message = "variable \"\(name)\" is not declared; declare it in \"variables\""
                if let suggestion = NameSuggestion.nearest(to: name, in: declaredVariables.map(\.name)) {
                    message += " (did you mean \"\(suggestion)\"?)"
                }
                return (nil, PipelineIssue("undeclared_variable", at: path, message))
            }
            if let value = options.variables[name] { return (value, nil) }
            if let missing = defaultsMissingEnvironment[name], let first = missing.first {
                guard options.requireValues else { return (nil, nil) }
                return (
                    nil,
                    PipelineIssue(
                        "missing_env", at: path,
                        "variable \"\(name)\" defaults to ${env.\(first)}, which is not set; set \(first) "
                            + "or pass --var \(name)=VALUE")
                )
            }
            if let value = declaration.defaultValue { return (value, nil) }
            guard options.requireValues else { return (nil, nil) }
            if declaration.optional {
                return (
                    nil,
                    PipelineIssue(
                        "missing_variable", at: path,
                        "variable \"\(name)\" is optional, but outside a provider's config it needs a value; "
                            + "pass --var \(name)=VALUE")
                )
            }
            return (
                nil,
                PipelineIssue(
                    "missing_variable", at: path, "variable \"\(name)\" has no value; pass --var \(name)=VALUE")
            )
        case "launch":
            if name == "startedAt" { return (startedAtText, nil) }
            return (
                nil,
                PipelineIssue(
                    "unknown_reference", at: path, "unknown ${launch.\(name)}; the launch namespace has only startedAt")
            )
        case "fact":
            if inConfig { return (nil, nil) }
            return (
                nil,
                PipelineIssue(
                    "fact_outside_config", at: path,
                    "${fact.\(name)} is known only at run time, so it may be used only inside a provider's \"config\"")
            )
        default:
            var message = "unknown reference namespace \"\(namespace)\"; use env, var, launch or fact"
            if let suggestion = NameSuggestion.nearest(to: namespace, in: PipelineKeys.namespaces) {
                message += " (did you mean ${\(suggestion).\(name)}?)"
            }
            return (nil, PipelineIssue("unknown_reference", at: path, message))
        }
    }

    // MARK: - Stages

    mutating func stages(_ value: JSONValue?, at path: JSONPath) -> [Stage] {
        guard let items = array(value, at: path) else { return [] }
        if items.isEmpty { error("empty", path, "must declare at least one stage") }
        var stages: [Stage] = []
        var firstPath: [String: JSONPath] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = path.appending(index)
            guard let fields = object(item, at: itemPath, keys: PipelineKeys.stage, required: ["id"]) else { continue }
            guard let id = string(fields["id"], at: itemPath.appending("id")) else { continue }
            checkIdentifier(id, at: itemPath.appending("id"), what: "a stage id")
            let title = fields["title"].flatMap { string($0, at: itemPath.appending("title")) }
            var outcome = Stage.Outcome.progress
            if let outcomeText = fields["outcome"].flatMap({ string($0, at: itemPath.appending("outcome")) }) {
                if let parsed = Stage.Outcome(rawValue: outcomeText) {
                    outcome = parsed
                } else {
                    error(
                        "unknown_value", itemPath.appending("outcome"),
                        "must be \"progress\", \"success\" or \"failure\", not \"\(outcomeText)\""
                            + suggestion(outcomeText, Stage.Outcome.allCases.map(\.rawValue)))
                }
            }
            if let first = firstPath[id] {
                error(
                    "duplicate_id", itemPath.appending("id"),
                    "duplicate stage id \"\(id)\" (first declared at \(first))")
                continue
            }
            firstPath[id] = itemPath.appending("id")
            stages.append(Stage(id: id, title: title, outcome: outcome))
        }
        return stages
    }

    // MARK: - Providers

    mutating func providers(_ value: JSONValue?, at path: JSONPath, stages: [Stage]) -> [ProviderSpec] {
        guard let items = array(value, at: path) else {
            providersIncomplete = true
            return []
        }
        if items.isEmpty { error("empty", path, "must list at least one provider") }
        var specs: [ProviderSpec] = []
        defer { providersIncomplete = items.isEmpty || specs.count < items.count }
        var firstPath: [String: JSONPath] = [:]
        var factUses: [(facts: Set<String>, config: JSONValue, path: JSONPath, provider: Int)] = []
        var publishers: [(index: Int, facts: [String]?)] = []
        for (index, item) in items.enumerated() {
            let itemPath = path.appending(index)
            guard let fields = object(item, at: itemPath, keys: PipelineKeys.provider, required: ["id", "type"]) else {
                continue
            }
            let id = string(fields["id"], at: itemPath.appending("id"))
            if let id {
                checkIdentifier(id, at: itemPath.appending("id"), what: "a provider id")
                if let first = firstPath[id] {
                    error(
                        "duplicate_id", itemPath.appending("id"),
                        "duplicate provider id \"\(id)\" (first used at \(first))")
                } else {
                    firstPath[id] = itemPath.appending("id")
                }
            }
            let kind = string(fields["type"], at: itemPath.appending("type"))
            var registration: RegisteredProvider?
            if let kind {
                registration = registry[kind]
                if registration == nil {
                    error(
                        "unknown_type", itemPath.appending("type"),
                        "unknown provider type \"\(kind)\"" + suggestion(kind, registry.kinds)
                            + " (known types: \(registry.kinds.joined(separator: ", ")))")
                }
            }
            let configPath = itemPath.appending("config")
            var configuration = JSONValue.object([])
            var configIsObject = true
            if let config = fields["config"] {
                if case .object = config {
                    configuration = config
                } else {
                    error("wrong_type", configPath, "must be an object, not \(config.typeDescription)")
                    configIsObject = false
                }
            }
            if let missing = unsetOptionalVariables[index] {
                if let id { omittedProviders.append(OmittedProvider(id: id, missingVariables: missing.sorted())) }
                _ = self.activation(fields["activate"], at: itemPath.appending("activate"), stages: stages)
                continue
            }
            // A config that is not an object is already reported; its keys cannot be checked.
            if let registration, configIsObject {
                for failure in registration.validate(configuration: configuration, at: configPath) {
                    error("config", failure.path, failure.message)
                }
            }
            let facts = configuration.referencedFacts
            if !facts.isEmpty { factUses.append((facts, configuration, configPath, index)) }
            publishers.append((index, registration?.publishedFacts(configuration: configuration)))

            let schedule = self.schedule(
                fields["schedule"], at: itemPath.appending("schedule"),
                defaultInterval: registration?.defaultInterval ?? .seconds(1))
            let activation = self.activation(fields["activate"], at: itemPath.appending("activate"), stages: stages)
            var stageMap = registration?.defaultStageMap ?? [:]
            if let map = fields["map"] {
                for (status, stage) in self.map(map, at: itemPath.appending("map"), stages: stages) {
                    stageMap[status] = stage
                }
            }
            var degradedAfter = 3
            if let value = fields["degradedAfter"] {
                if let number = integer(value, at: itemPath.appending("degradedAfter")) {
                    if number < 1 {
                        error("out_of_range", itemPath.appending("degradedAfter"), "must be at least 1")
                    } else {
                        degradedAfter = number
                    }
                }
            }
            if let id, let registration {
                specs.append(
                    ProviderSpec(
                        id: id, registration: registration, configuration: configuration, configurationPath: configPath,
                        requiredFacts: facts, schedule: schedule, activation: activation, stageMap: stageMap,
                        degradedAfter: degradedAfter))
            }
        }
        checkFacts(factUses, publishers: publishers)
        for reference in providerReferences where firstPath[reference.id] == nil {
            error(
                "unknown_provider", reference.path,
                "no provider has the id \"\(reference.id)\"" + suggestion(reference.id, firstPath.keys.sorted()))
        }
        return specs
    }

    /// Every `${fact.NAME}` must be published by another provider of the pipeline, or the provider
    /// that waits for it would never run.
    mutating func checkFacts(
        _ uses: [(facts: Set<String>, config: JSONValue, path: JSONPath, provider: Int)],
        publishers: [(index: Int, facts: [String]?)]
    ) {
        for use in uses {
            let others = publishers.filter { $0.index != use.provider }
            if others.contains(where: { $0.facts == nil }) { continue }
            let known = Set(others.flatMap { $0.facts ?? [] })
            for fact in use.facts.sorted() where !known.contains(fact) {
                var location = use.path
                _ = use.config.mapStrings(path: use.path) { text, path in
                    if text.contains("${fact.\(fact)}") { location = path }
                    return text
                }
                let published = known.isEmpty ? "none" : known.sorted().joined(separator: ", ")
                error(
                    "unknown_fact", location,
                    "uses ${fact.\(fact)}, which no other provider of this pipeline publishes"
                        + suggestion(fact, known) + " (facts published here: \(published))")
            }
        }
    }

    /// A provider's `schedule`, adaptive unless it says `"adaptive": false` (`ScheduleConfiguration`).
    mutating func schedule(_ value: JSONValue?, at path: JSONPath, defaultInterval: Duration) -> ScheduleConfiguration {
        let schedule = ScheduleConfiguration(every: defaultInterval)
        guard let value, let fields = object(value, at: path, keys: PipelineKeys.schedule) else {
            return schedule.adaptive()
        }
        var adaptive = true
        if let flag = fields["adaptive"] {
            if case .bool(let value) = flag {
                adaptive = value
            } else {
                error("wrong_type", path.appending("adaptive"), "must be true or false, not \(flag.typeDescription)")
            }
        }
        let configured = explicitSchedule(fields, at: path, base: schedule)
        return adaptive ? configured.adaptive() : configured
    }

    mutating func explicitSchedule(
        _ fields: [String: JSONValue], at path: JSONPath, base: ScheduleConfiguration
    ) -> ScheduleConfiguration {
        var schedule = base
        if let every = duration(fields["every"], at: path.appending("every"), positive: true) { schedule.every = every }
        if let backoffValue = fields["backoff"],
            let backoff = object(backoffValue, at: path.appending("backoff"), keys: PipelineKeys.backoff)
        {
            let backoffPath = path.appending("backoff")
            schedule.backoff.initial = duration(
                backoff["initial"], at: backoffPath.appending("initial"), positive: true)
            if let max = duration(backoff["max"], at: backoffPath.appending("max"), positive: true) {
                schedule.backoff.max = max
            }
            if let multiplier = number(backoff["multiplier"], at: backoffPath.appending("multiplier")) {
                if multiplier < 1 || multiplier > 10 {
                    error("out_of_range", backoffPath.appending("multiplier"), "must be between 1 and 10")
                } else {
                    schedule.backoff.multiplier = multiplier
                }
            }
            if let jitter = number(backoff["jitter"], at: backoffPath.appending("jitter")) {
                if jitter < 0 || jitter > 1 {
                    error("out_of_range", backoffPath.appending("jitter"), "must be a fraction between 0 and 1")
                } else {
                    schedule.backoff.jitter = jitter
                }
            }
            if let initial = schedule.backoff.initial, initial > schedule.backoff.max {
                error("out_of_range", backoffPath.appending("initial"), "must not be longer than backoff.max")
            }
        }
        if let fastValue = fields["fastAfterChange"] {
            let fastPath = path.appending("fastAfterChange")
            if let fast = object(
                fastValue, at: fastPath, keys: PipelineKeys.fastAfterChange, required: ["every", "for"])
            {
                let every = duration(fast["every"], at: fastPath.appending("every"), positive: true)
                let window = duration(fast["for"], at: fastPath.appending("for"), positive: true)
                if let every, let window {
                    schedule.fastAfterChange = .init(every: every, for: window)
                }
            }
        }
        if let budgetValue = fields["budget"] {
            let budgetPath = path.appending("budget")
            if let budget = object(budgetValue, at: budgetPath, keys: PipelineKeys.budget, required: ["perMinute"]),
                let perMinute = integer(budget["perMinute"], at: budgetPath.appending("perMinute"))
            {
                if perMinute < 1 {
                    error("out_of_range", budgetPath.appending("perMinute"), "must be at least 1")
                } else {
                    schedule.requestsPerMinute = perMinute
                }
            }
        }
        if let slowValue = fields["slowWhenIdle"] {
            let slowPath = path.appending("slowWhenIdle")
            if let slow = object(
                slowValue, at: slowPath, keys: PipelineKeys.slowWhenIdle, required: ["after", "every"])
            {
                let after = duration(slow["after"], at: slowPath.appending("after"), positive: true)
                let every = duration(slow["every"], at: slowPath.appending("every"), positive: true)
                if let every, every < schedule.every {
                    error("out_of_range", slowPath.appending("every"), "must not be shorter than schedule.every")
                } else if let after, let every {
                    schedule.slowWhenIdle = .init(after: after, every: every)
                }
            }
        }
        return schedule
    }

    /// `activate`: one condition, or an array of conditions of which any activates the provider.
    mutating func activation(_ value: JSONValue?, at path: JSONPath, stages: [Stage]) -> any ActivationPolicy {
        guard let value else { return AlwaysActive() }
        guard case .array(let items) = value else { return condition(value, at: path, stages: stages) }
        if items.isEmpty {
            error("empty", path, "must list at least one condition (or leave out \"activate\" to poll from the start)")
            return AlwaysActive()
        }
        let conditions = items.enumerated().map { condition($1, at: path.appending($0), stages: stages) }
        return conditions.count == 1 ? conditions[0] : ActiveWhenAny(conditions)
    }

    mutating func condition(_ value: JSONValue, at path: JSONPath, stages: [Stage]) -> any ActivationPolicy {
        guard let fields = object(value, at: path, keys: PipelineKeys.activate, required: ["when"]),
            let when = string(fields["when"], at: path.appending("when"))
        else { return AlwaysActive() }
        let needs: [String: (required: [String], optional: [String])] = [
            "always": ([], []), "afterStage": (["stage"], []), "failureWithoutDetail": ([], []),
            "fastProvidersDegraded": (["for"], []), "degraded": (["providers"], ["for"]), "silence": (["for"], []),
        ]
        guard let needed = needs[when] else {
            error(
                "unknown_value", path.appending("when"),
                "unknown activation \"\(when)\"" + suggestion(when, PipelineKeys.activations)
                    + " (use one of: \(PipelineKeys.activations.joined(separator: ", ")))")
            return AlwaysActive()
        }
        for key in ["stage", "for", "providers"] {
            if fields[key] != nil, !needed.required.contains(key), !needed.optional.contains(key) {
                error("unexpected_key", path.appending(key), "is not used by \"when\": \"\(when)\"")
            } else if fields[key] == nil, needed.required.contains(key) {
                error("missing_key", path.appending(key), "is required by \"when\": \"\(when)\"")
            }
        }
        switch when {
        case "afterStage":
            guard let stage = string(fields["stage"], at: path.appending("stage")) else { return AlwaysActive() }
            checkStageReference(stage, at: path.appending("stage"), stages: stages)
            return ActiveAfterStage(stage: stage)
        case "failureWithoutDetail":
            return ActiveOnFailureWithoutDetail()
        case "fastProvidersDegraded":
            let window = duration(fields["for"], at: path.appending("for"), positive: false) ?? .seconds(30)
            return ActiveWhenFastProvidersDegraded(for: window)
        case "degraded":
            let window = duration(fields["for"], at: path.appending("for"), positive: false) ?? .zero
            let providersPath = path.appending("providers")
            var ids: [String] = []
            if let items = array(fields["providers"], at: providersPath) {
                if items.isEmpty { error("empty", providersPath, "must name at least one provider id") }
                for (index, item) in items.enumerated() {
                    guard let id = string(item, at: providersPath.appending(index)) else { continue }
                    ids.append(id)
                    providerReferences.append((id, providersPath.appending(index)))
                }
            }
            return ActiveWhenProvidersDegraded(ids, for: window)
        case "silence":
            let window = duration(fields["for"], at: path.appending("for"), positive: true) ?? .seconds(60)
            return ActiveAfterSilence(for: window)
        default:
            return AlwaysActive()
        }
    }

    mutating func map(_ value: JSONValue, at path: JSONPath, stages: [Stage]) -> [(String, String?)] {
        guard case .object(let members) = value else {
            error("wrong_type", path, "must be an object of backend status → stage id, not \(value.typeDescription)")
            return []
        }
        var entries: [(String, String?)] = []
        for member in members {
            let memberPath = path.appending(member.key)
            switch member.value {
            case .null:
                entries.append((member.key, nil))
            case .string(let stage):
                if checkStageReference(stage, at: memberPath, stages: stages) { entries.append((member.key, stage)) }
            default:
                error(
                    "wrong_type", memberPath,
                    "must be a stage id (a string) or null (status changes nothing), not \(member.value.typeDescription)"
                )
            }
        }
        return entries
    }

    // MARK: - Finish

    mutating func finish(_ value: JSONValue?, at path: JSONPath, stages: [Stage]) -> FinishPolicy {
        var finish = FinishPolicy()
        guard let value, let fields = object(value, at: path, keys: PipelineKeys.finish) else { return finish }
        if let on = fields["on"] {
            let onPath = path.appending("on")
            var ids: [(String, JSONPath)] = []
            switch on {
            case .string(let id): ids = [(id, onPath)]
            case .array(let items):
                for (index, item) in items.enumerated() {
                    if let id = string(item, at: onPath.appending(index)) { ids.append((id, onPath.appending(index))) }
                }
            default:
                error("wrong_type", onPath, "must be a stage id or an array of stage ids, not \(on.typeDescription)")
            }
            for (id, idPath) in ids where checkStageReference(id, at: idPath, stages: stages) {
                finish.on.insert(id)
            }
        }
        if let deadline = duration(fields["deadline"], at: path.appending("deadline"), positive: true) {
            finish.deadline = deadline
        }
        if let detailWait = duration(fields["detailWait"], at: path.appending("detailWait"), positive: false) {
            finish.detailWait = detailWait
        }
        return finish
    }

    mutating func checkReachability(stages: [Stage], providers: [ProviderSpec], finish: FinishPolicy) {
        let mapsToStageIDs = providers.contains { $0.registration.statusesNameStages }
        let targets = Set(providers.flatMap { $0.stageMap.values.compactMap { $0 } })
        // When a provider entry is broken its map is unknown: a stage would look unreachable only
        // because of an error already reported, so say nothing rather than something misleading.
        let knowsEveryMap = !providersIncomplete
        for (index, stage) in stages.enumerated()
        where knowsEveryMap && !mapsToStageIDs && !targets.contains(stage.id) {
            let path = JSONPath([.key("stages"), .index(index)])
            if stage.outcome == .progress {
                warning(
                    "unreachable_stage", path,
                    "no provider's map leads to stage \"\(stage.id)\"; it can only be inferred from a later stage")
            } else {
                error(
                    "unreachable_outcome", path,
                    "outcome stage \"\(stage.id)\" can never be reached: no provider's map leads to it; "
                        + "add a map entry such as \"map\": {\"STATUS\": \"\(stage.id)\"} to a provider")
            }
        }
        if !stages.isEmpty, !stages.contains(where: { $0.outcome == .success }), finish.on.isEmpty {
            warning(
                "no_success", JSONPath([.key("finish")]),
                "nothing ends the watch successfully: declare a stage with \"outcome\": \"success\" or list a stage in finish.on"
            )
        }
    }

    // MARK: - Typed reading helpers

    @discardableResult
    mutating func checkStageReference(_ id: String, at path: JSONPath, stages: [Stage]) -> Bool {
        if stages.contains(where: { $0.id == id }) || isUnresolved(id) { return true }
        error(
            "unknown_stage", path,
            "unknown stage \"\(id)\"" + suggestion(id, stages.map(\.id))
                + " (declared stages: \(stages.map(\.id).joined(separator: ", ")))")
        return false
    }

    mutating func checkIdentifier(_ text: String, at path: JSONPath, what: String) {
        let valid =
            !text.isEmpty && text.count <= 64
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        if !valid {
            error(
                "bad_identifier", path, "\(quoted(text)) is not \(what): use 1 to 64 letters, digits, '_' or '-'"
            )
        }
    }

    /// Still holds a reference that validation left unfilled (no value needed there); when values
    /// are required, a `${` can only have come from a value itself and is checked like any text.
    func isUnresolved(_ text: String) -> Bool {
        !options.requireValues && text.contains("${")
    }

    /// A user's value, quoted for a message: secrets redacted first, then cut to 80 characters.
    func quoted(_ text: String) -> String {
        let redacted = SecretRedactor(environment: options.environment).redact(text)
        return "\"\(redacted.count > 80 ? redacted.prefix(79) + "…" : Substring(redacted))\""
    }

    func suggestion<Names: Collection<String>>(_ name: String, _ candidates: Names) -> String {
        NameSuggestion.nearest(to: name, in: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
    }

    mutating func object(
        _ value: JSONValue?, at path: JSONPath, keys: [String], required: [String] = []
    ) -> [String: JSONValue]? {
        guard let value else { return nil }
        guard case .object(let members) = value else {
            error("wrong_type", path, "must be an object, not \(value.typeDescription)")
            return nil
        }
        var fields: [String: JSONValue] = [:]
        for member in members {
            if keys.contains(member.key) {
                fields[member.key] = member.value
            } else {
                error("unknown_key", path.appending(member.key), "is not a known key" + suggestion(member.key, keys))
            }
        }
        for key in required where fields[key] == nil {
            error("missing_key", path.appending(key), "is required but missing")
        }
        return fields
    }

    mutating func array(_ value: JSONValue?, at path: JSONPath) -> [JSONValue]? {
        guard let value else { return nil }
        guard case .array(let items) = value else {
            error("wrong_type", path, "must be an array, not \(value.typeDescription)")
            return nil
        }
        return items
    }

    mutating func string(_ value: JSONValue?, at path: JSONPath) -> String? {
        guard let value else { return nil }
        guard case .string(let text) = value else {
            error("wrong_type", path, "must be a string, not \(value.typeDescription)")
            return nil
        }
        return text
    }

    mutating func number(_ value: JSONValue?, at path: JSONPath) -> Double? {
        guard let value else { return nil }
        guard case .number(let number) = value else {
            error("wrong_type", path, "must be a number, not \(value.typeDescription)")
            return nil
        }
        return number
    }

    mutating func integer(_ value: JSONValue?, at path: JSONPath) -> Int? {
        guard let number = number(value, at: path) else { return nil }
        guard number.rounded() == number, abs(number) < 1e9 else {
            error("wrong_type", path, "must be a whole number, not \(number)")
            return nil
        }
        return Int(number)
    }

    /// A duration string; `nil` (with an issue) when malformed, or silently when it still holds an
    /// unresolved reference (validate without values).
    mutating func duration(_ value: JSONValue?, at path: JSONPath, positive: Bool) -> Duration? {
        guard let value else { return nil }
        guard case .string(let text) = value else {
            error(
                "wrong_type", path,
                "must be a duration string such as \"5s\", \"1m30s\" or \"250ms\", not \(value.typeDescription)")
            return nil
        }
        if isUnresolved(text) { return nil }
        guard let duration = DurationText.parse(text) else {
            error(
                "bad_duration", path,
                "\(quoted(text)) is not a duration; write a number and a unit (h, m, s, ms) with no spaces, "
                    + "such as \"5s\", \"1m30s\" or \"250ms\"")
            return nil
        }
        if positive, duration <= .zero {
            error("out_of_range", path, "must be longer than 0s")
            return nil
        }
        return duration
    }
}
