/// The `finish` section as written, read with `JSONValueDecoder.decodeCollecting`: `on` (a stage id
/// or an array of them), `deadline` and `detailWait`. `PipelineDecoding.finish` checks that the
/// stages are declared and the durations are durations.
package struct FinishSection: DeclaredSection {
    static let onKey = SectionKey("on", .stageIDs)
    static let deadlineKey = SectionKey("deadline", .duration(positive: true))
    static let detailWaitKey = SectionKey("detailWait", .duration(positive: false))
    package static let keys = [onKey, deadlineKey, detailWaitKey]

    /// `on`'s stage ids with where each is written; an element that is not a string is left out
    /// (recorded).
    var on: [(id: String, path: JSONPath)] = []
    var deadline: DurationString?
    var detailWait: DurationString?

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: SectionCodingKey<Self>.self)
        if let on = try container.decode(StageIDs.self, Self.onKey) { self.on = on.ids }
        deadline = try container.decode(DurationString.self, Self.deadlineKey)
        detailWait = try container.decode(DurationString.self, Self.detailWaitKey)
    }

    /// A stage id, or an array of stage ids.
    struct StageIDs: Decodable {
        var ids: [(id: String, path: JSONPath)] = []

        init(from decoder: any Decoder) throws {
            let path = JSONPath(codingPath: decoder.codingPath)
            switch try JSONValue(from: decoder) {
            case .string(let id):
                ids = [(id, path)]
            case .array:
                var items = try decoder.unkeyedContainer()
                while !items.isAtEnd {
                    let index = items.currentIndex
                    if let id = try items.decodeOrRecord(String.self) { ids.append((id, path.appending(index))) }
                }
            case let value:
                throw JSONValueDecoder.Failure(
                    "wrong_type", at: path, "must be a stage id or an array of stage ids, not \(value.typeDescription)")
            }
        }
    }
}
