#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A run's time: instants of its clock and the dates events carry. Dates are the run's start date
/// (see `originDate(of:at:)`) plus the clock's elapsed time.
///
/// Pure arithmetic, no clock: the `PollPlanner` maps its instants to the dates its schedules see
/// with it, and the driver maps the `Watch`'s dates back to instants to wake up.
package struct RunTime<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    package let origin: Instant
    package let originDate: Date

    package init(origin: Instant, originDate: Date) {
        self.origin = origin
        self.originDate = originDate
    }

    /// The time of a run that starts now on `clock`.
    init<C: Clock>(clock: C, startedAt: Date) where C.Instant == Instant {
        self.init(origin: clock.now, originDate: Self.originDate(of: C.self, at: startedAt))
    }

    func date(_ instant: Instant) -> Date {
        originDate.addingTimeInterval(origin.duration(to: instant).seconds)
    }

    func instant(_ date: Date) -> Instant {
        // One microsecond late, so that the date of the instant is never a hair before `date` after
        // the round trip through `Double`: waking early would wake again at once.
        origin.advanced(by: .seconds(double: date.timeIntervalSince(originDate)) + .microseconds(1))
    }

    /// The date of a clock's "now" when a run starts. A real clock's is the wall-clock time then: the
    /// watch starts some milliseconds after `startedAt` (the pipeline was loaded, the providers made),
    /// and events dated from `startedAt` would be early by that much. Any other clock (a test's manual
    /// clock) starts at `startedAt`, so that its dates are `startedAt` plus its own elapsed time.
    static func originDate<C: Clock>(of clock: C.Type, at startedAt: Date) -> Date {
        C.self == ContinuousClock.self || C.self == SuspendingClock.self ? Date() : startedAt
    }
}
