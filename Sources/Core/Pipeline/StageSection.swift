/// One entry of `stages` as written, read with `JSONValueDecoder.decodeCollecting`: its shape (known
/// keys only, `id` present, strings where strings belong). What the values mean — a well-formed id,
/// a known outcome, no duplicate id — is checked by `PipelineDecoding.stages`.
struct StageSection: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, title, outcome
    }

    /// `nil` when missing or not a string (recorded).
    var id: String?
    var title: String?
    var outcome: String?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeOrRecord(String.self, forKey: .id)
        title = try container.decodeIfPresentOrRecord(String.self, forKey: .title)
        outcome = try container.decodeIfPresentOrRecord(String.self, forKey: .outcome)
    }
}
