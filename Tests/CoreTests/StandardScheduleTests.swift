import Foundation
import LaunchWatchCore
import Testing

@Suite("StandardSchedule")
struct StandardScheduleTests {
    private static let start = Date(timeIntervalSince1970: 1_700_000_000)

    private func at(_ seconds: Double) -> Date { Self.start.addingTimeInterval(seconds) }

    /// Backoff 1s × 2^(n-1), capped at 10s, without jitter unless given.
    private func schedule(
        every: Duration = .seconds(5), jitter: Double = 0, fastAfterChange: ScheduleConfiguration.FastWindow? = nil,
        perMinute: Int? = nil, seed: UInt64 = 7
    ) -> StandardSchedule {
        StandardSchedule(
            ScheduleConfiguration(
                every: every,
                backoff: .init(initial: .seconds(1), max: .seconds(10), multiplier: 2, jitter: jitter),
                fastAfterChange: fastAfterChange, requestsPerMinute: perMinute),
            seed: seed)
    }

    /// The delays after `count` failed polls in a row, one second apart.
    private func failureDelays(_ schedule: inout StandardSchedule, count: Int) -> [Duration] {
        (0..<count).map { schedule.delay(after: .failed(), at: at(Double($0)), lastStageChange: nil) }
    }

    @Test func answeredPollsWaitTheFixedInterval() {
        var schedule = schedule(every: .seconds(5))
        let delays = (0..<4).map {
            schedule.delay(after: .answered(), at: at(Double($0) * 5), lastStageChange: nil)
        }
        #expect(delays == Array(repeating: .seconds(5), count: 4))
    }

    @Test func backoffGrowsByTheMultiplierAndIsCappedAtMax() {
        var schedule = schedule()
        let delays = failureDelays(&schedule, count: 7)
        #expect(delays == [1, 2, 4, 8, 10, 10, 10].map { Duration.seconds($0) })
    }

    @Test(arguments: [(1.0, 1.5, 30.0), (0.5, 3.0, 100.0), (2.0, 1.0, 5.0)])
    func backoffFollowsInitialTimesMultiplierPowerOfAttempts(initial: Double, multiplier: Double, max: Double) {
        var schedule = StandardSchedule(
            ScheduleConfiguration(
                every: .seconds(1),
                backoff: .init(initial: .seconds(initial), max: .seconds(max), multiplier: multiplier, jitter: 0)))
        for failure in 1...8 {
            let delay = schedule.delay(after: .failed(), at: at(Double(failure)), lastStageChange: nil)
            let expected = Swift.min(initial * pow(multiplier, Double(failure - 1)), max)
            #expect(abs(delay.seconds - expected) < 1e-6, "failure \(failure)")
        }
    }

    @Test func backoffStartsAtTheIntervalWhenInitialIsNotGiven() {
        var schedule = StandardSchedule(
            ScheduleConfiguration(every: .seconds(3), backoff: .init(max: .seconds(60), multiplier: 2, jitter: 0)))
        let delays = (0..<3).map { schedule.delay(after: .failed(), at: at(Double($0)), lastStageChange: nil) }
        #expect(delays == [.seconds(3), .seconds(6), .seconds(12)])
    }

    @Test(arguments: [0.2, 0.5, 1.0])
    func jitterShortensTheBackoffByAtMostItsFraction(jitter: Double) {
        var jittered = schedule(jitter: jitter)
        var exact = schedule(jitter: 0)
        let delays = failureDelays(&jittered, count: 12)
        let ceilings = failureDelays(&exact, count: 12)
        for (delay, ceiling) in zip(delays, ceilings) {
            #expect(delay <= ceiling)
            #expect(delay.seconds >= ceiling.seconds * (1 - jitter) - 1e-9)
        }
        #expect(zip(delays, ceilings).contains { $0 < $1 }, "jitter never applied")
    }

    @Test func answerResetsTheBackoff() {
        var schedule = schedule(every: .seconds(5))
        #expect(failureDelays(&schedule, count: 3) == [.seconds(1), .seconds(2), .seconds(4)])
        #expect(schedule.delay(after: .answered(), at: at(10), lastStageChange: nil) == .seconds(5))
        #expect(schedule.delay(after: .failed(), at: at(15), lastStageChange: nil) == .seconds(1))
    }

    @Test func retryAfterOnFailureIsAFloorOverTheBackoff() {
        var schedule = schedule()
        #expect(schedule.delay(after: .failed(retryAfter: .seconds(7)), at: at(0), lastStageChange: nil) == .seconds(7))
        // Second failure: the backoff (2s) is above the hint.
        #expect(
            schedule.delay(after: .failed(retryAfter: .milliseconds(500)), at: at(7), lastStageChange: nil)
                == .seconds(2))
    }

    @Test func retryAfterOnAnswerIsAFloorOverTheInterval() {
        var schedule = schedule(every: .seconds(5))
        #expect(
            schedule.delay(after: .answered(retryAfter: .seconds(12)), at: at(0), lastStageChange: nil) == .seconds(12))
        #expect(
            schedule.delay(after: .answered(retryAfter: .seconds(1)), at: at(12), lastStageChange: nil) == .seconds(5))
    }

    @Test func nextChangeAfterReplacesTheInterval() {
        var schedule = schedule(every: .seconds(5))
        #expect(
            schedule.delay(after: .answered(nextChangeAfter: .seconds(2)), at: at(0), lastStageChange: nil)
                == .seconds(2))
        #expect(
            schedule.delay(after: .answered(nextChangeAfter: .seconds(8)), at: at(2), lastStageChange: nil)
                == .seconds(8))
        #expect(
            schedule.delay(
                after: .answered(retryAfter: .seconds(9), nextChangeAfter: .seconds(2)), at: at(10),
                lastStageChange: nil) == .seconds(9))
    }

    @Test func fastWindowAfterAStageChangeShortensTheInterval() {
        let window = ScheduleConfiguration.FastWindow(every: .milliseconds(250), for: .seconds(10))
        var schedule = schedule(every: .seconds(5), fastAfterChange: window)
        let changedAt = at(100)
        #expect(schedule.delay(after: .answered(), at: at(100), lastStageChange: changedAt) == .milliseconds(250))
        #expect(schedule.delay(after: .answered(), at: at(109.9), lastStageChange: changedAt) == .milliseconds(250))
        #expect(schedule.delay(after: .answered(), at: at(110), lastStageChange: changedAt) == .seconds(5))
        #expect(schedule.delay(after: .answered(), at: at(130), lastStageChange: changedAt) == .seconds(5))
        #expect(schedule.delay(after: .answered(), at: at(131), lastStageChange: nil) == .seconds(5))
    }

    @Test func fastWindowNeverSlowsPollingDown() {
        let window = ScheduleConfiguration.FastWindow(every: .seconds(10), for: .seconds(60))
        var schedule = schedule(every: .seconds(2), fastAfterChange: window)
        #expect(schedule.delay(after: .answered(), at: at(1), lastStageChange: at(0)) == .seconds(2))
    }

    @Test func budgetDelaysTheRequestThatWouldExceedItUntilTheOldestIsAMinuteOld() {
        var schedule = schedule(every: .seconds(1), perMinute: 3)
        #expect(schedule.delay(after: .answered(), at: at(0), lastStageChange: nil) == .seconds(1))
        #expect(schedule.delay(after: .answered(), at: at(1), lastStageChange: nil) == .seconds(1))
        // Three requests in the last minute (0, 1, 2): the fourth waits until the one at 0 is 60 s old.
        #expect(schedule.delay(after: .answered(), at: at(2), lastStageChange: nil) == .seconds(58))
        // At 60 the window holds 1, 2 and 60: the next waits until the one at 1 is 60 s old.
        #expect(schedule.delay(after: .answered(), at: at(60), lastStageChange: nil) == .seconds(1))
        #expect(schedule.delay(after: .answered(), at: at(61), lastStageChange: nil) == .seconds(1))
    }

    @Test func budgetAlsoBoundsRetriesAfterFailures() {
        var schedule = schedule(every: .seconds(1), perMinute: 2)
        #expect(schedule.delay(after: .failed(), at: at(0), lastStageChange: nil) == .seconds(1))
        #expect(schedule.delay(after: .failed(), at: at(1), lastStageChange: nil) == .seconds(59))
    }

    @Test func budgetLeavesPollsBelowTheLimitAlone() {
        var schedule = schedule(every: .seconds(10), perMinute: 6)
        let delays = (0..<12).map { schedule.delay(after: .answered(), at: at(Double($0) * 10), lastStageChange: nil) }
        #expect(delays == Array(repeating: .seconds(10), count: 12))
    }

    @Test func sameSeedGivesTheSameJitteredDelays() {
        var first = schedule(jitter: 0.5, seed: 42)
        var second = schedule(jitter: 0.5, seed: 42)
        var other = schedule(jitter: 0.5, seed: 43)
        let delays = failureDelays(&first, count: 10)
        #expect(failureDelays(&second, count: 10) == delays)
        #expect(failureDelays(&other, count: 10) != delays)
    }
}

@Suite("Adaptive schedule")
struct AdaptiveScheduleTests {
    private static let start = Date(timeIntervalSince1970: 1_700_000_000)
    private func at(_ seconds: Double) -> Date { Self.start.addingTimeInterval(seconds) }
    private let adaptive = ScheduleConfiguration(every: .seconds(1), backoff: .init(jitter: 0)).adaptive()

    @Test func defaultsAreDerivedFromTheInterval() {
        #expect(adaptive.fastAfterChange == .init(every: .milliseconds(250), for: .seconds(3)))
        #expect(adaptive.slowWhenIdle == nil, "off unless set")
        #expect(adaptive.requestsPerMinute == 60)
        let slow = ScheduleConfiguration(every: .milliseconds(300)).adaptive()
        #expect(slow.fastAfterChange?.every == .milliseconds(100), "never faster than 100 ms")
        #expect(ScheduleConfiguration(every: .milliseconds(100)).adaptive().fastAfterChange == nil)
        let given = ScheduleConfiguration(
            every: .seconds(1), fastAfterChange: .init(every: .milliseconds(500), for: .seconds(9)),
            requestsPerMinute: 10)
        #expect(given.adaptive().fastAfterChange == given.fastAfterChange, "what is set is kept")
        #expect(given.adaptive().requestsPerMinute == 10)
    }

    @Test func fastAfterAChangeRegularThenSlowWhileNothingMoves() {
        var configuration = adaptive
        configuration.requestsPerMinute = 90
        configuration.slowWhenIdle = .init(after: .seconds(20), every: .seconds(2))
        var schedule = StandardSchedule(configuration)
        let change = at(100)
        #expect(schedule.delay(after: .answered(), at: at(100.5), lastStageChange: change) == .milliseconds(250))
        #expect(schedule.delay(after: .answered(), at: at(104), lastStageChange: change) == .seconds(1))
        #expect(schedule.delay(after: .answered(), at: at(119.9), lastStageChange: change) == .seconds(1))
        #expect(schedule.delay(after: .answered(), at: at(120), lastStageChange: change) == .seconds(2))
    }

    @Test func aFastPollIsSpentOnlyWhenRegularPollingAfterwardsStillFitsTheBudget() {
        var schedule = StandardSchedule(
            ScheduleConfiguration(
                every: .seconds(1), fastAfterChange: .init(every: .milliseconds(250), for: .seconds(60)),
                requestsPerMinute: 75))
        // 75 a minute where polling every 1 s spends 60: the first polls come faster only while the
        // minute still has room for the regular ones after them.
        var now = 0.0
        var delays: [Duration] = []
        while now < 30 {
            let delay = schedule.delay(after: .answered(), at: at(now), lastStageChange: at(0))
            delays.append(delay)
            now += delay.seconds
        }
        #expect(delays.first == .milliseconds(250))
        #expect(delays.contains(.seconds(1)), "the room runs out, and polling goes back to every 1 s")
        #expect(delays.allSatisfy { $0 <= .seconds(1) }, "never slower than every: \(delays)")
    }

    @Test func aChangeElsewhereBringsTheNextPollForwardOnlyInsideTheWindowAndBudget() {
        var roomy = adaptive
        roomy.requestsPerMinute = 90
        let schedule = StandardSchedule(roomy)
        #expect(schedule.expeditedDelay(at: at(10), lastChange: at(10)) == .milliseconds(250))
        #expect(schedule.expeditedDelay(at: at(14), lastChange: at(10)) == nil, "the window is over")
        let fixed = StandardSchedule(ScheduleConfiguration(every: .seconds(1)))
        #expect(fixed.expeditedDelay(at: at(10), lastChange: at(10)) == nil, "a fixed schedule keeps its pace")
    }

    @Test func noMinuteHoldsMoreRequestsThanTheBudgetAndNoPollWaitsLongerThanEvery() {
        var roomy = adaptive
        roomy.requestsPerMinute = 75
        var schedule = StandardSchedule(roomy)
        var now = 0.0
        var polls: [Double] = []
        var longest = 0.0
        while now < 600 {
            polls.append(now)
            // A change every 2 s keeps the fast window open all the time.
            let change = at((now / 2).rounded(.down) * 2)
            let delay = schedule.delay(after: .answered(), at: at(now), lastStageChange: change).seconds
            longest = max(longest, delay)
            now += delay
        }
        var busiest = 0
        var first = 0
        for (index, time) in polls.enumerated() {
            while time - polls[first] >= 60 { first += 1 }
            busiest = max(busiest, index - first + 1)
        }
        #expect(busiest <= 75, "busiest minute: \(busiest)")
        #expect(polls.count > 600, "the room is spent: \(polls.count) polls in 10 minutes")
        #expect(longest <= 1.0 + 1e-9, "the regular polls never wait for the budget: longest \(longest) s")
    }
}
