#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The pure state machine of one watch: folds observations and poll failures into the stage
/// timeline and answers with events and the providers to activate.
///
/// It has no clock and does no I/O: every call takes `now`. The engine's one loop (`Watcher`,
/// `SweepWatcher`) drives it beside the `PollPlanner`, which decides when to poll; tests call it
/// directly. Rules:
/// - A stage once reached is never un-reached, and an observation of an earlier stage changes
///   nothing (stages never regress).
/// - Reaching a progress stage, or a success stage, marks the unreached progress stages declared
///   before it as reached by inference. A failure infers nothing: a launch can fail at any step.
/// - The first outcome decides. Among observations delivered together, failure wins over success.
/// - A failure without detail waits up to `finish.detailWait` while the providers that bring detail
///   (`failureWithoutDetail`, `fastProvidersDegraded`) are activated; a detail seen earlier by any
///   provider is used at once.
/// - A provider is degraded after `degradedAfter` consecutive failed polls and recovered at its next
///   answer; each change is reported once.
/// - At `finish.deadline` the watch ends as `deadline` unless a failure is already known.
package struct Watch: Sendable {
    /// What the engine should do.
    package enum Action: Sendable, Hashable {
        case emit(WatchEvent)
        /// Start polling this provider.
        case activate(String)
    }

    package let pipeline: Pipeline
    package let startedAt: Date
    /// Facts published so far.
    package private(set) var facts: [String: String] = [:]
    /// Stages reached, in the order they were reached.
    package private(set) var timeline: [StageReached] = []
    /// Providers polling (activation reached).
    package private(set) var activeProviders: Set<String> = []
    /// The result, once the watch has ended.
    package private(set) var result: WatchResult?

    private var health: [String: HealthState] = [:]
    private var reportedUnmapped: Set<String> = []
    private var reportedNotices: Set<String> = []
    /// A failure waiting for its detail: until when, and an inconclusive detail to end with if
    /// nothing better comes.
    private var awaitingDetail: (stage: StageReached, until: Date, fallback: FailureDetail?)?
    private var earlierDetail: FailureDetail?
    private var lastStageChange: Date

    private struct HealthState {
        var consecutiveFailures = 0
        var degradedSince: Date?
    }

    package init(pipeline: Pipeline, startedAt: Date) {
        self.pipeline = pipeline
        self.startedAt = startedAt
        self.lastStageChange = startedAt
    }

    package var isFinished: Bool { result != nil }
    package var deadline: Date { startedAt.addingTimeInterval(pipeline.finish.deadline.seconds) }

    /// Activates the providers whose policies hold at the start.
    package mutating func start(at now: Date) -> [Action] {
        var actions: [Action] = []
        for omitted in pipeline.omittedProviders {
            actions.append(.emit(.notice(provider: omitted.id, message: omitted.notice, at: now)))
        }
        updateActivations(at: now, into: &actions, announce: false)
        return actions
    }

    /// Folds one poll's observations (and notices) of `provider` into the watch.
    package mutating func record(
        _ observations: [Observation], notices: [String] = [], from provider: String, at now: Date
    ) -> [Action] {
        guard !isFinished else { return [] }
        var actions: [Action] = []
        markAnswered(provider, at: now, into: &actions)
        for notice in notices where reportedNotices.insert("\(provider)\u{0}\(notice)").inserted {
            actions.append(.emit(.notice(provider: provider, message: notice, at: now)))
        }
        var outcomes: [(Stage, Observation)] = []
        for var observation in observations {
            observation.provider = provider
            observation.observedAt = now
            if var detail = observation.detail, detail.source == nil {
                detail.source = provider
                observation.detail = detail
            }
            actions.append(.emit(.observation(observation)))
            for (name, value) in observation.facts.sorted(by: { $0.key < $1.key }) where facts[name] != value {
                facts[name] = value
                actions.append(.emit(.fact(name: name, value: value, source: provider, at: now)))
            }
            if let detail = observation.detail, awaitingDetail == nil {
                earlierDetail = detail
            }
            guard let stage = mappedStage(observation, into: &actions) else { continue }
            if stage.outcome == .progress {
                reach(stage, by: observation, at: now, into: &actions)
            } else {
                outcomes.append((stage, observation))
            }
        }
        if let (stage, observation) = outcomes.first(where: { $0.0.outcome == .failure }) ?? outcomes.first {
            reach(stage, by: observation, at: now, into: &actions)
        }
        if let pending = awaitingDetail {
            let details = observations.compactMap(\.detail)
            if var detail = details.last(where: \.isConclusive) {
                detail.source = detail.source ?? provider
                actions.append(.emit(.detail(detail, at: now)))
                finish(.failure, stage: pending.stage.stage, detail: detail, at: now, into: &actions)
            } else if pending.fallback == nil, let inconclusive = details.last {
                awaitingDetail?.fallback = inconclusive
            }
        }
        updateActivations(at: now, into: &actions)
        return actions
    }

    /// Records a failed poll of `provider`.
    package mutating func recordFailure(_ error: ProviderError, from provider: String, at now: Date) -> [Action] {
        guard !isFinished else { return [] }
        var actions: [Action] = [.emit(.pollFailed(provider: provider, error: error, at: now))]
        var state = health[provider, default: HealthState()]
        state.consecutiveFailures += 1
        let threshold = pipeline.providers.first { $0.id == provider }?.degradedAfter ?? 3
        if state.degradedSince == nil, state.consecutiveFailures >= threshold {
            state.degradedSince = now
            let change = ProviderHealthChange(
                provider: provider, health: .degraded,
                message: "\(state.consecutiveFailures) polls in a row failed; last: \(error.message)", at: now)
            actions.append(.emit(.provider(change)))
        }
        health[provider] = state
        updateActivations(at: now, into: &actions)
        return actions
    }

    /// Applies what time alone changes: the end of a detail wait, the deadline, timed activations.
    package mutating func advance(to now: Date) -> [Action] {
        guard !isFinished else { return [] }
        var actions: [Action] = []
        if let pending = awaitingDetail, now >= pending.until {
            let message =
                "no failure detail arrived within \(DurationText.format(pipeline.finish.detailWait)) "
                + "(finish.detailWait); ending with the failure as observed"
            actions.append(.emit(.notice(provider: nil, message: message, at: now)))
            finishAwaited(pending, at: now, into: &actions)
            return actions
        }
        if now >= deadline {
            if let pending = awaitingDetail {
                finishAwaited(pending, at: now, into: &actions)
            } else {
                finish(.deadline, stage: lastReachedStage, detail: nil, at: now, into: &actions)
            }
            return actions
        }
        updateActivations(at: now, into: &actions)
        return actions
    }

    /// Ends the watch because the user (or the embedding program) stopped it. A failure already
    /// known (waiting for its detail) stays a failure: the outcome is decided.
    package mutating func interrupt(at now: Date) -> [Action] {
        guard !isFinished else { return [] }
        var actions: [Action] = []
        if let pending = awaitingDetail {
            finishAwaited(pending, at: now, into: &actions)
        } else {
            finish(.interrupted, stage: lastReachedStage, detail: nil, at: now, into: &actions)
        }
        return actions
    }

    /// Ends a failure that waited for its detail with the inconclusive detail it has, if any.
    private mutating func finishAwaited(
        _ pending: (stage: StageReached, until: Date, fallback: FailureDetail?), at now: Date,
        into actions: inout [Action]
    ) {
        if let fallback = pending.fallback { actions.append(.emit(.detail(fallback, at: now))) }
        finish(.failure, stage: pending.stage.stage, detail: pending.fallback, at: now, into: &actions)
    }

    /// The next time `advance(to:)` can change anything; `nil` once finished.
    package var nextWakeup: Date? {
        guard !isFinished else { return nil }
        var wakeup = deadline
        if let pending = awaitingDetail { wakeup = min(wakeup, pending.until) }
        let snapshot = self.snapshot
        for provider in pipeline.providers where !activeProviders.contains(provider.id) {
            if let check = provider.activation.nextCheck(in: snapshot, at: wakeup) {
                wakeup = min(wakeup, check)
            }
        }
        return wakeup
    }

    /// What activation policies see.
    package var snapshot: WatchSnapshot {
        WatchSnapshot(
            startedAt: startedAt,
            reachedStages: Set(timeline.map(\.stage.id)),
            failureAwaitingDetail: awaitingDetail != nil,
            lastStageChange: lastStageChange,
            fastProviders: pipeline.providers.filter(\.activation.isAlwaysActive).map(\.id),
            degradedSince: health.compactMapValues(\.degradedSince)
        )
    }

    /// Whether `provider` is currently degraded.
    package func isDegraded(_ provider: String) -> Bool { health[provider]?.degradedSince != nil }

    private var lastReachedStage: Stage? {
        let reached = Set(timeline.map(\.stage.id))
        return pipeline.stages.last { reached.contains($0.id) }
    }

    private mutating func markAnswered(_ provider: String, at now: Date, into actions: inout [Action]) {
        var state = health[provider, default: HealthState()]
        if let since = state.degradedSince {
            let message = "answering again after \(DurationText.format(.seconds(double: now.timeIntervalSince(since))))"
            actions.append(
                .emit(
                    .provider(ProviderHealthChange(provider: provider, health: .recovered, message: message, at: now))))
        }
        state = HealthState()
        health[provider] = state
    }

    private mutating func mappedStage(_ observation: Observation, into actions: inout [Action]) -> Stage? {
        guard let spec = pipeline.providers.first(where: { $0.id == observation.provider }) else { return nil }
        switch spec.stage(for: observation.status, recordedStage: observation.recordedStage, declared: pipeline.stages)
        {
        case .stage(let id):
            return pipeline.stage(id)
        case .ignored:
            return nil
        case .unmapped:
            let key = "\(spec.id)\u{0}\(observation.status)"
            if reportedUnmapped.insert(key).inserted {
                let message =
                    "reported status \"\(observation.status)\", which its map does not place; "
                    + "add \"map\": {\"\(observation.status)\": \"STAGE\"} to providers entry \"\(spec.id)\" to use it"
                actions.append(.emit(.notice(provider: spec.id, message: message, at: observation.observedAt)))
            }
            return nil
        }
    }

    private mutating func reach(_ stage: Stage, by observation: Observation, at now: Date, into actions: inout [Action])
    {
        guard result == nil, awaitingDetail == nil else { return }
        let reached = Set(timeline.map(\.stage.id))
        guard !reached.contains(stage.id), let index = pipeline.stages.firstIndex(of: stage) else { return }
        if stage.outcome == .progress {
            let laterReached = pipeline.stages[(index + 1)...].contains {
                $0.outcome == .progress && reached.contains($0.id)
            }
            if laterReached { return }
        }
        if stage.outcome != .failure {
            for earlier in pipeline.stages[..<index] where earlier.outcome == .progress && !reached.contains(earlier.id)
            {
                append(
                    StageReached(stage: earlier, at: now, source: observation.provider, inferred: true),
                    into: &actions)
            }
        }
        let lag = observation.backendTime.map { Duration.seconds(double: now.timeIntervalSince($0)) }
        let entry = StageReached(
            stage: stage, at: now, source: observation.provider, inferred: false, lag: lag,
            subject: observation.subject, status: observation.status)
        append(entry, into: &actions)
        lastStageChange = now

        switch stage.outcome {
        case .success:
            finish(.success, stage: stage, detail: nil, at: now, into: &actions)
        case .progress:
            // A finish.on stage skipped over (reached by inference) ends the watch too: the launch is
            // past it.
            let reachedNow = Set(timeline.map(\.stage.id))
            if !pipeline.finish.on.isDisjoint(with: reachedNow) {
                finish(.success, stage: stage, detail: nil, at: now, into: &actions)
            }
        case .failure:
            // A detail that only points elsewhere ("exited with status 1, check the logs") waits for a
            // better one like no detail at all, and is the answer if none comes.
            let detail = observation.detail ?? earlierDetail
            let canWait =
                pipeline.providers.contains(where: { $0.activation.bringsFailureDetail })
                && pipeline.finish.detailWait > .zero
            if let detail, detail.isConclusive || !canWait {
                actions.append(.emit(.detail(detail, at: now)))
                finish(.failure, stage: stage, detail: detail, at: now, into: &actions)
            } else if canWait {
                awaitingDetail = (entry, now.addingTimeInterval(pipeline.finish.detailWait.seconds), detail)
            } else {
                finish(.failure, stage: stage, detail: nil, at: now, into: &actions)
            }
        }
    }

    private mutating func append(_ entry: StageReached, into actions: inout [Action]) {
        timeline.append(entry)
        actions.append(.emit(.stage(entry)))
    }

    private mutating func finish(
        _ outcome: WatchResult.Outcome, stage: Stage?, detail: FailureDetail?, at now: Date,
        into actions: inout [Action]
    ) {
        guard result == nil else { return }
        awaitingDetail = nil
        let result = WatchResult(outcome: outcome, stage: stage, detail: detail, at: now, timeline: timeline)
        self.result = result
        actions.append(.emit(.finished(result)))
    }

    private mutating func updateActivations(at now: Date, into actions: inout [Action], announce: Bool = true) {
        guard !isFinished else { return }
        let snapshot = self.snapshot
        for provider in pipeline.providers where !activeProviders.contains(provider.id) {
            // A failure awaiting detail activates every provider that brings detail, whatever its own
            // condition: waiting `detailWait` for a fallback that is not polling would only delay the end.
            let bringsAwaitedDetail = snapshot.failureAwaitingDetail && provider.activation.bringsFailureDetail
            guard bringsAwaitedDetail || provider.activation.isActive(in: snapshot, at: now) else { continue }
            activeProviders.insert(provider.id)
            if announce || !provider.activation.isAlwaysActive {
                actions.append(
                    .emit(.activated(provider: provider.id, reason: provider.activation.summary, at: now)))
            }
            actions.append(.activate(provider.id))
        }
    }
}
