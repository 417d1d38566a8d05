import LaunchWatchCore

/// The JSON Schema (2020-12) of pipeline files, for editors. The loader stays the authority: it
/// checks what a schema cannot (stage references, facts, reachability). Every object is written
/// from the key declarations the loader reads too (`PipelineDocument`, `StageSection`,
/// `ProviderSection`, `FinishSection`, `VariablesSection.Entry`, `ScheduleSection`, `ActivationKind`),
/// and each provider kind's `config` from its configuration fields, so the two describe the same keys.
enum PipelineSchema {
    static func document(registry: ProviderRegistry) -> JSONValue {
        let kinds = registry.kinds
        let configRules: [JSONValue] = kinds.compactMap { kind in
            guard let provider = registry[kind] else { return nil }
            let condition = JSONSchema().with("properties", [.init("type", .constant(.string(kind)))])
            let consequence = JSONSchema().with("properties", [.init("config", configSchema(provider))])
            return JSONSchema().with("if", condition).with("then", consequence).json
        }
        let provider = SectionKey.closedObject(ProviderSection.keys, providerKinds: kinds, requiredFirst: true)
            .with("allOf", .array(configRules))
        let definitions: [JSONSchema.Property] = [
            .init("identifier", JSONSchema.type("string").with("pattern", .string(identifierPattern))),
            .init(
                "duration",
                JSONSchema.type("string")
                    .with("description", .string("A number and a unit (h, m, s, ms), largest first: 5s, 1m30s, 250ms."))
                    .with("pattern", .string(durationPattern)).with("minLength", .number(2))),
            .init("stage", SectionKey.closedObject(StageSection.keys)),
            .init("provider", provider),
            .init("schedule", SectionKey.closedObject(ScheduleSection.keys)),
            .init("activate", .anyOf([.reference("condition"), .array(of: .reference("condition"), minItems: 1)])),
            .init("condition", SectionKey.closedObject(ActivationKind.conditionKeys)),
        ]
        return JSONSchema()
            .with("$schema", .string("https://json-schema.org/draft/2020-12/schema"))
            .with("title", .string("launchwatch pipeline"))
            .with(
                "description",
                .string("Stages of a launch and the providers that observe it. See `launchwatch providers`.")
            )
            .with(contentsOf: SectionKey.closedObject(PipelineDocument.keys, providerKinds: kinds, requiredFirst: true))
            .with("$defs", definitions)
            .json
    }

    private static func configSchema(_ provider: RegisteredProvider) -> JSONSchema {
        let properties: [JSONSchema.Property] = provider.configurationFields.map { field in
            var schema: JSONSchema
            switch field.type {
            case .duration: schema = .reference("duration")
            case .stringMap: schema = .map(of: .type("string"))
            default: schema = .type(field.type.rawValue)
            }
            var summary = field.summary
            let confined = provider.credentialDestinationFields.filter {
                $0 == field.name || $0.hasPrefix(field.name + ".")
            }
            if !confined.isEmpty, let rule = provider.credentialDestinationSummary {
                summary += ". Confined (\(confined.joined(separator: ", "))): \(rule)"
                // A URL field: https, or http on loopback only (the hosts allowed depend on the run).
                if confined == [field.name], field.type == .string {
                    schema = schema.with("pattern", .string(confinedURLPattern))
                }
            }
            return .init(field.name, schema.with("description", .string(summary)))
        }
        let required = provider.configurationFields.filter(\.required).map(\.name)
        return .closedObject(properties, required: required)
    }

    /// What `PipelineReader.checkIdentifier` accepts, or a value still to be filled in (`${...}`).
    static let identifierPattern = "^([A-Za-z0-9_-]{1,64}|.*\\$\\{.*)$"

    /// What `DurationText.parse` reads, or a value still to be filled in (`${...}`).
    static let durationPattern =
        "^(([0-9]+(\\.[0-9]+)?h)?([0-9]+(\\.[0-9]+)?m)?([0-9]+(\\.[0-9]+)?s)?([0-9]+(\\.[0-9]+)?ms)?|.*\\$\\{.*)$"

    /// https anywhere, plain http on loopback only, or a value still to be filled in (`${...}`).
    static let confinedURLPattern =
        "^(https://.+|http://(localhost|127\\.[0-9]+\\.[0-9]+\\.[0-9]+|\\[::1\\])([:/].*)?|.*\\$\\{.*)$"
}

extension JSONValue {
    /// Indented JSON text (two spaces), keys in document order.
    var prettyText: String {
        var output = ""
        writePretty(to: &output, indent: 0)
        return output
    }

    private func writePretty(to output: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch self {
        case .array(let values) where !values.isEmpty:
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += pad
                value.writePretty(to: &output, indent: indent + 1)
                output += index < values.count - 1 ? ",\n" : "\n"
            }
            output += closePad + "]"
        case .object(let members) where !members.isEmpty:
            output += "{\n"
            for (index, member) in members.enumerated() {
                output += pad + JSONValue.quoted(member.key) + ": "
                member.value.writePretty(to: &output, indent: indent + 1)
                output += index < members.count - 1 ? ",\n" : "\n"
            }
            output += closePad + "}"
        default:
            output += jsonText
        }
    }
}
