import Foundation

// The parts of a run loop that `Watcher` (one launch) and `SweepWatcher` (many) share: the loop's
// messages, the mapping between the clock's instants and event dates, the timers that wake it, and
// making a provider instance from its configuration.

/// What wakes a run loop: a poll's answer (`Answer` is one result, or one per target), a timer, or
/// the cancellation of the run.
enum RunLoopMessage<C: Clock, Answer: Sendable>: Sendable {
    case polled(provider: String, answer: Answer, at: C.Instant)
    case timer(C.Instant)
    case stopped
}

/// A run's time: instants of its clock and the dates events carry. Dates are the run's start date
/// (see `wallClockDate`) plus the clock's elapsed time.
struct RunTime<C: Clock>: Sendable where C.Duration == Duration {
    let origin: C.Instant
    let originDate: Date

    init(clock: C, startedAt: Date) {
        origin = clock.now
        originDate = wallClockDate(of: C.self, at: startedAt)
    }

    func date(_ instant: C.Instant) -> Date {
        originDate.addingTimeInterval(origin.duration(to: instant).seconds)
    }

    func instant(_ date: Date) -> C.Instant {
        // One microsecond late, so that the date of the instant is never a hair before `date` after
        // the round trip through `Double`: waking early would wake again at once.
        origin.advanced(by: .seconds(double: date.timeIntervalSince(originDate)) + .microseconds(1))
    }
}

/// The timers a run loop has asleep in its task group: a new one is started only when it would
/// wake the loop earlier than every pending one (or none is pending within a second of it).
struct RunTimers<C: Clock>: Sendable where C.Duration == Duration {
    private var pending: [C.Instant] = []

    /// Starts the task that keeps the loop's `group.next()` from returning nil before the run ends,
    /// and wakes it when the run is cancelled (a manual clock's sleep would otherwise never return).
    static func watchCancellation<Answer>(in group: inout TaskGroup<RunLoopMessage<C, Answer>>) {
        group.addTask {
            await CancellationSignal().wait()
            return .stopped
        }
    }

    /// Makes sure the loop wakes by `earliest`.
    mutating func wake<Answer>(at earliest: C.Instant?, clock: C, in group: inout TaskGroup<RunLoopMessage<C, Answer>>)
    {
        guard let earliest, earliest < (pending.min() ?? earliest.advanced(by: .seconds(1))) else { return }
        pending.append(earliest)
        group.addTask {
            try? await clock.sleep(until: earliest, tolerance: nil)
            return .timer(earliest)
        }
    }

    mutating func fired(_ instant: C.Instant) {
        pending.removeAll { $0 == instant }
    }
}

extension ProviderSpec {
    /// A provider instance made from `configuration` (this spec's, facts substituted), or the
    /// `configuration` error that names every field at fault, with its path in the pipeline file.
    func makeProvider(
        configuration: JSONValue, baseDirectory: URL, environment: [String: String], startedAt: Date
    ) -> Result<any Provider, ProviderError> {
        let context = ProviderContext(
            id: id, baseDirectory: baseDirectory, environment: environment, startedAt: startedAt)
        do {
            return .success(
                try registration.make(configuration: configuration, at: configurationPath, context: context))
        } catch {
            let message = error.failures.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            return .failure(ProviderError(code: "configuration", message: message))
        }
    }
}

/// Suspends until the waiting task is cancelled.
struct CancellationSignal: Sendable {
    func wait() async {
        let stream = AsyncStream<Never> { _ in }
        for await _ in stream {}
    }
}

/// The date of a clock's "now" when a run starts. A real clock's is the wall-clock time then: the
/// watch starts some milliseconds after `startedAt` (the pipeline was loaded, the providers made),
/// and events dated from `startedAt` would be early by that much. Any other clock (a test's manual
/// clock) starts at `startedAt`, so that its dates are `startedAt` plus its own elapsed time.
func wallClockDate<C: Clock>(of clock: C.Type, at startedAt: Date) -> Date {
    C.self == ContinuousClock.self || C.self == SuspendingClock.self ? Date() : startedAt
}
