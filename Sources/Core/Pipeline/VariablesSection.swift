/// The `variables` section as written, read with `JSONValueDecoder.decodeCollecting`: each name with
/// a default (`"NAME": "value"`) or a declaration (`{"description", "default", "optional"}`), in
/// document order. `VariableSubstitution` checks the names and fills in the defaults.
package struct VariablesSection: Decodable {
    /// One variable; `value` is `nil` when it is neither a string nor a declaration (recorded).
    struct Variable {
        var name: String
        var value: Entry?
    }

    var variables: [Variable] = []

    package init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<NameKey>
        do {
            container = try decoder.container(keyedBy: NameKey.self)
        } catch {
            let value = try JSONValue(from: decoder)
            throw JSONValueDecoder.Failure(
                "wrong_type", at: JSONPath(codingPath: decoder.codingPath),
                "must be an object of variable names, not \(value.typeDescription)")
        }
        for key in container.allKeys {
            variables.append(
                Variable(name: key.stringValue, value: try container.decodeOrRecord(Entry.self, forKey: key)))
        }
    }

    /// A variable's value: a default, or a declaration.
    package struct Entry: DeclaredSection {
        static let descriptionKey = SectionKey("description", .text)
        static let defaultKey = SectionKey("default", .text)
        static let optionalKey = SectionKey("optional", .boolean)
        package static let keys = [descriptionKey, defaultKey, optionalKey]

        var summary: String?
        var defaultValue: String?
        /// Whether a default was written as a plain string (`"NAME": "value"`).
        var isPlainDefault = false
        var optional = false

        package init(from decoder: any Decoder) throws {
            switch try JSONValue(from: decoder) {
            case .string(let value):
                defaultValue = value
                isPlainDefault = true
            case .object:
                let container = try decoder.container(keyedBy: SectionCodingKey<Self>.self)
                summary = try container.decode(String.self, Self.descriptionKey)
                defaultValue = try container.decode(String.self, Self.defaultKey)
                optional = try container.decode(TrueOrFalse.self, Self.optionalKey)?.value ?? false
            case let value:
                throw JSONValueDecoder.Failure(
                    "wrong_type", at: JSONPath(codingPath: decoder.codingPath),
                    "must be a default value (a string) or {\"description\": ..., \"default\": ...}, "
                        + "not \(value.typeDescription)")
            }
        }
    }

    /// A boolean, refused in the words the rest of the pipeline uses.
    struct TrueOrFalse: Decodable {
        var value: Bool

        init(from decoder: any Decoder) throws {
            let value = try JSONValue(from: decoder)
            guard case .bool(let flag) = value else {
                throw JSONValueDecoder.Failure(
                    "wrong_type", at: JSONPath(codingPath: decoder.codingPath),
                    "must be true or false, not \(value.typeDescription)")
            }
            self.value = flag
        }
    }

    /// Any variable name.
    struct NameKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
