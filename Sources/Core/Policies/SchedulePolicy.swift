#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
// pow: the C library's, which Foundation re-exports and FoundationEssentials does not.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Decides when a provider polls next.
///
/// The engine asks after every poll; the policy answers with a delay. It is a pure value (no clock),
/// so every rule is tested by calling it with times.
///
/// ```swift
/// struct EveryFiveSeconds: SchedulePolicy {
///     mutating func delay(after outcome: PollOutcome, at now: Date, lastStageChange: Date?) -> Duration {
///         .seconds(5)
///     }
/// }
/// ```
package protocol SchedulePolicy: Sendable {
    /// The delay before the next poll, given how the poll that ended at `now` went and when the
    /// watch last reached a stage.
    mutating func delay(after outcome: PollOutcome, at now: Date, lastStageChange: Date?) -> Duration
}

/// How a poll ended, as far as scheduling cares.
package enum PollOutcome: Sendable, Hashable {
    /// The poll answered. `retryAfter` is a backend's request to wait; `nextChangeAfter` the
    /// provider's knowledge of when something next happens.
    case answered(retryAfter: Duration? = nil, nextChangeAfter: Duration? = nil)
    /// The poll failed; `retryAfter` when the backend said how long to wait, `nextPollAfter` when the
    /// provider knows when to poll next (it replaces the backoff).
    case failed(retryAfter: Duration? = nil, nextPollAfter: Duration? = nil)
}

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

/// The built-in schedule: regular interval, faster after a stage change, exponential backoff with
/// jitter on errors, backend retry hints honoured, and a request budget per minute.
///
/// Precedence: a backend's `retryAfter` is a floor (never poll sooner), the budget is a floor, the
/// provider's `nextChangeAfter` replaces the regular interval. A poll of the fast window is spent
/// only when polling at `every` afterwards would still fit the budget in every minute to come, so
/// bursts never make the budget stall the polls that follow.
package struct StandardSchedule: SchedulePolicy {
    package var configuration: ScheduleConfiguration
    private var consecutiveFailures = 0
    private var recentPolls: [Date] = []
    private var random: SplitMix64

    package init(_ configuration: ScheduleConfiguration, seed: UInt64 = 0x5EED) {
        self.configuration = configuration
        self.random = SplitMix64(seed: seed)
    }

    package mutating func delay(after outcome: PollOutcome, at now: Date, lastStageChange: Date?) -> Duration {
        recordPoll(at: now)
        var delay: Duration
        switch outcome {
        case .answered(let retryAfter, let nextChangeAfter):
            consecutiveFailures = 0
            delay = nextChangeAfter ?? regularInterval(at: now, lastStageChange: lastStageChange)
            if let retryAfter { delay = max(delay, retryAfter) }
        case .failed(let retryAfter, let nextPollAfter):
            consecutiveFailures += 1
            delay = nextPollAfter ?? backoffDelay()
            if let retryAfter { delay = max(delay, retryAfter) }
        }
        return max(delay, budgetDelay(at: now))
    }

    /// The interval when all is well: fast for a window after a change (while the budget has room),
    /// slower once nothing has changed for a while.
    func regularInterval(at now: Date, lastStageChange: Date?) -> Duration {
        if let fast = fastInterval(at: now, lastChange: lastStageChange) { return fast }
        if let idle = configuration.slowWhenIdle, let lastStageChange,
            now.timeIntervalSince(lastStageChange) >= idle.after.seconds
        {
            return max(idle.every, configuration.every)
        }
        return configuration.every
    }

    /// The fast window's interval, if `now` is in it and the budget leaves room for a burst.
    func fastInterval(at now: Date, lastChange: Date?) -> Duration? {
        guard let window = configuration.fastAfterChange, let lastChange,
            now.timeIntervalSince(lastChange) < window.duration.seconds, window.every < configuration.every
        else { return nil }
        guard hasRoomForAnExtraPoll(at: now) else { return nil }
        return window.every
    }

    /// Whether one poll sooner than `every` now still leaves room, in every 60 s window to come, for
    /// polling at `every` from then on: an extra poll is spent only from what slower polling saved,
    /// so it never makes the budget stall the regular polls that follow.
    func hasRoomForAnExtraPoll(at now: Date) -> Bool {
        guard let limit = configuration.requestsPerMinute else { return true }
        let recent = recentPolls.map { now.timeIntervalSince($0) }.filter { $0 < 60 }.sorted(by: >)
        let rate = 1 / configuration.every.seconds
        // Just before the i-th oldest recent poll leaves the window (x seconds from now), the window
        // holds it and the younger ones, this extra poll, and the regular polls of those x seconds.
        for (index, age) in recent.enumerated() {
            let x = 60 - age
            let regular = (x * rate - 1e-9).rounded(.down)
            if Double(recent.count - index) + 1 + regular > Double(limit) { return false }
        }
        return 1 + (60 * rate - 1e-9).rounded(.down) <= Double(limit)
    }

    /// After a change seen elsewhere (another provider reached a stage): how soon this provider may
    /// poll, if its fast window and budget allow polling sooner than already planned; `nil` when not.
    package func expeditedDelay(at now: Date, lastChange: Date?) -> Duration? {
        guard let fast = fastInterval(at: now, lastChange: lastChange) else { return nil }
        return max(fast, budgetDelay(at: now))
    }

    private mutating func backoffDelay() -> Duration {
        let backoff = configuration.backoff
        let initial = (backoff.initial ?? configuration.every).seconds
        let exponent = Double(min(consecutiveFailures - 1, 64))
        let uncapped = initial * pow(Swift.max(backoff.multiplier, 1), exponent)
        let capped = Swift.min(uncapped, backoff.max.seconds)
        let jitter = Swift.min(Swift.max(backoff.jitter, 0), 1)
        let factor = 1 - jitter * random.nextUnit()
        return .seconds(double: capped * factor)
    }

    private mutating func recordPoll(at now: Date) {
        guard configuration.requestsPerMinute != nil else { return }
        recentPolls.append(now)
        recentPolls.removeAll { now.timeIntervalSince($0) >= 60 }
    }

    /// How long until the budget allows another request.
    private func budgetDelay(at now: Date) -> Duration {
        guard let limit = configuration.requestsPerMinute, limit > 0, recentPolls.count >= limit else { return .zero }
        let oldestCounted = recentPolls[recentPolls.count - limit]
        return .seconds(double: 60 - now.timeIntervalSince(oldestCounted))
    }
}

/// A small, seedable random number generator: jitter is random in production and repeatable in
/// tests.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in [0, 1).
    mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
