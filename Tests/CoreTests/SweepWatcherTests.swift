import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

private typealias F = WatchFixtures

/// The async `SweepWatcher`, driven by a `ManualClock` and scripted providers, on the rules where the
/// sweep's old loop differed from `Watcher`'s. Both now run one driver with one `PollPlanner`, so a
/// sweep schedules as a single watch does; each test here failed on the sweep's own loop of before.
///
/// As with `Watcher`, an idle sweep has exactly two timers sleeping on the clock (the deadline and the
/// next poll), so `settle()` waits for two sleepers.
@Suite("SweepWatcher", .timeLimit(.minutes(1)))
struct SweepWatcherTests {
    private struct Harness {
        let clock = ManualClock()
        let run: Task<[WatchResult], Never>
        var events: AsyncStream<SweepEvent>.Iterator

        /// A sweep of one pipeline per target, in order, named `t0`, `t1`, ...
        init(_ pipelines: [Pipeline]) {
            let targets = pipelines.enumerated().map { SweepTarget(name: "t\($0.offset)", pipeline: $0.element) }
            let watcher = SweepWatcher(
                targets: targets, clock: clock, startedAt: F.startedAt, environment: [:], randomSeed: 1)
            events = watcher.events.makeAsyncIterator()
            run = Task { await watcher.run() }
        }

        /// Waits for the next event for which `predicate` holds.
        mutating func next(where predicate: (SweepEvent) -> Bool) async -> SweepEvent? {
            while let event = await events.next() {
                if predicate(event) { return event }
            }
            return nil
        }

        /// Advances the clock a second at a time, waiting after each step until the sweep is idle
        /// (`sleepers` timers armed).
        func advance(seconds: Int, sleepers: Int = 2) async {
            await clock.waitForSleepers(sleepers)
            for _ in 0..<seconds {
                clock.advance(by: .seconds(1))
                await clock.waitForSleepers(sleepers)
            }
        }

        /// Interrupts the sweep and returns the events not read yet.
        mutating func stop() async -> [SweepEvent] {
            run.cancel()
            var rest: [SweepEvent] = []
            while let event = await events.next() { rest.append(event) }
            _ = await run.value
            return rest
        }
    }

    private static func every(_ seconds: Int) -> ScheduleConfiguration {
        ScheduleConfiguration(
            every: .seconds(seconds), backoff: .init(initial: .seconds(1), max: .seconds(4), multiplier: 2, jitter: 0))
    }

    /// Before, only `Watcher` brought polls forward after a stage change: the sweep's `job` kept its
    /// 10 s interval, polling in the start's fast window (before 4 s) and next at 13 s.
    ///
    /// Two providers poll at the same instants here, so "idle" is not a count of sleepers: each step
    /// waits for `queue`'s answer of that second instead, and `job`'s answers may be taken a step late,
    /// which shifts its later polls. Hence a window, not exact offsets, for `job`.
    @Test func stageChangeBringsTheOtherProvidersPollsForward() async throws {
        let queue = ProviderScript(Array(repeating: .observe("TICK"), count: 5) + [.observe("CLAIMED")])
        let job = ProviderScript([.observe("TICK")])
        var fastAfterChange = Self.every(10)
        fastAfterChange.fastAfterChange = .init(every: .seconds(1), for: .seconds(3))
        fastAfterChange.requestsPerMinute = 60
        var harness = Harness([
            F.pipeline([
                try F.provider("queue", script: queue, schedule: Self.every(1)),
                try F.provider("job", script: job, schedule: fastAfterChange),
            ])
        ])
        for second in 0...8 {
            if second > 0 { harness.clock.advance(by: .seconds(1)) }
            let answer = await harness.next {
                $0.event.observation?.provider == "queue" && $0.event.observation?.observedAt == F.at(Double(second))
            }
            #expect(answer != nil)
        }
        _ = await harness.stop()
        // picked_up is reached at 5 s: job polls a second later (two at the latest), in its fast window.
        #expect(queue.pollOffsets.prefix(9) == [0, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(job.pollOffsets.contains { $0 >= 5 && $0 < 8 }, "polls: \(job.pollOffsets)")
    }

    /// Before, only `Watcher` backed off when a provider could not be created: the sweep tried again
    /// every `every`, at 0, 1, 2, ... 8 s.
    @Test func providerThatCannotBeCreatedBacksOff() async throws {
        // No script: creating the provider fails for both targets, every time.
        let pipeline = F.pipeline([try F.provider("broken", schedule: Self.every(1))])
        var harness = Harness([pipeline, pipeline])
        // Only the retry's timer is armed when idle: it comes before the deadline's.
        await harness.advance(seconds: 8, sleepers: 1)
        let failures = await harness.stop().compactMap { item -> Double? in
            guard item.target == "t0", case .pollFailed(_, let error, let at) = item.event else { return nil }
            #expect(error.message.contains("no script"))
            return at.timeIntervalSince(F.startedAt)
        }
        // Backoff 1 s, 2 s, 4 s (the cap).
        #expect(failures == [0, 1, 3, 7])
    }

    /// Before, the sweep passed `attempt: 0` to every poll: each instance now counts its own polls.
    @Test func eachInstancePollsWithItsOwnAttemptCountAndFacts() async throws {
        let first = ProviderScript([.observe("TICK", facts: ["run_id": "a"])])
        let second = ProviderScript([.observe("TICK", facts: ["run_id": "b"])])
        var harness = Harness([
            F.pipeline([try F.provider("job", script: first, schedule: Self.every(1))]),
            F.pipeline([try F.provider("job", script: second, schedule: Self.every(1))]),
        ])
        await harness.advance(seconds: 2)
        #expect(first.polls.map(\.attempt) == [0, 1, 2])
        #expect(second.polls.map(\.attempt) == [0, 1, 2])
        #expect(first.polls.last?.facts == ["run_id": "a"], "each target's poll knows that target's facts")
        #expect(second.polls.last?.facts == ["run_id": "b"])
        _ = await harness.stop()
    }

    /// Before, the sweep dropped a failure's `nextPollAfter` and backed off: polls at 0, 1, 3 and 7 s.
    @Test func failureNextPollAfterReplacesTheBackoff() async throws {
        let recording = ProviderError(
            code: "recording_gap", message: "nothing recorded yet", nextPollAfter: .seconds(5))
        let script = ProviderScript([.fail(recording)])
        var harness = Harness([F.pipeline([try F.provider("replay", script: script, schedule: Self.every(1))])])
        await harness.advance(seconds: 9)
        #expect(script.pollOffsets == [0, 5])
        _ = await harness.stop()
    }
}
