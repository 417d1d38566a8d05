/// The root of a pipeline document as written, read with `JSONValueDecoder.decodeCollecting` before
/// variables are filled in: known keys only, and `name`, `stages` and `providers` present. Their
/// values are read after substitution, each section by its own type (`StageSection`,
/// `ProviderSection`, `FinishSection`); `variables` is read first, since substitution needs it.
package struct PipelineDocument: DeclaredSection {
    static let variablesKey = SectionKey("variables", .variables)

    package static let keys = [
        SectionKey("$schema", .text), SectionKey("version", .constant(.number(1))),
        SectionKey("name", .text, required: true), SectionKey("description", .text), variablesKey,
        SectionKey("stages", .list(of: "stage"), required: true),
        SectionKey("providers", .list(of: "provider"), required: true),
        SectionKey("finish", .section(FinishSection.keys)),
    ]

    var variables: JSONValue?

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: SectionCodingKey<Self>.self)
        for key in Self.keys where key.required {
            _ = try container.decode(JSONValue.self, key)
        }
        variables = try container.decode(JSONValue.self, Self.variablesKey)
    }
}
