/// The pipeline's `schedule` of one provider.
///
/// ```json
/// "schedule": {"every": "1s",
///              "backoff": {"initial": "1s", "max": "30s", "multiplier": 2, "jitter": 0.2},
///              "fastAfterChange": {"every": "250ms", "for": "3s"},
///              "slowWhenIdle": {"after": "20s", "every": "2s"},
///              "budget": {"perMinute": 60}}
/// ```
///
/// Adaptive by default: a schedule that does not say `"adaptive": false` gets, for each of these it
/// leaves out, `fastAfterChange` (every/4, at least 100 ms, for 3 s) and a budget of what polling
/// at `every` spends (60 s / every per minute). Transitions cluster (QUEUED → PENDING → RUNNING), so
/// the requests a minute has left (a watch that just started, a provider that waited for a fact)
/// are spent right after something changed; no minute ever holds more requests than the fixed
/// interval would send, and the regular polls never wait for the budget. `slowWhenIdle` (off unless
/// set) polls slower while nothing moves, which also saves requests for the next burst.
package struct ScheduleConfiguration: Sendable, Hashable {
    /// The regular interval between polls.
    package var every: Duration
    package var backoff: Backoff
    /// Poll at `every` instead for `duration` after any stage change: transitions cluster
    /// (QUEUED → PENDING → RUNNING), so the next one is likely soon.
    package var fastAfterChange: FastWindow?
    /// At most this many requests in any 60 s.
    package var requestsPerMinute: Int?
    /// Poll at `every` instead once nothing has changed for `after`.
    package var slowWhenIdle: SlowWindow?

    /// Exponential backoff after consecutive failures: `initial × multiplier^(n-1)`, capped at `max`,
    /// less up to `jitter` (a fraction) at random so that clients do not retry in lockstep.
    package struct Backoff: Sendable, Hashable {
        package var initial: Duration?
        package var max: Duration
        package var multiplier: Double
        package var jitter: Double

        package init(
            initial: Duration? = nil, max: Duration = .seconds(30), multiplier: Double = 2, jitter: Double = 0.2
        ) {
            self.initial = initial
            self.max = max
            self.multiplier = multiplier
            self.jitter = jitter
        }
    }

    /// A faster interval for a while after a stage change.
    package struct FastWindow: Sendable, Hashable {
        package var every: Duration
        package var duration: Duration

        package init(every: Duration, for duration: Duration) {
            self.every = every
            self.duration = duration
        }
    }

    /// A slower interval while nothing moves.
    package struct SlowWindow: Sendable, Hashable {
        package var after: Duration
        package var every: Duration

        package init(after: Duration, every: Duration) {
            self.after = after
            self.every = every
        }
    }

    package init(
        every: Duration, backoff: Backoff = Backoff(), fastAfterChange: FastWindow? = nil,
        requestsPerMinute: Int? = nil,
        slowWhenIdle: SlowWindow? = nil
    ) {
        self.every = every
        self.backoff = backoff
        self.fastAfterChange = fastAfterChange
        self.requestsPerMinute = requestsPerMinute
        self.slowWhenIdle = slowWhenIdle
    }

    /// The request budget a provider keeps to: `requestsPerMinute`, else what polling at `every`
    /// spends (60 s / `every`). Handed to polls as `PollContext.requestsPerMinute`.
    package var budgetPerMinute: Int {
        requestsPerMinute ?? max(1, Int((60 / every.seconds).rounded(.down)))
    }

    /// `every` with the adaptive defaults filled in where nothing is set (see the type's notes).
    package func adaptive() -> ScheduleConfiguration {
        var schedule = self
        if schedule.fastAfterChange == nil {
            let fast = max(every / 4, .milliseconds(100))
            if fast < every { schedule.fastAfterChange = FastWindow(every: fast, for: .seconds(3)) }
        }
        if schedule.requestsPerMinute == nil {
            schedule.requestsPerMinute = max(1, Int((60 / every.seconds).rounded(.down)))
        }
        return schedule
    }
}
