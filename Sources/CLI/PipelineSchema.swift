import LaunchWatchCore

/// The JSON Schema (2020-12) of pipeline files, for editors. The loader stays the authority: it
/// checks what a schema cannot (stage references, facts, reachability). The `schedule` and
/// `activate` parts come from the declarations the loader reads too (`ScheduleSection`,
/// `ActivationKind`), so the two describe the same keys.
enum PipelineSchema {
    static func document(registry: ProviderRegistry) -> JSONValue {
        let kinds = registry.kinds
        let configRules: [JSONValue] = kinds.compactMap { kind in
            guard let provider = registry[kind] else { return nil }
            return object([
                ("if", object([("properties", object([("type", object([("const", .string(kind))]))]))])),
                ("then", object([("properties", object([("config", configSchema(provider))]))])),
            ])
        }
        return object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("title", .string("launchwatch pipeline")),
            (
                "description",
                .string("Stages of a launch and the providers that observe it. See `launchwatch providers`.")
            ),
            ("type", .string("object")),
            ("additionalProperties", .bool(false)),
            ("required", strings(["name", "stages", "providers"])),
            (
                "properties",
                object([
                    ("$schema", object([("type", .string("string"))])),
                    ("version", object([("const", .number(1))])),
                    ("name", object([("type", .string("string"))])),
                    ("description", object([("type", .string("string"))])),
                    (
                        "variables",
                        object([
                            ("type", .string("object")),
                            ("propertyNames", ref("identifier")),
                            (
                                "additionalProperties",
                                object([
                                    (
                                        "anyOf",
                                        .array([
                                            object([("type", .string("string"))]),
                                            closedObject([
                                                ("description", object([("type", .string("string"))])),
                                                ("default", object([("type", .string("string"))])),
                                                ("optional", object([("type", .string("boolean"))])),
                                            ]),
                                        ])
                                    )
                                ])
                            ),
                        ])
                    ),
                    (
                        "stages",
                        object([("type", .string("array")), ("minItems", .number(1)), ("items", ref("stage"))])
                    ),
                    (
                        "providers",
                        object([("type", .string("array")), ("minItems", .number(1)), ("items", ref("provider"))])
                    ),
                    (
                        "finish",
                        closedObject([
                            (
                                "on",
                                object([
                                    (
                                        "anyOf",
                                        .array([
                                            ref("identifier"),
                                            object([("type", .string("array")), ("items", ref("identifier"))]),
                                        ])
                                    )
                                ])
                            ),
                            ("deadline", ref("duration")),
                            ("detailWait", ref("duration")),
                        ])
                    ),
                ])
            ),
            (
                "$defs",
                object([
                    (
                        "identifier",
                        object([
                            ("type", .string("string")), ("pattern", .string("^([A-Za-z0-9_-]{1,64}|.*\\$\\{.*)$")),
                        ])
                    ),
                    (
                        "duration",
                        object([
                            ("type", .string("string")),
                            (
                                "description",
                                .string("A number and a unit (h, m, s, ms), largest first: 5s, 1m30s, 250ms.")
                            ),
                            (
                                "pattern",
                                .string(
                                    "^(([0-9]+(\\.[0-9]+)?h)?([0-9]+(\\.[0-9]+)?m)?([0-9]+(\\.[0-9]+)?s)?([0-9]+(\\.[0-9]+)?ms)?|.*\\$\\{.*)$"
                                )
                            ),
                            ("minLength", .number(2)),
                        ])
                    ),
                    (
                        "stage",
                        closedObject(
                            [
                                ("id", ref("identifier")),
                                ("title", object([("type", .string("string"))])),
                                ("outcome", object([("enum", strings(["progress", "success", "failure"]))])),
                            ], required: ["id"])
                    ),
                    (
                        "provider",
                        object([
                            ("type", .string("object")),
                            ("additionalProperties", .bool(false)),
                            ("required", strings(["id", "type"])),
                            (
                                "properties",
                                object([
                                    ("id", ref("identifier")),
                                    ("type", object([("enum", strings(kinds))])),
                                    ("config", object([("type", .string("object"))])),
                                    ("schedule", ref("schedule")),
                                    ("activate", ref("activate")),
                                    (
                                        "map",
                                        object([
                                            ("type", .string("object")),
                                            ("additionalProperties", object([("type", strings(["string", "null"]))])),
                                        ])
                                    ),
                                    (PipelineKeys.degradedAfter.name, PipelineKeys.degradedAfter.schema),
                                ])
                            ),
                            ("allOf", .array(configRules)),
                        ])
                    ),
                    ("schedule", SectionKey.closedObject(ScheduleSection.keys)),
                    (
                        "activate",
                        object([
                            (
                                "anyOf",
                                .array([
                                    ref("condition"),
                                    object([
                                        ("type", .string("array")), ("minItems", .number(1)),
                                        ("items", ref("condition")),
                                    ]),
                                ])
                            )
                        ])
                    ),
                    ("condition", SectionKey.closedObject(ActivationKind.conditionKeys)),
                ])
            ),
        ])
    }

    private static func configSchema(_ provider: RegisteredProvider) -> JSONValue {
        let properties: [(String, JSONValue)] = provider.configurationFields.map { field in
            var members: [(String, JSONValue)]
            switch field.type {
            case .duration: members = [("$ref", .string("#/$defs/duration"))]
            case .stringMap:
                members = [
                    ("type", .string("object")), ("additionalProperties", object([("type", .string("string"))])),
                ]
            default: members = [("type", .string(field.type.rawValue))]
            }
            var summary = field.summary
            let confined = provider.credentialDestinationFields.filter {
                $0 == field.name || $0.hasPrefix(field.name + ".")
            }
            if !confined.isEmpty, let rule = provider.credentialDestinationSummary {
                summary += ". Confined (\(confined.joined(separator: ", "))): \(rule)"
                // A URL field: https, or http on loopback only (the hosts allowed depend on the run).
                if confined == [field.name], field.type == .string {
                    members.append(("pattern", .string(confinedURLPattern)))
                }
            }
            members.append(("description", .string(summary)))
            return (field.name, object(members))
        }
        let required = provider.configurationFields.filter(\.required).map(\.name)
        return closedObject(properties, required: required)
    }

    /// https anywhere, plain http on loopback only, or a value still to be filled in (`${...}`).
    static let confinedURLPattern =
        "^(https://.+|http://(localhost|127\\.[0-9]+\\.[0-9]+\\.[0-9]+|\\[::1\\])([:/].*)?|.*\\$\\{.*)$"

    private static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(members.map { (key: $0.0, value: $0.1) })
    }

    private static func closedObject(_ properties: [(String, JSONValue)], required: [String] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("object")), ("additionalProperties", .bool(false)), ("properties", object(properties)),
        ]
        if !required.isEmpty { members.append(("required", strings(required))) }
        return object(members)
    }

    private static func ref(_ name: String) -> JSONValue { object([("$ref", .string("#/$defs/\(name)"))]) }
    private static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
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
