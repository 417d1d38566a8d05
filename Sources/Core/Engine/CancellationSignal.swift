/// Suspends until the waiting task is cancelled: the driver keeps one such child task in its group,
/// so that `group.next()` never returns nil before the run ends and wakes when the run is cancelled
/// (a manual clock's sleep would otherwise never return).
struct CancellationSignal: Sendable {
    func wait() async {
        let stream = AsyncStream<Never> { _ in }
        for await _ in stream {}
    }
}
