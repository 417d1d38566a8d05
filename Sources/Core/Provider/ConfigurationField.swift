/// One configuration field of a provider kind, as `launchwatch providers KIND` shows it.
public struct ConfigurationField: Sendable, Hashable {
    /// The JSON type of a field, also used for the JSON Schema.
    public enum FieldType: String, Sendable, Hashable {
        case string, integer, number, boolean, duration, object, array
        /// An object whose values are all strings (labels, env).
        case stringMap = "map of strings"
    }

    public var name: String
    public var type: FieldType
    public var required: Bool
    /// The default, as the user would write it, when the field is optional.
    public var defaultValue: String?
    public var summary: String

    public init(
        _ name: String, _ type: FieldType, required: Bool = false, default defaultValue: String? = nil,
        _ summary: String
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.summary = summary
    }
}
