/// The root of a pipeline document as written, read with `JSONValueDecoder.decodeCollecting` before
/// variables are filled in: known keys only, and `name`, `stages` and `providers` present. Their
/// values are read after substitution, each section by its own type (`StageSection`,
/// `ProviderSection`, `FinishSection`); `variables` is read first, since substitution needs it.
struct PipelineDocument: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case schema = "$schema", version, name, description, variables, stages, providers, finish
    }

    var variables: JSONValue?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        for required in [CodingKeys.name, .stages, .providers] {
            _ = try container.decodeOrRecord(JSONValue.self, forKey: required)
        }
        variables = try container.decodeIfPresentOrRecord(JSONValue.self, forKey: .variables)
    }
}
