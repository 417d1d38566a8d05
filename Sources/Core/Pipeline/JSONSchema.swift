/// A JSON Schema (2020-12) node, built from typed parts: what `launchwatch schema` writes for each
/// declared key (`SectionKey`) and section (`DeclaredSection`).
///
/// Members are written in the order they are added, so that the published
/// `Examples/pipeline.schema.json` keeps its layout (a test compares it byte for byte).
package struct JSONSchema: Sendable {
    /// One named schema: an object's property, or an entry of `$defs`.
    package struct Property: Sendable {
        package var name: String
        package var schema: JSONSchema

        package init(_ name: String, _ schema: JSONSchema) {
            self.name = name
            self.schema = schema
        }
    }

    package private(set) var members: [(key: String, value: JSONValue)] = []

    /// An empty schema (anything), to add members to.
    package init() {}

    /// The schema as JSON, members in the order added.
    package var json: JSONValue { .object(members) }

    /// This schema with `key` set to `value` (added last).
    package func with(_ key: String, _ value: JSONValue) -> JSONSchema {
        var copy = self
        copy.members.append((key, value))
        return copy
    }

    /// This schema with `key` set to a schema (`items`, `additionalProperties`, `propertyNames`).
    package func with(_ key: String, _ schema: JSONSchema) -> JSONSchema { with(key, schema.json) }

    /// This schema with `key` set to an object of named schemas (`properties`, `$defs`).
    package func with(_ key: String, _ properties: [Property]) -> JSONSchema {
        with(key, .object(properties.map { (key: $0.name, value: $0.schema.json) }))
    }

    /// This schema with the members of `other` added after its own.
    package func with(contentsOf other: JSONSchema) -> JSONSchema {
        var copy = self
        copy.members += other.members
        return copy
    }

    /// `{"type": name}`.
    package static func type(_ name: String) -> JSONSchema { JSONSchema().with("type", .string(name)) }

    /// `{"type": [names]}`: any of these JSON types.
    package static func types(_ names: [String]) -> JSONSchema { JSONSchema().with("type", strings(names)) }

    /// `{"$ref": "#/$defs/name"}`.
    package static func reference(_ definition: String) -> JSONSchema {
        JSONSchema().with("$ref", .string("#/$defs/\(definition)"))
    }

    /// `{"const": value}`.
    package static func constant(_ value: JSONValue) -> JSONSchema { JSONSchema().with("const", value) }

    /// `{"enum": [words]}`.
    package static func words(_ words: [String]) -> JSONSchema { JSONSchema().with("enum", strings(words)) }

    /// `{"anyOf": [schemas]}`.
    package static func anyOf(_ schemas: [JSONSchema]) -> JSONSchema {
        JSONSchema().with("anyOf", .array(schemas.map(\.json)))
    }

    /// An array of `items`, with at least `minItems` when given.
    package static func array(of items: JSONSchema, minItems: Int? = nil) -> JSONSchema {
        var schema = type("array")
        if let minItems { schema = schema.with("minItems", .number(Double(minItems))) }
        return schema.with("items", items)
    }

    /// An object whose values are `values` (any names, or names matching `names`).
    package static func map(of values: JSONSchema, names: JSONSchema? = nil) -> JSONSchema {
        var schema = type("object")
        if let names { schema = schema.with("propertyNames", names) }
        return schema.with("additionalProperties", values)
    }

    /// An object with these properties and no others; `required` ones must be present. The root and
    /// `provider` objects were published with `required` before `properties` (`requiredFirst`).
    package static func closedObject(
        _ properties: [Property], required: [String] = [], requiredFirst: Bool = false
    ) -> JSONSchema {
        var schema = type("object").with("additionalProperties", .bool(false))
        if requiredFirst, !required.isEmpty { schema = schema.with("required", strings(required)) }
        schema = schema.with("properties", properties)
        if !requiredFirst, !required.isEmpty { schema = schema.with("required", strings(required)) }
        return schema
    }

    private static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
}
