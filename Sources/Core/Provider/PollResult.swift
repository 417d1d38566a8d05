/// What a provider's poll returns: what it saw, and hints for when to ask again.
public struct PollResult: Sendable {
    public var observations: [Observation]
    /// The backend asked us to wait at least this long (`Retry-After`, `RateLimit-Reset`).
    public var retryAfter: Duration?
    /// The provider knows when something can next change (a recording's next entry); the schedule
    /// polls then instead of at its regular interval.
    public var nextChangeAfter: Duration?

    /// Things the user should know that are not observations, such as an ambiguous match ("3 jobs
    /// match; naming them"). The watch reports each distinct notice once.
    public var notices: [String]

    public init(
        _ observations: [Observation] = [], retryAfter: Duration? = nil, nextChangeAfter: Duration? = nil,
        notices: [String] = []
    ) {
        self.observations = observations
        self.retryAfter = retryAfter
        self.nextChangeAfter = nextChangeAfter
        self.notices = notices
    }
}
