import Foundation
import LaunchWatchCore
import Testing

private typealias F = WatchFixtures

/// `Watch` is a pure state machine: every test calls it with dates, no clock.
@Suite("Watch")
struct WatchTests {
    /// A watch over one always-active provider `fast`, started at `F.startedAt`.
    private func makeWatch(
        extra: [ProviderSpec] = [], finishOn: Set<String> = [], deadline: Duration = .seconds(600),
        detailWait: Duration = .seconds(60), degradedAfter: Int = 3
    ) throws -> Watch {
        let fast = try F.provider("fast", degradedAfter: degradedAfter)
        var watch = Watch(
            pipeline: F.pipeline([fast] + extra, finishOn: finishOn, deadline: deadline, detailWait: detailWait),
            startedAt: F.startedAt)
        _ = watch.start(at: F.at(0))
        return watch
    }

    private func observe(
        _ status: String, detail: FailureDetail? = nil, facts: [String: String] = [:], backendTime: Date? = nil
    ) -> Observation {
        Observation(status: status, backendTime: backendTime, detail: detail, facts: facts)
    }

    private static let quota = FailureDetail(code: "8", message: "The zone does not have enough resources.")

    // MARK: - Start

    @Test func startActivatesAlwaysActiveProvidersWithoutAnnouncingThem() throws {
        let later = try F.provider("later", activation: ActiveAfterStage(stage: "running"))
        var watch = Watch(pipeline: F.pipeline([try F.provider("fast"), later]), startedAt: F.startedAt)
        let actions = watch.start(at: F.at(0))
        #expect(actions == [.activate("fast")])
        #expect(watch.activeProviders == ["fast"])
    }

    // MARK: - Stages

    @Test func laterProgressStageInfersTheSkippedEarlierOnes() throws {
        var watch = try makeWatch()
        let actions = watch.record([observe("SUBMITTED")], from: "fast", at: F.at(5))
        let reached = actions.stages
        #expect(reached.map(\.stage.id) == ["queued", "picked_up", "submitted"])
        #expect(reached.map(\.inferred) == [true, true, false])
        #expect(reached.allSatisfy { $0.source == "fast" && $0.at == F.at(5) })
        #expect(watch.timeline == reached)
    }

    @Test func inferenceSkipsStagesAlreadyReached() throws {
        var watch = try makeWatch()
        _ = watch.record([observe("PENDING")], from: "fast", at: F.at(1))
        let actions = watch.record([observe("RUNNING")], from: "fast", at: F.at(2))
        #expect(actions.stages.map(\.stage.id) == ["picked_up", "submitted", "running"])
        #expect(watch.timeline.map(\.inferred) == [false, true, true, false])
    }

    @Test func earlierStageObservedAfterALaterOneChangesNothing() throws {
        var watch = try makeWatch()
        _ = watch.record([observe("RUNNING")], from: "fast", at: F.at(1))
        let timeline = watch.timeline
        for status in ["PENDING", "SUBMITTED", "RUNNING"] {
            let actions = watch.record([observe(status)], from: "fast", at: F.at(2))
            #expect(actions.stages.isEmpty, "\(status) regressed the timeline")
        }
        #expect(watch.timeline == timeline)
    }

    @Test func successStageInfersEarlierProgressStagesAndEndsTheWatch() throws {
        var watch = try makeWatch()
        let actions = watch.record([observe("SUCCEEDED")], from: "fast", at: F.at(3))
        #expect(actions.stages.map(\.stage.id) == ["queued", "picked_up", "submitted", "running", "succeeded"])
        #expect(actions.stages.map(\.inferred) == [true, true, true, true, false])
        let result = try #require(actions.finished)
        #expect(result.outcome == .success)
        #expect(result.stage?.id == "succeeded")
        #expect(result.at == F.at(3))
        #expect(result.timeline == watch.timeline)
        #expect(watch.isFinished)
    }

    @Test func failureStageInfersNothing() throws {
        var watch = try makeWatch()
        _ = watch.record([observe("PENDING")], from: "fast", at: F.at(1))
        let actions = watch.record([observe("FAILED", detail: Self.quota)], from: "fast", at: F.at(2))
        #expect(actions.stages.map(\.stage.id) == ["failed"])
        #expect(actions.stages.map(\.inferred) == [false])
        #expect(watch.timeline.map(\.stage.id) == ["queued", "failed"])
    }

    @Test func finishOnStageEndsTheWatchWithSuccess() throws {
        var watch = try makeWatch(finishOn: ["running"])
        let before = watch.record([observe("SUBMITTED")], from: "fast", at: F.at(1))
        #expect(before.finished == nil)
        let actions = watch.record([observe("RUNNING")], from: "fast", at: F.at(2))
        let result = try #require(actions.finished)
        #expect(result.outcome == .success)
        #expect(result.stage?.id == "running")
        #expect(watch.result == result)
    }

    @Test func finishOnStageReachedByInferenceEndsTheWatch() throws {
        var watch = try makeWatch(finishOn: ["picked_up"])
        _ = watch.record([observe("PENDING")], from: "fast", at: F.at(1))
        let actions = watch.record([observe("RUNNING")], from: "fast", at: F.at(2))
        #expect(actions.stages.map(\.stage.id) == ["picked_up", "submitted", "running"])
        #expect(actions.stages.first?.inferred == true)
        let result = try #require(actions.finished, "picked_up was skipped over, so the launch is past it")
        #expect(result.outcome == .success)
        #expect(result.stage?.id == "running")
    }

    @Test func finishedWatchIgnoresEverythingAfterwards() throws {
        var watch = try makeWatch()
        _ = watch.record([observe("SUCCEEDED")], from: "fast", at: F.at(1))
        let result = watch.result
        #expect(watch.record([observe("FAILED", detail: Self.quota)], from: "fast", at: F.at(2)).isEmpty)
        #expect(watch.recordFailure(ProviderError(code: "x", message: "x"), from: "fast", at: F.at(3)).isEmpty)
        #expect(watch.advance(to: F.at(10_000)).isEmpty)
        #expect(watch.interrupt(at: F.at(10_001)).isEmpty)
        #expect(watch.result == result)
        #expect(watch.nextWakeup == nil)
    }

    @Test func stageLagIsMeasuredFromTheBackendTimestamp() throws {
        var watch = try makeWatch()
        let actions = watch.record([observe("CLAIMED", backendTime: F.at(6.5))], from: "fast", at: F.at(10))
        let reached = actions.stages
        #expect(reached.last?.lag == .seconds(3.5))
        #expect(reached.first?.lag == nil, "an inferred stage has no lag of its own")
        let without = watch.record([observe("RUNNING")], from: "fast", at: F.at(11))
        #expect(without.stages.last?.lag == nil)
    }

    @Test func stageRecordsTheSubjectAndRawStatus() throws {
        var watch = try makeWatch()
        let observation = Observation(status: "RUNNING", subject: "jobs/123")
        let reached = try #require(watch.record([observation], from: "fast", at: F.at(1)).stages.last)
        #expect(reached.subject == "jobs/123")
        #expect(reached.status == "RUNNING")
        #expect(reached.inferred == false)
    }

    // MARK: - Outcomes

    @Test func failureWithDetailEndsAtOnceWithADetailEvent() throws {
        var watch = try makeWatch(extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())])
        let actions = watch.record([observe("FAILED", detail: Self.quota)], from: "fast", at: F.at(4))
        var expected = Self.quota
        expected.source = "fast"
        #expect(actions.details == [expected])
        let result = try #require(actions.finished)
        #expect(result.outcome == .failure)
        #expect(result.stage?.id == "failed")
        #expect(result.detail == expected)
        #expect(!actions.activated.contains("logs"), "a detail at hand needs no fallback")
    }

    @Test(arguments: [["SUCCEEDED", "FAILED"], ["FAILED", "SUCCEEDED"]])
    func failureWinsOverSuccessDeliveredTogether(statuses: [String]) throws {
        var watch = try makeWatch()
        let actions = watch.record(statuses.map { observe($0) }, from: "fast", at: F.at(1))
        let result = try #require(actions.finished)
        #expect(result.outcome == .failure)
        #expect(result.stage?.id == "failed")
        #expect(!watch.timeline.contains { $0.stage.id == "succeeded" })
    }

    @Test func firstOutcomeDecidesAndLaterOutcomesAreIgnored() throws {
        var watch = try makeWatch()
        _ = watch.record([observe("SUCCEEDED")], from: "fast", at: F.at(1))
        let later = watch.record([observe("FAILED", detail: Self.quota)], from: "fast", at: F.at(2))
        #expect(later.isEmpty)
        #expect(watch.result?.outcome == .success)
        #expect(!watch.timeline.contains { $0.stage.id == "failed" })
    }

    @Test func successWhileAwaitingFailureDetailIsIgnored() throws {
        var watch = try makeWatch(extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())])
        _ = watch.record([observe("FAILED")], from: "fast", at: F.at(1))
        let actions = watch.record([observe("SUCCEEDED")], from: "fast", at: F.at(2))
        #expect(actions.stages.isEmpty)
        #expect(actions.finished == nil)
        let end = watch.advance(to: F.at(61))
        #expect(end.finished?.outcome == .failure)
        #expect(end.finished?.stage?.id == "failed")
    }

    // MARK: - Failure detail

    @Test func failureWithoutDetailActivatesTheDetailProviderAndWaits() throws {
        var watch = try makeWatch(extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())])
        #expect(watch.activeProviders == ["fast"])
        let actions = watch.record([observe("FAILED")], from: "fast", at: F.at(10))
        #expect(actions.finished == nil)
        #expect(actions.stages.map(\.stage.id) == ["failed"])
        #expect(actions.activated == ["logs"])
        #expect(actions.events.contains { if case .activated(provider: "logs", _, _) = $0 { true } else { false } })
        #expect(watch.snapshot.failureAwaitingDetail)
        #expect(watch.nextWakeup == F.at(70))
    }

    @Test func detailArrivingWithinTheWaitEndsTheWatchWithIt() throws {
        var watch = try makeWatch(extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())])
        _ = watch.record([observe("FAILED")], from: "fast", at: F.at(10))
        #expect(watch.advance(to: F.at(40)).finished == nil)
        let detail = FailureDetail(code: "ImagePullFailed", message: "image not found")
        let actions = watch.record([observe("LOG", detail: detail)], from: "logs", at: F.at(45))
        var expected = detail
        expected.source = "logs"
        #expect(actions.details == [expected])
        let result = try #require(actions.finished)
        #expect(result.outcome == .failure)
        #expect(result.stage?.id == "failed")
        #expect(result.detail == expected)
        #expect(result.at == F.at(45))
    }

    @Test func detailWaitEndsWithoutDetailAndANotice() throws {
        var watch = try makeWatch(extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())])
        _ = watch.record([observe("FAILED")], from: "fast", at: F.at(10))
        #expect(watch.advance(to: F.at(69.9)).isEmpty)
        let actions = watch.advance(to: F.at(70))
        #expect(actions.notices.count == 1)
        #expect(actions.notices.first?.contains("detailWait") == true)
        let result = try #require(actions.finished)
        #expect(result.outcome == .failure)
        #expect(result.stage?.id == "failed")
        #expect(result.detail == nil)
        #expect(actions.details.isEmpty)
    }

    @Test func inconclusiveDetailWaitsForABetterOneFromTheDetailProvider() throws {
        var watch = try makeWatch(extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())])
        let vague = FailureDetail(code: "3", message: "exited with a non-zero status of 1", inconclusive: true)
        let failed = watch.record([observe("FAILED", detail: vague)], from: "fast", at: F.at(10))
        #expect(failed.finished == nil, "a detail that points to the logs does not end the watch")
        #expect(failed.activated == ["logs"])
        let real = FailureDetail(code: "out_of_memory", message: "CUDA out of memory")
        let actions = watch.record([observe("LOG", detail: real)], from: "logs", at: F.at(40))
        let result = try #require(actions.finished)
        #expect(result.detail?.message == "CUDA out of memory")
        #expect(actions.details.map(\.message) == ["CUDA out of memory"])
    }

    @Test func inconclusiveDetailIsTheAnswerWhenNothingBetterComesWithinDetailWait() throws {
        var watch = try makeWatch(extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())])
        let vague = FailureDetail(code: "3", message: "exited with a non-zero status of 1", inconclusive: true)
        _ = watch.record([observe("FAILED", detail: vague)], from: "fast", at: F.at(10))
        #expect(watch.advance(to: F.at(69)).finished == nil)
        let actions = watch.advance(to: F.at(70))
        let result = try #require(actions.finished, "no longer than detailWait (60 s)")
        #expect(result.outcome == .failure)
        #expect(result.detail?.message == "exited with a non-zero status of 1")
        #expect(actions.details.count == 1)
    }

    @Test func inconclusiveDetailEndsAtOnceWhenNoProviderCouldDoBetter() throws {
        var watch = try makeWatch()
        let vague = FailureDetail(message: "check the logs", inconclusive: true)
        let result = try #require(watch.record([observe("FAILED", detail: vague)], from: "fast", at: F.at(5)).finished)
        #expect(result.detail?.message == "check the logs")
    }

    @Test func failureWithoutDetailEndsAtOnceWhenNoProviderBringsDetail() throws {
        var watch = try makeWatch(extra: [try F.provider("late", activation: ActiveAfterSilence(for: .seconds(30)))])
        let actions = watch.record([observe("FAILED")], from: "fast", at: F.at(10))
        let result = try #require(actions.finished)
        #expect(result.outcome == .failure)
        #expect(result.detail == nil)
        #expect(actions.details.isEmpty)
        #expect(actions.activated.isEmpty)
    }

    @Test func failureWithoutDetailEndsAtOnceWhenDetailWaitIsZero() throws {
        var watch = try makeWatch(
            extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())], detailWait: .zero)
        let actions = watch.record([observe("FAILED")], from: "fast", at: F.at(10))
        #expect(actions.finished?.outcome == .failure)
    }

    @Test func failureWithoutDetailActivatesAFastProvidersDegradedFallbackToo() throws {
        let logs = try F.provider("logs", activation: ActiveWhenFastProvidersDegraded(for: .seconds(30)))
        var watch = try makeWatch(extra: [logs])
        let actions = watch.record([observe("FAILED")], from: "fast", at: F.at(10))
        #expect(actions.finished == nil)
        #expect(actions.activated == ["logs"])
    }

    @Test func detailSeenBeforeTheFailureIsUsedAtOnce() throws {
        let tail = try F.provider("tail")
        let logs = try F.provider("logs", activation: ActiveOnFailureWithoutDetail())
        var watch = try makeWatch(extra: [tail, logs])
        let detail = FailureDetail(message: "CUDA out of memory")
        _ = watch.record([observe("LOG", detail: detail)], from: "tail", at: F.at(5))
        let actions = watch.record([observe("FAILED")], from: "fast", at: F.at(8))
        var expected = detail
        expected.source = "tail"
        let result = try #require(actions.finished)
        #expect(result.outcome == .failure)
        #expect(result.detail == expected)
        #expect(actions.details == [expected])
        #expect(actions.activated.isEmpty, "no fallback is needed for a detail already known")
    }

    // MARK: - Deadline and interruption

    @Test func deadlineEndsWithTheLastReachedStage() throws {
        var watch = try makeWatch(deadline: .seconds(600))
        _ = watch.record([observe("SUBMITTED")], from: "fast", at: F.at(30))
        #expect(watch.nextWakeup == F.at(600))
        #expect(watch.advance(to: F.at(599)).isEmpty)
        let actions = watch.advance(to: F.at(600))
        let result = try #require(actions.finished)
        #expect(result.outcome == .deadline)
        #expect(result.stage?.id == "submitted")
        #expect(result.detail == nil)
        #expect(result.at == F.at(600))
    }

    @Test func deadlineBeforeAnyStageEndsWithoutStage() throws {
        var watch = try makeWatch(deadline: .seconds(60))
        let result = try #require(watch.advance(to: F.at(60)).finished)
        #expect(result.outcome == .deadline)
        #expect(result.stage == nil)
        #expect(result.timeline.isEmpty)
    }

    @Test func deadlineWhileAwaitingDetailEndsAsFailure() throws {
        var watch = try makeWatch(
            extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())], deadline: .seconds(600),
            detailWait: .seconds(120))
        _ = watch.record([observe("RUNNING")], from: "fast", at: F.at(500))
        _ = watch.record([observe("FAILED")], from: "fast", at: F.at(550))
        #expect(watch.nextWakeup == F.at(600), "the deadline comes before the end of the detail wait")
        let result = try #require(watch.advance(to: F.at(600)).finished)
        #expect(result.outcome == .failure)
        #expect(result.stage?.id == "failed")
        #expect(result.detail == nil)
    }

    @Test func interruptEndsWithTheLastReachedStage() throws {
        var watch = try makeWatch()
        _ = watch.record([observe("CLAIMED")], from: "fast", at: F.at(3))
        let actions = watch.interrupt(at: F.at(4))
        let result = try #require(actions.finished)
        #expect(result.outcome == .interrupted)
        #expect(result.stage?.id == "picked_up")
        #expect(result.at == F.at(4))
        #expect(watch.isFinished)
    }

    @Test func interruptWhileAFailureAwaitsItsDetailEndsAsThatFailure() throws {
        var watch = try makeWatch(extra: [try F.provider("logs", activation: ActiveOnFailureWithoutDetail())])
        _ = watch.record([observe("FAILED")], from: "fast", at: F.at(10))
        let result = try #require(watch.interrupt(at: F.at(12)).finished)
        #expect(result.outcome == .failure)
        #expect(result.stage?.id == "failed")
        #expect(result.detail == nil)
    }

    // MARK: - Facts and maps

    @Test func factsAreReportedOncePerChange() throws {
        var watch = try makeWatch()
        let first = watch.record([observe("TICK", facts: ["run_id": "r1"])], from: "fast", at: F.at(1))
        #expect(first.facts == ["run_id": "r1"])
        #expect(
            first.events.contains(.fact(name: "run_id", value: "r1", source: "fast", at: F.at(1))))
        let same = watch.record([observe("TICK", facts: ["run_id": "r1"])], from: "fast", at: F.at(2))
        #expect(same.facts.isEmpty)
        let changed = watch.record(
            [observe("TICK", facts: ["run_id": "r2", "job_id": "j1"])], from: "fast", at: F.at(3))
        #expect(changed.facts == ["run_id": "r2", "job_id": "j1"])
        #expect(watch.facts == ["run_id": "r2", "job_id": "j1"])
    }

    @Test func unmappedStatusIsNoticedOncePerProviderAndStatus() throws {
        var watch = try makeWatch(extra: [try F.provider("other")])
        let first = watch.record([observe("WEIRD")], from: "fast", at: F.at(1))
        #expect(first.notices.count == 1)
        #expect(first.notices.first?.contains("\"WEIRD\"") == true)
        #expect(first.events.contains { if case .notice(provider: "fast", _, _) = $0 { true } else { false } })
        #expect(watch.record([observe("WEIRD")], from: "fast", at: F.at(2)).notices.isEmpty)
        #expect(watch.record([observe("WEIRD")], from: "other", at: F.at(3)).notices.count == 1)
        #expect(watch.record([observe("ODD")], from: "fast", at: F.at(4)).notices.count == 1)
        #expect(watch.timeline.isEmpty)
    }

    @Test func nullMapEntryIsIgnoredSilently() throws {
        var watch = try makeWatch()
        let actions = watch.record([observe("PAUSED")], from: "fast", at: F.at(1))
        #expect(actions.notices.isEmpty)
        #expect(actions.stages.isEmpty)
        #expect(actions.events.count == 1)
        let observation = try #require(actions.events.first?.observation)
        #expect(observation.provider == "fast")
        #expect(observation.observedAt == F.at(1))
    }

    // MARK: - Provider health

    @Test func providerIsDegradedAfterConsecutiveFailuresReportedOnce() throws {
        var watch = try makeWatch(degradedAfter: 3)
        let error = ProviderError(code: "http_503", message: "service unavailable")
        var changes: [[ProviderHealthChange]] = []
        for second in 1...5 {
            changes.append(watch.recordFailure(error, from: "fast", at: F.at(Double(second))).healthChanges)
        }
        #expect(changes.map(\.count) == [0, 0, 1, 0, 0])
        let degraded = try #require(changes[2].first)
        #expect(degraded.provider == "fast")
        #expect(degraded.health == .degraded)
        #expect(degraded.message.contains("service unavailable"))
        #expect(degraded.at == F.at(3))
        #expect(watch.isDegraded("fast"))
        #expect(watch.snapshot.degradedSince == ["fast": F.at(3)])
    }

    @Test func everyFailedPollIsReportedForRecordings() throws {
        var watch = try makeWatch()
        let error = ProviderError(code: "timeout", message: "timed out")
        let actions = watch.recordFailure(error, from: "fast", at: F.at(1))
        #expect(actions.events == [.pollFailed(provider: "fast", error: error, at: F.at(1))])
    }

    @Test func answerBetweenFailuresResetsTheCount() throws {
        var watch = try makeWatch(degradedAfter: 3)
        let error = ProviderError(code: "http_503", message: "service unavailable")
        var changes: [ProviderHealthChange] = []
        changes += watch.recordFailure(error, from: "fast", at: F.at(1)).healthChanges
        changes += watch.recordFailure(error, from: "fast", at: F.at(2)).healthChanges
        changes += watch.record([observe("TICK")], from: "fast", at: F.at(3)).healthChanges
        changes += watch.recordFailure(error, from: "fast", at: F.at(4)).healthChanges
        changes += watch.recordFailure(error, from: "fast", at: F.at(5)).healthChanges
        #expect(changes.isEmpty)
        #expect(!watch.isDegraded("fast"))
    }

    @Test func degradedProviderRecoversOnItsNextAnswerReportedOnce() throws {
        var watch = try makeWatch(degradedAfter: 2)
        let error = ProviderError(code: "http_503", message: "service unavailable")
        _ = watch.recordFailure(error, from: "fast", at: F.at(1))
        _ = watch.recordFailure(error, from: "fast", at: F.at(2))
        #expect(watch.isDegraded("fast"))
        let recovered = watch.record([], from: "fast", at: F.at(32)).healthChanges
        #expect(recovered.map(\.health) == [.recovered])
        #expect(recovered.first?.message.contains("30s") == true)
        #expect(!watch.isDegraded("fast"))
        #expect(watch.record([observe("TICK")], from: "fast", at: F.at(33)).healthChanges.isEmpty)
    }

    // MARK: - Activations

    @Test func afterStageProviderActivatesWhenTheStageIsReachedEvenByInference() throws {
        var watch = try makeWatch(extra: [try F.provider("vertex", activation: ActiveAfterStage(stage: "submitted"))])
        #expect(watch.record([observe("CLAIMED")], from: "fast", at: F.at(1)).activated.isEmpty)
        let actions = watch.record([observe("RUNNING")], from: "fast", at: F.at(2))
        #expect(actions.activated == ["vertex"])
        #expect(
            actions.events.contains(.activated(provider: "vertex", reason: "afterStage submitted", at: F.at(2))))
        #expect(watch.activeProviders == ["fast", "vertex"])
        #expect(watch.record([observe("RUNNING")], from: "fast", at: F.at(3)).activated.isEmpty, "activates once")
    }

    @Test func fastProvidersDegradedFallbackActivatesAfterAllAreDegradedForTheDuration() throws {
        let second = try F.provider("second", degradedAfter: 1)
        let logs = try F.provider("logs", activation: ActiveWhenFastProvidersDegraded(for: .seconds(30)))
        var watch = try makeWatch(extra: [second, logs], degradedAfter: 1)
        let error = ProviderError(code: "http_500", message: "internal")
        _ = watch.recordFailure(error, from: "fast", at: F.at(10))
        #expect(watch.nextWakeup == F.at(600), "one fast provider still answers")
        _ = watch.recordFailure(error, from: "second", at: F.at(20))
        #expect(watch.nextWakeup == F.at(50))
        #expect(watch.advance(to: F.at(49)).activated.isEmpty)
        let actions = watch.advance(to: F.at(50))
        #expect(actions.activated == ["logs"])
        #expect(watch.nextWakeup == F.at(600))
    }

    @Test func fastProvidersDegradedFallbackStaysIdleWhenOneRecovers() throws {
        let second = try F.provider("second", degradedAfter: 1)
        let logs = try F.provider("logs", activation: ActiveWhenFastProvidersDegraded(for: .seconds(30)))
        var watch = try makeWatch(extra: [second, logs], degradedAfter: 1)
        let error = ProviderError(code: "http_500", message: "internal")
        _ = watch.recordFailure(error, from: "fast", at: F.at(10))
        _ = watch.recordFailure(error, from: "second", at: F.at(20))
        _ = watch.record([observe("TICK")], from: "fast", at: F.at(40))
        #expect(watch.nextWakeup == F.at(600))
        #expect(watch.advance(to: F.at(50)).activated.isEmpty)
    }

    @Test func silenceProviderActivatesAfterNoStageChangeForTheDuration() throws {
        var watch = try makeWatch(extra: [try F.provider("slow", activation: ActiveAfterSilence(for: .seconds(60)))])
        #expect(watch.nextWakeup == F.at(60))
        _ = watch.record([observe("PENDING")], from: "fast", at: F.at(30))
        #expect(watch.nextWakeup == F.at(90))
        #expect(watch.advance(to: F.at(60)).activated.isEmpty, "the stage at 30 s restarted the silence")
        #expect(watch.advance(to: F.at(89)).activated.isEmpty)
        let actions = watch.advance(to: F.at(90))
        #expect(actions.activated == ["slow"])
        #expect(watch.nextWakeup == F.at(600))
    }

    @Test func nextWakeupIsTheDeadlineWhenNothingElseIsTimed() throws {
        let watch = try makeWatch(extra: [try F.provider("vertex", activation: ActiveAfterStage(stage: "running"))])
        #expect(watch.nextWakeup == F.at(600))
    }
}
