/// One entry of `providers` as written, read with `JSONValueDecoder.decodeCollecting`: known keys
/// only, `id` and `type` present and strings. The parts with rules of their own stay JSON here and
/// are read by `PipelineDecoding.providers`: `config` by the provider kind, `schedule` and
/// `activate` by their declarations (`ScheduleSection`, `ActivationKind`), `map` against the
/// stages.
struct ProviderSection: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, type, config, schedule, activate, map, degradedAfter
    }

    /// `nil` when missing or not a string (recorded).
    var id: String?
    var type: String?
    var config: JSONValue?
    var schedule: JSONValue?
    var activate: JSONValue?
    var map: JSONValue?
    var degradedAfter: JSONValue?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeOrRecord(String.self, forKey: .id)
        type = try container.decodeOrRecord(String.self, forKey: .type)
        config = try container.decodeIfPresentOrRecord(JSONValue.self, forKey: .config)
        schedule = try container.decodeIfPresentOrRecord(JSONValue.self, forKey: .schedule)
        activate = try container.decodeIfPresentOrRecord(JSONValue.self, forKey: .activate)
        map = try container.decodeIfPresentOrRecord(JSONValue.self, forKey: .map)
        degradedAfter = try container.decodeIfPresentOrRecord(JSONValue.self, forKey: .degradedAfter)
    }

    /// The fields that are present, by key, for readers that take them so (`PipelineReader`).
    var fields: [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        for (key, value) in [
            ("config", config), ("schedule", schedule), ("activate", activate), ("map", map),
            ("degradedAfter", degradedAfter),
        ] {
            if let value { fields[key] = value }
        }
        return fields
    }
}
