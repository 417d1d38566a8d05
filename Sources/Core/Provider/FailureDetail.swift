/// Why a launch failed, as the backend tells it: the message a user needs to fix the launch.
public struct FailureDetail: Sendable, Hashable, Codable {
    /// The backend's error code (`"8"` for a Vertex RESOURCE_EXHAUSTED, `"ImagePullFailed"`...).
    public var code: String?
    public var message: String
    /// The provider id that found the detail; the engine fills it in.
    public var source: String?
    /// True when the message only says that something failed and points elsewhere for why (Vertex
    /// AI's "The replica exited with a non-zero status of 1 ... check the logs"): the watch then
    /// waits for a detail provider as if there were no detail, and uses this one if none comes.
    public var inconclusive: Bool?

    public init(code: String? = nil, message: String, source: String? = nil, inconclusive: Bool? = nil) {
        self.code = code
        self.message = message
        self.source = source
        self.inconclusive = inconclusive
    }

    /// Whether the detail says why (see `inconclusive`).
    public var isConclusive: Bool { inconclusive != true }
}
