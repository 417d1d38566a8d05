/// An error a provider throws from `poll`: the watch reports it and goes on (the provider may
/// become degraded), it never ends the watch.
///
/// `message` is shown to users: it must say what failed and never contain a secret. `code` is for
/// programs: the engine, a provider deciding whether to retry, a recording.
///
/// ```swift
/// throw ProviderError(code: .http(status), message: "the status page answered \(status)", retryAfter: hint)
/// ```
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is, such as `.http(429)`, `.timeout`, `.malformedResponse`: match
    /// on it rather than on `message`.
    public var code: Code
    public var message: String
    /// The backend asked us to wait at least this long before the next request.
    public var retryAfter: Duration?
    /// The provider knows when to poll next (a recording's next entry): the schedule polls then
    /// instead of backing off.
    public var nextPollAfter: Duration?

    public init(code: Code, message: String, retryAfter: Duration? = nil, nextPollAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.nextPollAfter = nextPollAfter
    }

    public var description: String { message }
}
