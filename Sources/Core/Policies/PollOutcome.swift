/// How a poll ended, as far as scheduling cares.
package enum PollOutcome: Sendable, Hashable {
    /// The poll answered. `retryAfter` is a backend's request to wait; `nextChangeAfter` the
    /// provider's knowledge of when something next happens.
    case answered(retryAfter: Duration? = nil, nextChangeAfter: Duration? = nil)
    /// The poll failed; `retryAfter` when the backend said how long to wait, `nextPollAfter` when the
    /// provider knows when to poll next (it replaces the backoff).
    case failed(retryAfter: Duration? = nil, nextPollAfter: Duration? = nil)
}
