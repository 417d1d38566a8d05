#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Watches many launches of one pipeline in one loop (`launchwatch run --targets`), at a cost that
/// does not grow with their number where the provider kinds allow it.
///
/// - Every target has its own `Watch` (stages, facts, outcome) and its own instance of each provider,
///   made from its configuration; the provider ids and schedules are the first target's.
/// - Each provider has one schedule for the whole sweep. When it is due, the instances of every
///   target that is still watching, has activated it and knows its facts are polled together: with one
///   `BatchPolling.poll(batch:)` when the kind batches (one request per tick, whatever the count),
///   else each instance once, concurrently.
/// - The schedule sees the batch as one poll: answered when any target's answer came, failed (with
///   the longest `retryAfter`) when every one failed; its fast window follows the latest stage any
///   target reached. The `PollPlanner` decides, with the same rules as for one launch: a stage change
///   brings the other providers' polls forward, a provider that cannot be created backs off, each
///   instance's poll carries its own `attempt` (a batch, its own count), and `nextPollAfter` is honoured.
/// - `run()` returns each target's result when every target has ended (outcome, deadline), or all
///   of them `interrupted` so far when its task is cancelled. `events` finishes after the last.
public struct SweepWatcher<C: Clock>: Sendable where C.Duration == Duration {
    public let targets: [SweepTarget]
    public let events: AsyncStream<SweepEvent>
    private let continuation: AsyncStream<SweepEvent>.Continuation
    private let clock: C
    private let startedAt: Date
    private let environment: [String: String]
    private let randomSeed: UInt64

    public init(
        targets: [SweepTarget], clock: C, startedAt: Date = Date(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        randomSeed: UInt64 = UInt64.random(in: 0...UInt64.max)
    ) {
        self.targets = targets
        self.clock = clock
        self.startedAt = startedAt
        self.environment = environment
        self.randomSeed = randomSeed
        (events, continuation) = AsyncStream.makeStream(of: SweepEvent.self, bufferingPolicy: .unbounded)
    }

    /// Runs every target's watch to its end; the results are in `targets`' order.
    public func run() async -> [WatchResult] {
        let driver = WatchDriver(
            pipelines: targets.map(\.pipeline), clock: clock, startedAt: startedAt, environment: environment,
            randomSeed: randomSeed, batches: true)
        let continuation = self.continuation
        let names = targets.map(\.name)
        let results = await driver.run { target, event in
            continuation.yield(SweepEvent(target: names[target], event: event))
        }
        continuation.finish()
        return results
    }
}
