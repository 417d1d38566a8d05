#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The variables validator: reads the `variables` section and fills in `${env.NAME}`,
/// `${var.NAME}` (`--var NAME=value`, else the declared default) and `${launch.startedAt}` in the
/// rest of the document, reporting every reference that cannot be filled or is not allowed where it
/// is. `${fact.NAME}` is kept for run time, and is allowed only inside a provider's `config`.
struct VariableSubstitution {
    let options: PipelineLoader.Options
    var reader: PipelineReader
    var declaredVariables: [VariableDeclaration] = []
    /// Variable name → the unset `${env.NAME}` its default uses; an error only where the default is used.
    var defaultsMissingEnvironment: [String: [String]] = [:]
    /// Provider index → the optional variables without a value its config uses: it is left out.
    var unsetOptionalVariables: [Int: Set<String>] = [:]

    init(options: PipelineLoader.Options) {
        self.options = options
        self.reader = PipelineReader(options: options)
    }

    /// Reads the `variables` section (its shape from `VariablesSection`); `substitute` then fills in
    /// what it declares.
    mutating func variables(_ value: JSONValue?, at path: JSONPath) -> [VariableDeclaration] {
        guard let value, let section = reader.decode(VariablesSection.self, from: value, at: path) else { return [] }
        var declarations: [VariableDeclaration] = []
        for variable in section.variables {
            let memberPath = path.appending(variable.name)
            reader.checkIdentifier(variable.name, at: memberPath, what: "a variable name")
            guard let entry = variable.value else { continue }
            if entry.isPlainDefault, let defaultValue = entry.defaultValue {
                let rendered = renderDefault(defaultValue, variable.name, memberPath)
                declarations.append(VariableDeclaration(name: variable.name, defaultValue: rendered))
                continue
            }
            if entry.optional, entry.defaultValue != nil {
                reader.error(
                    "conflicting_keys", memberPath.appending("optional"),
                    "a variable with a default always has a value; remove \"optional\" or \"default\"")
            }
            let defaultPath = memberPath.appending("default")
            declarations.append(
                VariableDeclaration(
                    name: variable.name, summary: entry.summary,
                    defaultValue: entry.defaultValue.map { renderDefault($0, variable.name, defaultPath) },
                    optional: entry.optional))
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
        reader.issues += found
        if !missing.isEmpty { defaultsMissingEnvironment[variable] = missing }
        return rendered
    }

    var startedAtText: String { RFC3339.string(from: options.startedAt) }

    mutating func parseTemplate(_ text: String, at path: JSONPath) -> Template? {
        guard text.contains("$") else { return nil }
        do {
            return try Template(text)
        } catch {
            reader.error("bad_reference", path, error.message)
            return nil
        }
    }

    /// The document with every reference outside `$schema` and `variables` filled in, as far as the
    /// options give values; `${fact.NAME}` (run time) and `$${` escapes are kept inside a `config`.
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
        reader.issues += found
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

}
