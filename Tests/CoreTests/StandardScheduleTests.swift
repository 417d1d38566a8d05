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
