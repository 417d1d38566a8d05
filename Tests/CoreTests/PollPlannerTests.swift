import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

private typealias F = WatchFixtures

/// `PollPlanner` is a pure state machine: every test calls it with instants it makes (a manual clock's
/// instants, with no clock), one rule per test.
@Suite("PollPlanner")
struct PollPlannerTests {
    private typealias Planner = PollPlanner<ManualClock.Instant>

    /// The instant `seconds` after the start.
    private static func t(_ seconds: Double) -> ManualClock.Instant {
        ManualClock.Instant(offset: .seconds(seconds))
    }

    /// Every `seconds`, backoff 1 s, 2 s, 4 s then 4 s, no jitter, no fast window, no budget.
    private static func every(_ seconds: Double) -> ScheduleConfiguration {
        ScheduleConfiguration(
            every: .seconds(seconds), backoff: .init(initial: .seconds(1), max: .seconds(4), multiplier: 2, jitter: 0))
    }

    /// Every `seconds`, every second for 3 s after a change, within `perMinute`.
    private static func adaptive(_ seconds: Double, perMinute: Int = 60) -> ScheduleConfiguration {
        var schedule = every(seconds)
        schedule.fastAfterChange = .init(every: .seconds(1), for: .seconds(3))
        schedule.requestsPerMinute = perMinute
        return schedule
    }

    private static func provider(
        _ id: String, _ schedule: ScheduleConfiguration, facts: Set<String> = []
    ) throws -> ProviderSpec {
        ProviderSpec(id: id, registration: try F.registration(), requiredFacts: facts, schedule: schedule)
    }

    /// A planner over `targets` launches of one pipeline with `providers`, started at `t(0)`.
    private static func planner(_ providers: [ProviderSpec], targets: Int = 1) -> Planner {
        let pipeline = F.pipeline(providers)
        return Planner(
            pipelines: Array(repeating: pipeline, count: targets), startedAt: F.startedAt,
            time: RunTime(origin: t(0), originDate: F.startedAt), seed: 1)
    }

    /// Activates `provider` for every target at `now`, starts its poll and ends it with `answers`.
    private static func poll(
        _ planner: inout Planner, _ provider: String, at now: Double, _ answers: [Planner.Answer]
    ) throws {
        let polls = planner.duePolls(at: t(now))
        let poll = try #require(polls.first { $0.provider == provider }, "\(provider) is due at \(now) s")
        planner.completed(
            provider, answers: zip(poll.targets, answers).map { (target: $0, answer: $1) }, at: t(now))
    }

    /// The delays between the polls of `provider` when every poll ends with `answer`, starting at `start`.
    private static func delays(
        _ planner: inout Planner, _ provider: String, from start: Double, count: Int, _ answers: [Planner.Answer]
    ) throws -> [Double] {
        var now = start
        var delays: [Double] = []
        for _ in 0..<count {
            try poll(&planner, provider, at: now, answers)
            let next = try #require(planner.nextPoll(of: provider)).offset.seconds
            delays.append(next - now)
            now = next
        }
        return delays
    }

    // MARK: - Activation and readiness

    @Test func providerIsDueOnlyOnceActivatedAndThenAtOnce() throws {
        var planner = Self.planner([try Self.provider("job", Self.every(5))])
        #expect(planner.duePolls(at: Self.t(0)).isEmpty)
        #expect(planner.nextWakeup == nil, "an inactive provider never wakes the run")
        planner.activate("job", target: 0, at: Self.t(2))
        #expect(planner.nextWakeup == Self.t(2))
        let polls = planner.duePolls(at: Self.t(2))
        #expect(polls.map(\.provider) == ["job"])
        #expect(polls.first?.targets == [0])
    }

    @Test func providerInFlightIsNeverDueAgainUntilItsPollEnds() throws {
        var planner = Self.planner([try Self.provider("job", Self.every(5))])
        planner.activate("job", target: 0, at: Self.t(0))
        #expect(planner.duePolls(at: Self.t(0)).count == 1)
        #expect(planner.duePolls(at: Self.t(30)).isEmpty, "a provider never polls concurrently with itself")
        #expect(planner.nextWakeup == nil)
        planner.completed("job", answers: [(0, .answered())], at: Self.t(31))
        #expect(planner.nextWakeup == Self.t(36), "the regular interval counts from the end of the poll")
    }

    @Test func pollsStartInProviderIdOrderWithTheBudgetTheScheduleAllows() throws {
        var planner = Self.planner([try Self.provider("queue", Self.every(2)), try Self.provider("job", Self.every(3))])
        planner.activate("queue", target: 0, at: Self.t(0))
        planner.activate("job", target: 0, at: Self.t(0))
        let polls = planner.duePolls(at: Self.t(0))
        #expect(polls.map(\.provider) == ["job", "queue"])
        #expect(polls.map(\.requestsPerMinute) == [20, 30], "what polling at `every` spends")
    }

    @Test func targetIsPolledOnlyOnceItKnowsTheFactsItsConfigurationUses() throws {
        var planner = Self.planner([try Self.provider("vertex", Self.every(1), facts: ["run_id"])], targets: 2)
        planner.activate("vertex", target: 0, at: Self.t(0))
        planner.activate("vertex", target: 1, at: Self.t(0))
        #expect(planner.duePolls(at: Self.t(0)).isEmpty)
        #expect(planner.nextWakeup == nil, "waiting only for facts: the answer that brings them wakes the run")
        planner.learned(facts: ["run_id"], target: 1)
        #expect(planner.nextWakeup == Self.t(0), "due since its activation")
        #expect(planner.duePolls(at: Self.t(4)).map(\.targets) == [[1]])
    }

    @Test func targetJoiningAProviderThatPollsForOthersJoinsItsNextPoll() throws {
        var planner = Self.planner([try Self.provider("job", Self.every(1))], targets: 2)
        planner.activate("job", target: 0, at: Self.t(0))
        try Self.poll(&planner, "job", at: 0, [.answered()])
        planner.activate("job", target: 1, at: Self.t(0.5))
        #expect(planner.nextWakeup == Self.t(1), "no extra request for the newcomer")
        #expect(planner.duePolls(at: Self.t(1)).map(\.targets) == [[0, 1]])
    }

    @Test func finishedTargetIsPolledNoMoreAndAProviderOfFinishedTargetsOnlySleeps() throws {
        var planner = Self.planner([try Self.provider("job", Self.every(1))], targets: 2)
        planner.activate("job", target: 0, at: Self.t(0))
        planner.activate("job", target: 1, at: Self.t(0))
        planner.finish(target: 0)
        #expect(planner.duePolls(at: Self.t(0)).map(\.targets) == [[1]])
        planner.completed("job", answers: [(1, .answered())], at: Self.t(0))
        planner.finish(target: 1)
        #expect(planner.nextWakeup == nil)
        #expect(planner.duePolls(at: Self.t(5)).isEmpty)
    }

    @Test func providerActivatedAgainAfterItsTargetsFinishedPollsAtOnce() throws {
        var planner = Self.planner([try Self.provider("logs", Self.every(10))], targets: 2)
        planner.activate("logs", target: 0, at: Self.t(0))
        try Self.poll(&planner, "logs", at: 0, [.answered()])
        planner.finish(target: 0)
        planner.activate("logs", target: 1, at: Self.t(3))
        #expect(planner.nextWakeup == Self.t(3), "it was polling for no one: the newcomer needs no shared tick")
    }

    // MARK: - Combined answers

    @Test func pollIsAnsweredWhenAnyTargetAnsweredAndFailedOnlyWhenAllFailed() throws {
        var planner = Self.planner([try Self.provider("job", Self.every(1))], targets: 2)
        planner.activate("job", target: 0, at: Self.t(0))
        planner.activate("job", target: 1, at: Self.t(0))
        let mixed = try Self.delays(&planner, "job", from: 0, count: 3, [.answered(), .failed()])
        #expect(mixed == [1, 1, 1], "one answer is enough: no backoff")
        let failed = try Self.delays(&planner, "job", from: 3, count: 4, [.failed(), .failed()])
        #expect(failed == [1, 2, 4, 4], "every target failed: backoff, capped")
        let again = try Self.delays(&planner, "job", from: 14, count: 1, [.failed(), .answered()])
        #expect(again == [1], "an answer resets the backoff")
    }

    @Test func longestRetryAfterOfAnyTargetIsAFloor() throws {
        var planner = Self.planner([try Self.provider("job", Self.every(1))], targets: 2)
        planner.activate("job", target: 0, at: Self.t(0))
        planner.activate("job", target: 1, at: Self.t(0))
        let answered = [Planner.Answer.answered(retryAfter: .seconds(3)), .failed(retryAfter: .seconds(5))]
        #expect(try Self.delays(&planner, "job", from: 0, count: 1, answered) == [5])
        let failed = [Planner.Answer.failed(retryAfter: .seconds(2)), .failed(retryAfter: .seconds(6))]
        #expect(try Self.delays(&planner, "job", from: 5, count: 1, failed) == [6])
    }

    @Test func soonerNextChangeOfAnyTargetBringsThePollForwardALaterOneWaitsForNoOne() throws {
        var planner = Self.planner([try Self.provider("logs", Self.every(10))], targets: 2)
        planner.activate("logs", target: 0, at: Self.t(0))
        planner.activate("logs", target: 1, at: Self.t(0))
        let soon = [Planner.Answer.answered(nextChangeAfter: .seconds(2)), .answered()]
        #expect(try Self.delays(&planner, "logs", from: 0, count: 1, soon) == [2], "the next page of one target")
        let late = [Planner.Answer.answered(nextChangeAfter: .seconds(30)), .answered()]
        #expect(try Self.delays(&planner, "logs", from: 2, count: 1, late) == [10], "the other one is due at 10 s")
        let both = [Planner.Answer.answered(nextChangeAfter: .seconds(30)), .answered(nextChangeAfter: .seconds(20))]
        #expect(try Self.delays(&planner, "logs", from: 12, count: 1, both) == [20], "every target knows: the soonest")
    }

    @Test func nextPollAfterReplacesTheBackoffOnlyWhenEveryFailureGivesOne() throws {
        var planner = Self.planner([try Self.provider("replay", Self.every(1))], targets: 2)
        planner.activate("replay", target: 0, at: Self.t(0))
        planner.activate("replay", target: 1, at: Self.t(0))
        let known = [Planner.Answer.failed(nextPollAfter: .seconds(10)), .failed(nextPollAfter: .seconds(7))]
        #expect(try Self.delays(&planner, "replay", from: 0, count: 2, known) == [7, 7])
        let unknown = [Planner.Answer.failed(nextPollAfter: .seconds(10)), .failed()]
        #expect(
            try Self.delays(&planner, "replay", from: 14, count: 1, unknown) == [4],
            "a plain failure backs off (the third failure in a row: 4 s)")
    }

    @Test func providerThatCannotBeCreatedBacksOffLikeAFailingOne() throws {
        var planner = Self.planner([try Self.provider("broken", Self.every(1))], targets: 2)
        planner.activate("broken", target: 0, at: Self.t(0))
        planner.activate("broken", target: 1, at: Self.t(0))
        let delays = try Self.delays(&planner, "broken", from: 0, count: 5, [.notCreated, .notCreated])
        #expect(delays == [1, 2, 4, 4, 4])
        let oneMade = try Self.delays(&planner, "broken", from: 15, count: 1, [.notCreated, .answered()])
        #expect(oneMade == [1], "the target whose instance was made answered")
    }

    // MARK: - Fast window and stage changes

    @Test func fastWindowFollowsTheStartAndTheLatestStageOfAnyTarget() throws {
        var planner = Self.planner([try Self.provider("job", Self.adaptive(4))], targets: 2)
        planner.activate("job", target: 0, at: Self.t(0))
        planner.activate("job", target: 1, at: Self.t(0))
        let answers = [Planner.Answer.answered(), .answered()]
        #expect(try Self.delays(&planner, "job", from: 0, count: 4, answers) == [1, 1, 1, 4], "3 s after the start")
        planner.stageReached(target: 1, at: Self.t(7))
        #expect(try Self.delays(&planner, "job", from: 7, count: 4, answers) == [1, 1, 1, 4])
    }

    @Test func statusChangeOfAnyTargetOpensTheFastWindowButAFirstAnswerDoesNot() throws {
        var planner = Self.planner([try Self.provider("job", Self.adaptive(4))], targets: 2)
        planner.activate("job", target: 0, at: Self.t(0))
        planner.activate("job", target: 1, at: Self.t(0))
        _ = try Self.delays(&planner, "job", from: 0, count: 4, [.answered(), .answered()])
        let first = try Self.delays(
            &planner, "job", from: 7, count: 1, [.answered(statuses: ["PAUSED"]), .answered(statuses: ["TICK"])])
        #expect(first == [4], "what was there already is no change")
        let same = try Self.delays(
            &planner, "job", from: 11, count: 1, [.answered(statuses: ["PAUSED"]), .answered(statuses: ["TICK"])])
        #expect(same == [4])
        let changed = try Self.delays(
            &planner, "job", from: 15, count: 1, [.answered(statuses: ["PAUSED"]), .answered(statuses: ["PENDING"])])
        #expect(changed == [1], "a status that reaches no stage is a change all the same")
    }

    @Test func stageReachedBringsWaitingProvidersForwardInsideTheirWindow() throws {
        var planner = Self.planner([
            try Self.provider("queue", Self.every(1)), try Self.provider("job", Self.adaptive(10)),
        ])
        planner.activate("job", target: 0, at: Self.t(0))
        planner.activate("queue", target: 0, at: Self.t(0))
        _ = planner.duePolls(at: Self.t(5))
        planner.completed("job", answers: [(0, .answered())], at: Self.t(5))
        #expect(planner.nextPoll(of: "job") == Self.t(15), "the start's window is over")
        planner.stageReached(target: 0, at: Self.t(6))
        #expect(planner.nextPoll(of: "job") == Self.t(7), "transitions cluster: the next one is likely soon")
    }

    @Test func stageReachedLeavesInFlightThrottledAndOverBudgetProvidersAlone() throws {
        var planner = Self.planner([
            try Self.provider("busy", Self.adaptive(10)), try Self.provider("throttled", Self.adaptive(10)),
            try Self.provider("frugal", Self.adaptive(10, perMinute: 6)), try Self.provider("fixed", Self.every(10)),
        ])
        for id in ["busy", "throttled", "frugal", "fixed"] { planner.activate(id, target: 0, at: Self.t(0)) }
        _ = planner.duePolls(at: Self.t(5))
        planner.completed("throttled", answers: [(0, .answered(retryAfter: .seconds(1)))], at: Self.t(5))
        planner.completed("frugal", answers: [(0, .answered())], at: Self.t(5))
        planner.completed("fixed", answers: [(0, .answered())], at: Self.t(5))
        planner.stageReached(target: 0, at: Self.t(6))
        #expect(planner.nextPoll(of: "throttled") == Self.t(15), "the backend asked to wait")
        #expect(planner.nextPoll(of: "frugal") == Self.t(15), "no room in the budget for an extra poll")
        #expect(planner.nextPoll(of: "fixed") == Self.t(15), "a schedule without a fast window keeps its pace")
        planner.completed("busy", answers: [(0, .answered())], at: Self.t(6.5))
        #expect(planner.nextPoll(of: "busy") == Self.t(7.5), "in flight: its own answer sees the change")
    }
}
