/// One problem found in a pipeline file: where (`providers[1].config.region`), what, and how to fix
/// it.
public struct PipelineIssue: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// A short stable code: `unknown_key`, `unknown_type`, `duplicate_id`, `bad_duration`...
    public var code: String
    public var path: JSONPath
    public var message: String
    public var severity: Severity

    public init(_ code: String, at path: JSONPath, _ message: String, severity: Severity = .error) {
        self.code = code
        self.path = path
        self.message = message
        self.severity = severity
    }

    /// `providers[1].type: unknown provider type "vertex-rst"; did you mean "vertex-rest"?`
    public var description: String { "\(path): \(message)" }
}
