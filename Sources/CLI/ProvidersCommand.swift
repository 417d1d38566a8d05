import ArgumentParser
import LaunchWatchCore

/// `launchwatch providers [KIND]`: the provider kinds, their configuration and default maps.
struct ProvidersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "List provider kinds, or show one kind's config fields, defaults and default map."
    )

    @Argument(help: "A provider kind, such as replay.")
    var kind: String?

    func validate() throws {
        let registry = LaunchWatchCLI.registry
        if let kind, registry[kind] == nil {
            var message = "unknown provider kind \"\(kind)\""
            if let suggestion = NameSuggestion.nearest(to: kind, in: registry.kinds) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            throw ValidationError(message + " (known: \(registry.kinds.joined(separator: ", ")))")
        }
    }

    func run() throws {
        let registry = LaunchWatchCLI.registry
        guard let kind, let provider = registry[kind] else {
            let width = registry.kinds.map(\.count).max() ?? 0
            for kind in registry.kinds {
                let summary = registry[kind]?.summary ?? ""
                print("\(kind.padding(toLength: width, withPad: " ", startingAt: 0))  \(summary)")
            }
            print("\nlaunchwatch providers KIND shows a kind's config fields and default map.")
            print("\n" + Self.policies())
            return
        }
        print(Self.describe(provider))
    }

    /// The vocabulary every provider entry shares, from the declarations the loader reads: the
    /// `activate` conditions and the `schedule` keys.
    static func policies() -> String {
        var lines = ["activate (\"activate\": {\"when\": ...}, or an array of these; any activates):"]
        let names = ActivationKind.all.map { kind in
            let required = kind.keys.filter(\.required).map(\.name)
            return ([kind.name] + required + kind.keys.filter { !$0.required }.map { "[\($0.name)]" })
                .joined(separator: " ")
        }
        let width = names.map(\.count).max() ?? 0
        for (name, kind) in zip(names, ActivationKind.all) {
            lines.append("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(kind.summary)")
        }
        func describe(_ key: SectionKey) -> String {
            guard case .section(let keys) = key.value else { return key.name }
            return "\(key.name) {\(keys.map(\.name).joined(separator: ", "))}"
        }
        lines.append("")
        lines.append("schedule keys: " + ScheduleSection.keys.map(describe).joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    static func describe(_ provider: RegisteredProvider) -> String {
        var lines = ["\(provider.kind) — \(provider.summary)", "", "config:"]
        if provider.configurationFields.isEmpty { lines.append("  (none)") }
        for field in provider.configurationFields {
            var line = "  \(field.name) (\(field.type.rawValue)\(field.required ? ", required" : ""))"
            if let value = field.defaultValue { line += " default \(value)" }
            lines.append(line + ": \(field.summary)")
        }
        if let rule = provider.credentialDestinationSummary {
            lines.append("")
            lines.append("credentials: \(rule)")
        }
        lines.append("")
        lines.append("default schedule: every \(DurationText.format(provider.defaultInterval))")
        let facts =
            provider.publishedFacts.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "any (from the data)"
        lines.append("publishes facts: \(facts)")
        lines.append("")
        lines.append("default map (status → stage; a pipeline's \"map\" adds to and overrides it):")
        if provider.defaultStageMap.isEmpty { lines.append("  (none)") }
        for (status, stage) in provider.defaultStageMap.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(status) → \(stage ?? "(no change)")")
        }
        if provider.statusesNameStages {
            lines.append("  a status equal to a declared stage id reaches that stage")
        }
        return lines.joined(separator: "\n")
    }
}
