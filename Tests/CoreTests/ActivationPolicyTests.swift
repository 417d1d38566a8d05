import Foundation
import LaunchWatchCore
import Testing

@Suite("ActivationPolicy")
struct ActivationPolicyTests {
    private static let start = Date(timeIntervalSince1970: 1_700_000_000)

    private func at(_ seconds: Double) -> Date { Self.start.addingTimeInterval(seconds) }

    private func snapshot(
        reached: Set<String> = [], awaitingDetail: Bool = false, lastStageChange: Double? = nil,
        fast: [String] = [], degradedSince: [String: Double] = [:]
    ) -> WatchSnapshot {
        WatchSnapshot(
            startedAt: Self.start, reachedStages: reached, failureAwaitingDetail: awaitingDetail,
            lastStageChange: lastStageChange.map(at), fastProviders: fast,
            degradedSince: degradedSince.mapValues(at))
    }

    @Test func alwaysIsActiveFromTheStartAndCountsAsFast() {
        let policy = AlwaysActive()
        #expect(policy.isActive(in: snapshot(), at: at(0)))
        #expect(policy.isAlwaysActive)
        #expect(!policy.bringsFailureDetail)
        #expect(policy.nextCheck(in: snapshot(), at: at(0)) == nil)
        #expect(policy.summary == "always")
    }

    @Test func afterStageIsActiveOnceTheStageIsReached() {
        let policy = ActiveAfterStage(stage: "submitted")
        #expect(!policy.isActive(in: snapshot(reached: ["queued", "picked_up"]), at: at(10)))
        #expect(policy.isActive(in: snapshot(reached: ["queued", "picked_up", "submitted"]), at: at(10)))
        #expect(!policy.isAlwaysActive)
        #expect(!policy.bringsFailureDetail)
        #expect(policy.nextCheck(in: snapshot(), at: at(10)) == nil, "only a stage can change it, not time")
        #expect(policy.summary == "afterStage submitted")
    }

    @Test func failureWithoutDetailIsActiveWhileAFailureAwaitsDetail() {
        let policy = ActiveOnFailureWithoutDetail()
        #expect(!policy.isActive(in: snapshot(reached: ["failed"]), at: at(5)))
        #expect(policy.isActive(in: snapshot(reached: ["failed"], awaitingDetail: true), at: at(5)))
        #expect(policy.bringsFailureDetail)
        #expect(!policy.isAlwaysActive)
        #expect(policy.nextCheck(in: snapshot(), at: at(5)) == nil)
        #expect(policy.summary == "failureWithoutDetail")
    }

    @Test func fastProvidersDegradedNeedsEveryFastProviderDegradedForTheDuration() {
        let policy = ActiveWhenFastProvidersDegraded(for: .seconds(30))
        let both = snapshot(fast: ["queue", "vertex"], degradedSince: ["queue": 10, "vertex": 20])
        #expect(policy.nextCheck(in: both, at: at(20)) == at(50), "counted from the last one to degrade")
        #expect(!policy.isActive(in: both, at: at(49.9)))
        #expect(policy.isActive(in: both, at: at(50)))
        #expect(policy.isActive(in: both, at: at(500)))
        #expect(policy.bringsFailureDetail)
        #expect(policy.summary == "fastProvidersDegraded for 30s")
    }

    @Test func fastProvidersDegradedStaysIdleWhileOneFastProviderAnswers() {
        let policy = ActiveWhenFastProvidersDegraded(for: .seconds(30))
        let one = snapshot(fast: ["queue", "vertex"], degradedSince: ["queue": 10, "logs": 0])
        #expect(!policy.isActive(in: one, at: at(1000)))
        #expect(policy.nextCheck(in: one, at: at(1000)) == nil)
    }

    @Test func fastProvidersDegradedNeverActivatesWithoutFastProviders() {
        let policy = ActiveWhenFastProvidersDegraded(for: .seconds(30))
        let none = snapshot(fast: [], degradedSince: ["logs": 0])
        #expect(!policy.isActive(in: none, at: at(1000)))
        #expect(policy.nextCheck(in: none, at: at(1000)) == nil)
    }

    @Test func silenceIsActiveOnceNoStageChangedForTheDuration() {
        let policy = ActiveAfterSilence(for: .seconds(90))
        let quiet = snapshot(lastStageChange: 30)
        #expect(policy.nextCheck(in: quiet, at: at(40)) == at(120))
        #expect(!policy.isActive(in: quiet, at: at(119)))
        #expect(policy.isActive(in: quiet, at: at(120)))
        #expect(!policy.bringsFailureDetail)
        #expect(policy.summary == "silence for 1m30s")
    }

    @Test func silenceCountsFromTheStartBeforeAnyStage() {
        let policy = ActiveAfterSilence(for: .seconds(60))
        #expect(policy.nextCheck(in: snapshot(), at: at(0)) == at(60))
        #expect(!policy.isActive(in: snapshot(), at: at(59)))
        #expect(policy.isActive(in: snapshot(), at: at(60)))
    }
}
