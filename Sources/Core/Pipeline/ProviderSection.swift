/// One entry of `providers` as written, read with `JSONValueDecoder.decodeCollecting`: known keys
/// only, `id` and `type` present and strings. The parts with rules of their own stay JSON here and
/// are read by `PipelineDecoding.providers`: `config` by the provider kind, `schedule` and
/// `activate` by their declarations (`ScheduleSection`, `ActivationKind`), `map` against the
/// stages.
package struct ProviderSection: DeclaredSection {
    static let idKey = SectionKey("id", .identifier, required: true)
    static let typeKey = SectionKey("type", .providerKind, required: true)
    static let configKey = SectionKey("config", .configuration)
    static let scheduleKey = SectionKey("schedule", .defined("schedule"))
    static let activateKey = SectionKey("activate", .defined("activate"))
    static let mapKey = SectionKey("map", .stageMap)
    /// How many failed polls in a row make a provider degraded.
    static let degradedAfterKey = SectionKey("degradedAfter", .integer(minimum: 1))
    package static let keys = [idKey, typeKey, configKey, scheduleKey, activateKey, mapKey, degradedAfterKey]

    /// `nil` when missing or not a string (recorded).
    var id: String?
    var type: String?
    var config: JSONValue?
    var schedule: JSONValue?
    var activate: JSONValue?
    var map: JSONValue?
    var degradedAfter: JSONValue?

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: SectionCodingKey<Self>.self)
        id = try container.decode(String.self, Self.idKey)
        type = try container.decode(String.self, Self.typeKey)
        config = try container.decode(JSONValue.self, Self.configKey)
        schedule = try container.decode(JSONValue.self, Self.scheduleKey)
        activate = try container.decode(JSONValue.self, Self.activateKey)
        map = try container.decode(JSONValue.self, Self.mapKey)
        degradedAfter = try container.decode(JSONValue.self, Self.degradedAfterKey)
    }

    /// The fields that are present, by key, for readers that take them so (`PipelineReader`).
    var fields: [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        for (key, value) in [
            (Self.configKey, config), (Self.scheduleKey, schedule), (Self.activateKey, activate), (Self.mapKey, map),
            (Self.degradedAfterKey, degradedAfter),
        ] {
            if let value { fields[key.name] = value }
        }
        return fields
    }
}
