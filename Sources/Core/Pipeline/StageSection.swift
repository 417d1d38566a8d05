/// One entry of `stages` as written, read with `JSONValueDecoder.decodeCollecting`: its shape (known
/// keys only, `id` present, strings where strings belong). What the values mean — a well-formed id,
/// a known outcome, no duplicate id — is checked by `PipelineDecoding.stages`.
package struct StageSection: DeclaredSection {
    static let idKey = SectionKey("id", .identifier, required: true)
    static let titleKey = SectionKey("title", .text)
    static let outcomeKey = SectionKey("outcome", .oneOf(Stage.Outcome.allCases.map(\.rawValue)))
    package static let keys = [idKey, titleKey, outcomeKey]

    /// `nil` when missing or not a string (recorded).
    var id: String?
    var title: String?
    var outcome: String?

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: SectionCodingKey<Self>.self)
        id = try container.decode(String.self, Self.idKey)
        title = try container.decode(String.self, Self.titleKey)
        outcome = try container.decode(String.self, Self.outcomeKey)
    }
}
