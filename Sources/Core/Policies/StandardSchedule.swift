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
