#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Runs one watch: polls every active provider on its own schedule, folds what they see into a
/// `Watch`, and delivers `WatchEvent`s through `events` until the watch ends.
///
/// A sweep of one: the same loop as `SweepWatcher` runs it, with a `PollPlanner` deciding when each
/// provider polls (see the planner's rules), except that a kind that batches polls its one instance
/// itself.
///
/// - `run()` returns when the watch ends: on an outcome, at the deadline, or when its task is
///   cancelled (the result is then `interrupted`). `events` finishes right after the `.finished`
///   event, so a consumer loop ends by itself; no event is dropped (the stream is unbounded).
/// - Providers poll concurrently, one child task per poll; a provider never polls concurrently with
///   itself. A provider whose configuration uses a fact not yet known is not polled; it is created
///   (again) when the facts it uses change.
/// - All time comes from `clock`: tests pass a manual clock and never sleep. Dates in events are
///   `startedAt` plus the clock's elapsed time.
/// - Call `run()` once.
///
/// ```swift
/// let watcher = Watcher(pipeline: pipeline, clock: ContinuousClock())
/// async let result = watcher.run()
/// for await event in watcher.events { print(event) }
/// print(await result.outcome)
/// ```
public struct Watcher<C: Clock>: Sendable where C.Duration == Duration {
    public let pipeline: Pipeline
    public let events: AsyncStream<WatchEvent>
    private let continuation: AsyncStream<WatchEvent>.Continuation
    private let clock: C
    private let startedAt: Date
    private let environment: [String: String]
    private let randomSeed: UInt64

    /// - Parameters:
    ///   - startedAt: the wall-clock time of the start (`${launch.startedAt}` should be the same).
    ///   - randomSeed: seeds the backoff jitter; fixed in tests for repeatable delays.
    public init(
        pipeline: Pipeline, clock: C, startedAt: Date = Date(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        randomSeed: UInt64 = UInt64.random(in: 0...UInt64.max)
    ) {
        self.pipeline = pipeline
        self.clock = clock
        self.startedAt = startedAt
        self.environment = environment
        self.randomSeed = randomSeed
        (events, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .unbounded)
    }

    /// Runs the watch to its end and returns how it ended.
    public func run() async -> WatchResult {
        let driver = WatchDriver(
            pipelines: [pipeline], clock: clock, startedAt: startedAt, environment: environment,
            randomSeed: randomSeed, batches: false)
        let continuation = self.continuation
        let results = await driver.run { _, event in continuation.yield(event) }
        continuation.finish()
        return results.first
            ?? WatchResult(outcome: .interrupted, stage: nil, detail: nil, at: startedAt, timeline: [])
    }
}
