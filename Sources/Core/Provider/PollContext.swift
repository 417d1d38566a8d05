#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a provider learns at each poll.
public struct PollContext: Sendable {
    /// The current time of the watch's clock, as a date.
    public var now: Date
    /// When the watch started.
    public var startedAt: Date
    /// How many polls this provider instance has made before this one (in a sweep's batch poll, how many
    /// polls the batch has made).
    public var attempt: Int
    /// Every fact the watch knows at this poll (not only those the configuration uses), for providers
    /// that hand them on, as the `command` kind does in `LAUNCHWATCH_FACT_<NAME>`: in a sweep, its
    /// target's facts; empty in a batch poll, whose targets each know their own.
    public var facts: [String: String]
    /// The provider's request budget (`schedule.budget.perMinute`, by default what polling at `every`
    /// spends); `nil` when the caller sets none (a provider then assumes 60). The schedule counts a poll
    /// as one request: a poll that sends several (pages, batches) keeps within the budget by asking for
    /// a later next poll (`retryAfter`).
    public var requestsPerMinute: Int?

    public init(
        now: Date, startedAt: Date, attempt: Int, facts: [String: String] = [:], requestsPerMinute: Int? = nil
    ) {
        self.now = now
        self.startedAt = startedAt
        self.attempt = attempt
        self.facts = facts
        self.requestsPerMinute = requestsPerMinute
    }
}
