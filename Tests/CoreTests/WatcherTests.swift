import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

private typealias F = WatchFixtures

/// The async `Watcher`, driven by a `ManualClock` and scripted providers. Nothing sleeps for real:
/// the tests advance the clock and await the events the watcher emits.
///
/// A watcher over always-active providers has, whenever it is idle, exactly two timers sleeping on
/// the clock — the deadline and the next poll — so `settle()` (waiting for two sleepers) tells that it
/// has done all it can at the current time. Advancing the clock wakes the next-poll timer, which drops
/// the count to one until the watcher has polled and armed the next timer.
@Suite("Watcher", .timeLimit(.minutes(1)))
struct WatcherTests {
    /// Reads a watcher's events in order and keeps them.
    private struct EventReader {
        private var iterator: AsyncStream<WatchEvent>.Iterator
        private(set) var seen: [WatchEvent] = []

        init(_ events: AsyncStream<WatchEvent>) { iterator = events.makeAsyncIterator() }

        /// The next event for which `predicate` holds; `nil` when the stream ends first.
        mutating func next(where predicate: (WatchEvent) -> Bool) async -> WatchEvent? {
            while let event = await iterator.next() {
                seen.append(event)
                if predicate(event) { return event }
            }
            return nil
        }

        /// The next observation `provider` reported.
        mutating func observation(from provider: String) async -> Observation? {
            await next { $0.observation?.provider == provider }?.observation
        }

        /// Reads to the end of the stream and returns what came.
        mutating func rest() async -> [WatchEvent] {
            var rest: [WatchEvent] = []
            while let event = await iterator.next() {
                seen.append(event)
                rest.append(event)
            }
            return rest
        }
    }

    private struct Harness {
        let clock = ManualClock()
        let watcher: Watcher<ManualClock>
        let run: Task<WatchResult, Never>
        var events: EventReader

        init(_ pipeline: Pipeline) {
            let watcher = Watcher(
                pipeline: pipeline, clock: clock, startedAt: F.startedAt, environment: [:], randomSeed: 1)
            self.watcher = watcher
            events = EventReader(watcher.events)
            run = Task { await watcher.run() }
        }

        /// Waits until the watcher is idle: the deadline timer and one next-poll timer are armed.
        func settle() async {
            await clock.waitForSleepers(2)
        }

        /// Advances the clock one step at a time, letting the watcher settle after each.
        func advance(by step: Duration, times: Int) async {
            for _ in 0..<times {
                clock.advance(by: step)
                await settle()
            }
        }

        /// Interrupts the watch and reads to the end of the events.
        mutating func stop() async -> WatchResult {
            run.cancel()
            _ = await events.rest()
            return await run.value
        }
    }

    private static func every(_ seconds: Int) -> ScheduleConfiguration {
        ScheduleConfiguration(
            every: .seconds(seconds), backoff: .init(initial: .seconds(1), max: .seconds(4), multiplier: 2, jitter: 0))
    }

    @Test func providersPollConcurrently() async throws {
        let slow = ProviderScript([.waitForRelease(PollResult([Observation(status: "TICK")])), .observe("TICK")])
        let quick = ProviderScript([.observe("TICK")])
        var harness = Harness(
            F.pipeline([
                try F.provider("a-slow", script: slow, schedule: Self.every(1)),
                try F.provider("b-quick", script: quick, schedule: Self.every(1)),
            ]))
        // The quick provider answers, and polls again a second later, while the slow one's first poll
        // is still out.
        #expect(await harness.events.observation(from: "b-quick") != nil)
        harness.clock.advance(by: .seconds(1))
        let second = try #require(await harness.events.observation(from: "b-quick"))
        #expect(second.observedAt == F.at(1))
        #expect(slow.polls.count == 1, "a provider never polls concurrently with itself")
        #expect(!harness.events.seen.contains { $0.observation?.provider == "a-slow" })
        slow.release()
        let late = try #require(await harness.events.observation(from: "a-slow"))
        #expect(late.observedAt == F.at(1))
        #expect(await harness.stop().outcome == .interrupted)
    }

    @Test func providerWaitsForTheFactItsConfigurationUses() async throws {
        let queue = ProviderScript([.observe("PENDING"), .observe("CLAIMED", facts: ["run_id": "run-42"])])
        let vertex = ProviderScript([.observe("SUBMITTED")])
        var harness = Harness(
            F.pipeline([
                try F.provider("queue", script: queue, schedule: Self.every(1)),
                try F.provider(
                    "vertex", script: vertex, filter: "labels.wandb-run-id=${fact.run_id}", schedule: Self.every(1)),
            ]))
        #expect(await harness.events.observation(from: "queue")?.status == "PENDING")
        await harness.settle()
        #expect(vertex.creations.isEmpty)
        #expect(vertex.polls.isEmpty)

        harness.clock.advance(by: .seconds(1))
        let fact = await harness.events.next {
            if case .fact(name: "run_id", value: "run-42", source: "queue", _) = $0 { true } else { false }
        }
        #expect(fact != nil)
        #expect(await harness.events.observation(from: "vertex")?.status == "SUBMITTED")
        #expect(vertex.creations.map(\.filter) == ["labels.wandb-run-id=run-42"])
        #expect(vertex.pollOffsets == [1])
        #expect(await harness.stop().timeline.map(\.stage.id) == ["queued", "picked_up", "submitted"])
    }

    @Test func providerIsCreatedAgainWhenItsFactChanges() async throws {
        let queue = ProviderScript([
            .observe("PENDING", facts: ["run_id": "first"]), .observe("PENDING", facts: ["run_id": "second"]),
        ])
        let vertex = ProviderScript([.observe("TICK")])
        var harness = Harness(
            F.pipeline([
                try F.provider("queue", script: queue, schedule: Self.every(1)),
                try F.provider("vertex", script: vertex, filter: "${fact.run_id}", schedule: Self.every(1)),
            ]))
        // 0 s: run_id is "first"; 1 s: both poll, then run_id becomes "second"; 2 s: vertex is made again.
        for second in 0...3 {
            let observation = await harness.events.observation(from: "vertex")
            #expect(observation?.observedAt == F.at(Double(second)))
            await harness.settle()
            harness.clock.advance(by: .seconds(1))
        }
        #expect(vertex.creations.map(\.filter) == ["first", "second"], "an unchanged configuration keeps its provider")
        _ = await harness.stop()
    }

    @Test func pollsFollowTheScheduleInterval() async throws {
        let script = ProviderScript([.observe("TICK")])
        var harness = Harness(F.pipeline([try F.provider("fast", script: script, schedule: Self.every(2))]))
        #expect(await harness.events.observation(from: "fast") != nil)
        await harness.settle()
        await harness.advance(by: .seconds(1), times: 7)
        #expect(script.pollOffsets == [0, 2, 4, 6])
        _ = await harness.stop()
    }

    @Test func adaptiveSchedulePollsFastAfterTheStartAndAfterAStatusChange() async throws {
        let job = ProviderScript(Array(repeating: .observe("TICK"), count: 5) + [.observe("PAUSED")])
        var harness = Harness(
            F.pipeline([
                // A budget above what every 4 s spends leaves room for the fast windows.
                try F.provider(
                    "job", script: job,
                    schedule: ScheduleConfiguration(every: .seconds(4), requestsPerMinute: 60).adaptive())
            ]))
        #expect(await harness.events.observation(from: "job") != nil)
        await harness.settle()
        await harness.advance(by: .seconds(1), times: 19)
        // Every 4 s, but every 1 s for 3 s after the start and after TICK became PAUSED at 11 s (a
        // status that reaches no stage is a change all the same).
        #expect(job.pollOffsets == [0, 1, 2, 3, 7, 11, 12, 13, 14, 18])
        _ = await harness.stop()
    }

    @Test func failedPollsBackOffExponentiallyUpToTheCap() async throws {
        let script = ProviderScript([.fail(ProviderError(code: "http_503", message: "unavailable"))])
        var harness = Harness(F.pipeline([try F.provider("fast", script: script, schedule: Self.every(1))]))
        #expect(await harness.events.next { if case .pollFailed = $0 { true } else { false } } != nil)
        await harness.settle()
        await harness.advance(by: .seconds(1), times: 16)
        // Backoff 1s, 2s, 4s, then capped at 4s.
        #expect(script.pollOffsets == [0, 1, 3, 7, 11, 15])
        #expect(!harness.events.seen.contains { $0.finishedResult != nil })
        #expect(await harness.stop().outcome == .interrupted, "a provider error never ends the watch")
    }

    @Test func retryAfterHintDelaysTheNextPoll() async throws {
        let throttled = ProviderError(code: "http_429", message: "slow down", retryAfter: .seconds(5))
        let script = ProviderScript([.fail(throttled), .observe("TICK")])
        var harness = Harness(F.pipeline([try F.provider("fast", script: script, schedule: Self.every(1))]))
        #expect(await harness.events.next { if case .pollFailed = $0 { true } else { false } } != nil)
        await harness.settle()
        await harness.advance(by: .seconds(1), times: 6)
        #expect(script.pollOffsets == [0, 5, 6])
        _ = await harness.stop()
    }

    @Test func providerDegradesAfterConsecutiveFailedPolls() async throws {
        let script = ProviderScript([.fail(ProviderError(code: "http_503", message: "unavailable"))])
        var harness = Harness(F.pipeline([try F.provider("fast", script: script, schedule: Self.every(1))]))
        #expect(await harness.events.next { if case .pollFailed = $0 { true } else { false } } != nil)
        await harness.settle()
        await harness.advance(by: .seconds(1), times: 3)
        let event = await harness.events.next { if case .provider = $0 { true } else { false } }
        guard case .provider(let change) = try #require(event) else { return }
        #expect(change.provider == "fast")
        #expect(change.health == .degraded)
        #expect(change.at == F.at(3), "the third failure in a row: polls at 0, 1 and 3")
        #expect(change.message.contains("unavailable"))
        _ = await harness.stop()
    }

    @Test func providerThatCannotBeCreatedIsRetriedAndReportedDegraded() async throws {
        // No script of that name: every attempt to create the provider fails. The retry must wake
        // the watcher on its own (before, nothing did until the deadline).
        var harness = Harness(F.pipeline([try F.provider("broken", schedule: Self.every(1))]))
        #expect(await harness.events.next { if case .pollFailed = $0 { true } else { false } } != nil)
        // Only the retry timer is armed (it comes before the deadline), so one sleeper means idle.
        // Backoff keeps each retry within 4 s: two steps of 5 s give the second and third attempts.
        for _ in 0..<2 {
            await harness.clock.waitForSleepers(1)
            harness.clock.advance(by: .seconds(5))
        }
        let event = await harness.events.next { if case .provider = $0 { true } else { false } }
        guard case .provider(let change) = try #require(event) else { return }
        #expect(change.provider == "broken")
        #expect(change.health == .degraded)
        #expect(change.message.contains("no script"))
        _ = await harness.stop()
    }

    @Test func deadlineEndsTheWatchWithTheLastStage() async throws {
        let script = ProviderScript([.observe("PENDING"), .observe("TICK")])
        var harness = Harness(
            F.pipeline([try F.provider("fast", script: script, schedule: Self.every(1))], deadline: .seconds(10)))
        #expect(await harness.events.observation(from: "fast") != nil)
        await harness.settle()
        await harness.advance(by: .seconds(1), times: 9)
        #expect(await harness.events.next { $0.observation?.observedAt == F.at(9) } != nil)
        #expect(!harness.events.seen.contains { $0.finishedResult != nil })
        harness.clock.advance(by: .seconds(1))
        let finished = try #require(await harness.events.next { $0.finishedResult != nil }?.finishedResult)
        #expect(finished.outcome == .deadline)
        #expect(finished.stage?.id == "queued")
        #expect(finished.at == F.at(10))
        #expect(await harness.events.rest().isEmpty, "the stream ends after .finished")
        #expect(await harness.run.value == finished)
    }

    @Test func deadlineEndsTheWatchWhenNoPollIsDue() async throws {
        let script = ProviderScript([.observe("PENDING")])
        var harness = Harness(
            F.pipeline(
                [try F.provider("slow", script: script, schedule: ScheduleConfiguration(every: .seconds(3600)))],
                deadline: .seconds(10)))
        #expect(await harness.events.observation(from: "slow") != nil)
        // Idle: only the deadline's timer sleeps, the next poll being after the deadline.
        await harness.clock.waitForSleepers(1)
        harness.clock.advance(by: .seconds(11))
        let finished = try #require(await harness.events.next { $0.finishedResult != nil }?.finishedResult)
        #expect(finished.outcome == .deadline)
        #expect(finished.stage?.id == "queued")
        #expect(finished.at >= F.at(10))
        #expect(script.polls.count == 1)
        #expect(await harness.run.value == finished)
    }

    @Test func outcomeEndsTheWatchAndThenTheEventStream() async throws {
        let script = ProviderScript([.observe("RUNNING"), .observe("SUCCEEDED")])
        var harness = Harness(F.pipeline([try F.provider("fast", script: script, schedule: Self.every(1))]))
        #expect(await harness.events.observation(from: "fast") != nil)
        await harness.settle()
        harness.clock.advance(by: .seconds(1))
        let finished = try #require(await harness.events.next { $0.finishedResult != nil }?.finishedResult)
        #expect(finished.outcome == .success)
        #expect(finished.stage?.id == "succeeded")
        #expect(await harness.events.rest().isEmpty)
        #expect(await harness.run.value == finished)
        #expect(harness.events.seen.filter { $0.finishedResult != nil }.count == 1)
    }

    @Test func cancellingTheRunEndsItInterruptedWithAFinishedEvent() async throws {
        let script = ProviderScript([.observe("CLAIMED"), .observe("TICK")])
        var harness = Harness(F.pipeline([try F.provider("fast", script: script, schedule: Self.every(1))]))
        #expect(await harness.events.observation(from: "fast") != nil)
        await harness.settle()
        harness.run.cancel()
        let rest = await harness.events.rest()
        let last = try #require(rest.last?.finishedResult)
        #expect(last.outcome == .interrupted)
        #expect(last.stage?.id == "picked_up")
        let result = await harness.run.value
        #expect(result == last)
    }

    @Test func cancellingTheRunInterruptsAPollInFlight() async throws {
        let script = ProviderScript([.waitForRelease(PollResult())])
        var harness = Harness(F.pipeline([try F.provider("fast", script: script, schedule: Self.every(1))]))
        await script.waitForPolls(1)
        harness.run.cancel()
        let rest = await harness.events.rest()
        #expect(rest.last?.finishedResult?.outcome == .interrupted)
        #expect(await harness.run.value.outcome == .interrupted)
    }

    @Test func detailProviderIsPolledAfterAFailureWithoutDetail() async throws {
        let fast = ProviderScript([.observe("RUNNING"), .observe("FAILED")])
        let detail = FailureDetail(code: "13", message: "replica exited with status 1")
        let logs = ProviderScript([.observe("LOG", detail: detail)])
        var harness = Harness(
            F.pipeline([
                try F.provider("fast", script: fast, schedule: Self.every(1)),
                try F.provider(
                    "logs", script: logs, activation: ActiveOnFailureWithoutDetail(), schedule: Self.every(1)),
            ]))
        #expect(await harness.events.observation(from: "fast") != nil)
        await harness.settle()
        #expect(logs.polls.isEmpty)
        harness.clock.advance(by: .seconds(1))
        let finished = try #require(await harness.events.next { $0.finishedResult != nil }?.finishedResult)
        #expect(finished.outcome == .failure)
        #expect(finished.detail?.message == detail.message)
        #expect(finished.detail?.source == "logs")
        #expect(logs.pollOffsets == [1])
    }
}
