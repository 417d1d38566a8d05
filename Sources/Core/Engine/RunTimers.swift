/// The timers the driver has asleep in its task group: a new one is started only when it would wake
/// the loop earlier than every pending one (or none is pending within a second of it).
struct RunTimers<C: Clock>: Sendable where C.Duration == Duration {
    private var pending: [C.Instant] = []

    /// Makes sure the loop wakes by `earliest`: `message` is what the timer's task answers.
    mutating func wake<Message: Sendable>(
        at earliest: C.Instant?, clock: C, in group: inout TaskGroup<Message>,
        message: @escaping @Sendable (C.Instant) -> Message
    ) {
        guard let earliest, earliest < (pending.min() ?? earliest.advanced(by: .seconds(1))) else { return }
        pending.append(earliest)
        group.addTask {
            try? await clock.sleep(until: earliest, tolerance: nil)
            return message(earliest)
        }
    }

    mutating func fired(_ instant: C.Instant) {
        pending.removeAll { $0 == instant }
    }
}
