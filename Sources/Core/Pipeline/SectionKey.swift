/// One key of a pipeline section, declared once: its name, what its value must be, and whether it is
/// required. The loader reads and checks a value by its declaration (unknown and missing keys
/// included, through `DeclaredSection`), and `launchwatch schema` writes the same declaration as
/// JSON Schema, so the two cannot drift apart.
package struct SectionKey: Sendable {
    /// What a key's value must be; each case knows its check (in the loader) and its JSON Schema.
    package enum Value: Sendable {
        /// Any string.
        case text
        /// Exactly this value (`version`: 1).
        case constant(JSONValue)
        /// The id of what this entry declares (a stage, a provider): 1 to 64 letters, digits, `_`, `-`.
        case identifier
        /// A duration string (`"5s"`); `positive` when `0s` is out of range.
        case duration(positive: Bool)
        /// A number in `minimum...maximum`; `rangeMessage` says so when it is not.
        case number(minimum: Double, maximum: Double, rangeMessage: String)
        /// A whole number of at least `minimum`.
        case integer(minimum: Int)
        case boolean
        /// The id of a declared stage.
        case stageID
        /// A stage id, or an array of them (`finish.on`).
        case stageIDs
        /// A non-empty array of provider ids of the pipeline.
        case providerIDs
        /// One of these words.
        case oneOf([String])
        /// A nested object with these keys and no others.
        case section([SectionKey])
        /// A non-empty array of the entries `#/$defs/NAME` describes (`stages`, `providers`).
        case list(of: String)
        /// A value with a reader of its own, described by `#/$defs/NAME` (`schedule`, `activate`).
        case defined(String)
        /// Variable names, each with a default or a declaration (`VariablesSection`).
        case variables
        /// A registered provider kind (the registry's, known when the schema is written).
        case providerKind
        /// A provider kind's `config`, an object checked by the kind.
        case configuration
        /// Backend status → stage id, or null when the status changes nothing (a provider's `map`).
        case stageMap
    }

    package var name: String
    package var value: Value
    package var required: Bool

    package init(_ name: String, _ value: Value, required: Bool = false) {
        self.name = name
        self.value = value
        self.required = required
    }

    /// The JSON Schema (2020-12) of the key's value; `#/$defs/identifier`, `#/$defs/duration` and
    /// the names of `.list` and `.defined` are defined by the pipeline schema. `providerKinds` are
    /// the words of `.providerKind`.
    package func schema(providerKinds: [String] = []) -> JSONSchema { value.schema(providerKinds: providerKinds) }
}

extension SectionKey.Value {
    package func schema(providerKinds: [String]) -> JSONSchema {
        switch self {
        case .text: .type("string")
        case .constant(let value): .constant(value)
        case .identifier, .stageID: .reference("identifier")
        case .duration: .reference("duration")
        case .number(let minimum, let maximum, _):
            JSONSchema.type("number").with("minimum", .number(minimum)).with("maximum", .number(maximum))
        case .integer(let minimum): JSONSchema.type("integer").with("minimum", .number(Double(minimum)))
        case .boolean: .type("boolean")
        case .stageIDs: .anyOf([.reference("identifier"), .array(of: .reference("identifier"))])
        case .providerIDs: .array(of: .reference("identifier"), minItems: 1)
        case .oneOf(let words): .words(words)
        case .section(let keys): SectionKey.closedObject(keys, providerKinds: providerKinds)
        case .list(let definition): .array(of: .reference(definition), minItems: 1)
        case .defined(let definition): .reference(definition)
        case .variables:
            .map(
                of: .anyOf([.type("string"), SectionKey.closedObject(VariablesSection.Entry.keys)]),
                names: .reference("identifier"))
        case .providerKind: .words(providerKinds)
        case .configuration: .type("object")
        case .stageMap: .map(of: .types(["string", "null"]))
        }
    }
}

extension SectionKey {
    /// `{"type": "object", "additionalProperties": false, "properties": ..., "required": ...}`: an
    /// object with these keys and no others.
    package static func closedObject(
        _ keys: [SectionKey], providerKinds: [String] = [], requiredFirst: Bool = false
    ) -> JSONSchema {
        .closedObject(
            keys.map { JSONSchema.Property($0.name, $0.schema(providerKinds: providerKinds)) },
            required: keys.filter(\.required).map(\.name), requiredFirst: requiredFirst)
    }
}
