/// One key of a pipeline section, declared once: its name, what its value must be, and whether it is
/// required. The loader reads and checks a value by its declaration, and `launchwatch schema` writes
/// the same declaration as JSON Schema, so the two cannot drift apart.
package struct SectionKey: Sendable {
    /// What a key's value must be; each case knows its check (in the loader) and its JSON Schema.
    package enum Value: Sendable {
        /// A duration string (`"5s"`); `positive` when `0s` is out of range.
        case duration(positive: Bool)
        /// A number in `minimum...maximum`; `rangeMessage` says so when it is not.
        case number(minimum: Double, maximum: Double, rangeMessage: String)
        /// A whole number of at least `minimum`.
        case integer(minimum: Int)
        case boolean
        /// The id of a declared stage.
        case stageID
        /// A non-empty array of provider ids of the pipeline.
        case providerIDs
        /// One of these words.
        case oneOf([String])
        /// A nested object with these keys and no others.
        case section([SectionKey])
    }

    package var name: String
    package var value: Value
    package var required: Bool

    package init(_ name: String, _ value: Value, required: Bool = false) {
        self.name = name
        self.value = value
        self.required = required
    }

    /// The JSON Schema (2020-12) of the key's value; `#/$defs/identifier` and `#/$defs/duration` are
    /// defined by the pipeline schema.
    package var schema: JSONValue { value.schema }
}

extension SectionKey.Value {
    package var schema: JSONValue {
        switch self {
        case .duration: SectionKey.reference("duration")
        case .number(let minimum, let maximum, _):
            SectionKey.object([
                ("type", .string("number")), ("minimum", .number(minimum)), ("maximum", .number(maximum)),
            ])
        case .integer(let minimum):
            SectionKey.object([("type", .string("integer")), ("minimum", .number(Double(minimum)))])
        case .boolean: SectionKey.object([("type", .string("boolean"))])
        case .stageID: SectionKey.reference("identifier")
        case .providerIDs:
            SectionKey.object([
                ("type", .string("array")), ("minItems", .number(1)), ("items", SectionKey.reference("identifier")),
            ])
        case .oneOf(let words): SectionKey.object([("enum", .array(words.map { .string($0) }))])
        case .section(let keys): SectionKey.closedObject(keys)
        }
    }
}

extension SectionKey {
    /// `{"type": "object", "additionalProperties": false, "properties": ..., "required": ...}`.
    package static func closedObject(_ keys: [SectionKey]) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("object")), ("additionalProperties", .bool(false)),
            ("properties", object(keys.map { ($0.name, $0.schema) })),
        ]
        let required = keys.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { members.append(("required", .array(required))) }
        return object(members)
    }

    package static func reference(_ name: String) -> JSONValue { object([("$ref", .string("#/$defs/\(name)"))]) }

    package static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(members.map { (key: $0.0, value: $0.1) })
    }
}
