#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The one loop of the engine: runs a `Watch` per target and one `PollPlanner` against a clock,
/// starts the polls the planner asks for, and feeds the answers back to both. `Watcher` is a driver
/// of one target, `SweepWatcher` of many.
///
/// - The loop owns the provider instances: it makes a target's instance (again) when the facts its
///   configuration uses change, and tells the watch and the planner when that fails.
/// - Each instance's poll gets its own `PollContext`: its count of polls as `attempt` (from 0, again
///   from 0 for a new instance) and its target's facts. A batch poll gets one context: the batch's own
///   count of polls, and no facts (each target knows its own).
/// - Polls run as child tasks of one task group, with a timer task to wake the loop at the next
///   instant the watches or the planner name, and one that wakes it when the run is cancelled. The loop
///   never blocks: it only awaits `group.next()`.
/// - Everything that decides (stages, outcome, when to poll) is in the two pure state machines; this
///   type only moves messages between them, the clock and the providers.
struct WatchDriver<C: Clock>: Sendable where C.Duration == Duration {
    let pipelines: [Pipeline]
    let clock: C
    let startedAt: Date
    let environment: [String: String]
    let randomSeed: UInt64
    /// Whether a kind that batches polls every due target with one `BatchPolling.poll(batch:)` (a
    /// sweep does, even of one target, so that its requests never depend on how many are due); when
    /// `false`, each instance polls on its own, as one launch's watch does.
    let batches: Bool

    private typealias Planner = PollPlanner<C.Instant>

    /// What wakes the loop: a poll's answers (one per target asked, and the targets whose instance
    /// could not be made), a timer, or the cancellation of the run.
    private enum Message: Sendable {
        case polled(
            provider: String, answers: [(target: Int, result: Result<PollResult, ProviderError>)], notCreated: [Int],
            at: C.Instant)
        case timer(C.Instant)
        case stopped
    }

    /// A provider instance of one target, the configuration it was made from, and how many polls it made.
    private struct Instance {
        var provider: any Provider
        var configuration: JSONValue
        var polls = 0
    }

    /// One provider of the pipeline, for every target.
    private struct ProviderState {
        /// Per target: its own spec (its variables filled in), if its pipeline has this provider.
        var specs: [ProviderSpec?]
        var instances: [Instance?]
        var batch: RegisteredProvider.BatchPoller?
        let memory = BatchMemory()
        var batchPolls = 0
    }

    /// Runs every target's watch to its end and returns the results in `pipelines`' order. `emit` gets
    /// each event with its target's index, in order, as it happens.
    func run(emit: (Int, WatchEvent) -> Void) async -> [WatchResult] {
        let time = RunTime(clock: clock, startedAt: startedAt)
        let date = time.date
        var watches = pipelines.map { Watch(pipeline: $0, startedAt: startedAt) }
        var planner = Planner(pipelines: pipelines, startedAt: startedAt, time: time, seed: randomSeed)
        var providers: [String: ProviderState] = [:]
        for spec in pipelines.first?.providers ?? [] {
            providers[spec.id] = ProviderState(
                specs: pipelines.map { pipeline in pipeline.providers.first { $0.id == spec.id } },
                instances: Array(repeating: nil, count: pipelines.count),
                batch: batches ? spec.registration.pollBatch : nil)
        }
        var timers = RunTimers<C>()
        var unfinished: Bool { watches.contains { !$0.isFinished } }

        /// Hands a watch's actions on: events to `emit`, and what scheduling cares about to the planner.
        func apply(_ actions: [Watch.Action], target: Int, at now: C.Instant) {
            for action in actions {
                switch action {
                case .emit(let event):
                    switch event {
                    case .stage: planner.stageReached(target: target, at: now)
                    case .fact(let name, _, _, _): planner.learned(facts: [name], target: target)
                    case .finished: planner.finish(target: target)
                    default: break
                    }
                    emit(target, event)
                case .activate(let id):
                    planner.activate(id, target: target, at: now)
                }
            }
        }

        /// Starts `poll`: makes the instances it needs, then polls them in a child task. When no instance
        /// could be made the poll ends at once, failed.
        func begin(_ poll: Planner.Poll, at now: C.Instant, in group: inout TaskGroup<Message>) {
            let id = poll.provider
            guard var state = providers[id] else {
                planner.completed(id, answers: [], at: now)
                return
            }
            let nowDate = date(now)
            var due: [(target: Int, provider: any Provider, context: PollContext)] = []
            var notCreated: [Int] = []
            for target in poll.targets {
                guard let spec = state.specs[target] else { continue }
                let watch = watches[target]
                let configuration = spec.configuration.substitutingFacts(watch.facts)
                if state.instances[target]?.configuration != configuration {
                    switch spec.makeProvider(
                        configuration: configuration, baseDirectory: watch.pipeline.baseDirectory,
                        environment: environment, startedAt: startedAt)
                    {
                    case .success(let provider):
                        state.instances[target] = Instance(provider: provider, configuration: configuration)
                    case .failure(let failure):
                        apply(watches[target].recordFailure(failure, from: id, at: nowDate), target: target, at: now)
                        notCreated.append(target)
                        continue
                    }
                }
                guard var instance = state.instances[target] else { continue }
                let context = PollContext(
                    now: nowDate, startedAt: startedAt, attempt: instance.polls, facts: watch.facts,
                    requestsPerMinute: poll.requestsPerMinute)
                instance.polls += 1
                state.instances[target] = instance
                due.append((target, instance.provider, context))
            }
            guard !due.isEmpty else {
                providers[id] = state
                planner.completed(id, answers: notCreated.map { ($0, .notCreated) }, at: now)
                return
            }
            var batchContext: PollContext?
            if state.batch != nil {
                // One context for the whole batch: its own count of polls, and no target's facts.
                batchContext = PollContext(
                    now: nowDate, startedAt: startedAt, attempt: state.batchPolls,
                    requestsPerMinute: poll.requestsPerMinute)
                state.batchPolls += 1
            }
            providers[id] = state
            let batch = state.batch
            let memory = state.memory
            let clock = self.clock
            group.addTask {
                let results: [Result<PollResult, ProviderError>]
                if let batch, let batchContext {
                    results = await batch(due.map(\.provider), memory, batchContext)
                } else if let only = due.first, due.count == 1 {
                    results = [await only.provider.pollResult(only.context)]
                } else {
                    results = await Self.pollEach(due.map { ($0.provider, $0.context) })
                }
                let answers = zip(due, results).map { (target: $0.target, result: $1) }
                return .polled(provider: id, answers: answers, notCreated: notCreated, at: clock.now)
            }
        }

        await withTaskGroup(of: Message.self) { group in
            group.addTask {
                await CancellationSignal().wait()
                return .stopped
            }
            let start = clock.now
            for target in watches.indices {
                apply(watches[target].start(at: date(start)), target: target, at: start)
            }
            while unfinished {
                if Task.isCancelled {
                    let now = clock.now
                    for target in watches.indices where !watches[target].isFinished {
                        apply(watches[target].interrupt(at: date(now)), target: target, at: now)
                    }
                    break
                }
                let now = clock.now
                let nowDate = date(now)
                for target in watches.indices {
                    apply(watches[target].advance(to: nowDate), target: target, at: now)
                }
                guard unfinished else { break }
                // A poll that ends at once (no instance made) can activate others: ask until none is due.
                var polls = planner.duePolls(at: now)
                while !polls.isEmpty {
                    for poll in polls { begin(poll, at: now, in: &group) }
                    polls = planner.duePolls(at: now)
                }
                guard unfinished else { break }
                let wakeups = [watches.compactMap(\.nextWakeup).min().map(time.instant), planner.nextWakeup]
                timers.wake(at: wakeups.compactMap { $0 }.min(), clock: clock, in: &group) { .timer($0) }
                guard let message = await group.next() else { break }
                switch message {
                case .timer(let fired):
                    timers.fired(fired)
                case .stopped:
                    continue
                case .polled(let id, let answers, let notCreated, let at):
                    let atDate = date(at)
                    // Time first: an answer that arrives after the deadline must not decide the outcome.
                    for target in watches.indices {
                        apply(watches[target].advance(to: atDate), target: target, at: at)
                    }
                    var planned: [(target: Int, answer: Planner.Answer)] = []
                    for (target, result) in answers where !watches[target].isFinished {
                        switch result {
                        case .success(let polled):
                            let actions = watches[target].record(
                                polled.observations, notices: polled.notices, from: id, at: atDate)
                            apply(actions, target: target, at: at)
                            planned.append(
                                (
                                    target,
                                    .answered(
                                        statuses: polled.observations.map(\.status), retryAfter: polled.retryAfter,
                                        nextChangeAfter: polled.nextChangeAfter)
                                ))
                        case .failure(let error) where error.code == .cancelled && Task.isCancelled:
                            // Stopped by the interruption itself, not a failure of the provider.
                            continue
                        case .failure(let error):
                            apply(watches[target].recordFailure(error, from: id, at: atDate), target: target, at: at)
                            planned.append(
                                (target, .failed(retryAfter: error.retryAfter, nextPollAfter: error.nextPollAfter)))
                        }
                    }
                    for target in notCreated where !watches[target].isFinished {
                        planned.append((target, .notCreated))
                    }
                    planner.completed(id, answers: planned, at: at)
                }
            }
            group.cancelAll()
        }
        let end = date(clock.now)
        return watches.map {
            $0.result ?? WatchResult(outcome: .interrupted, stage: nil, detail: nil, at: end, timeline: $0.timeline)
        }
    }

    /// Polls each instance with its own context, all at once; the answers in their order.
    private static func pollEach(_ due: [(any Provider, PollContext)]) async -> [Result<PollResult, ProviderError>] {
        await withTaskGroup(of: (Int, Result<PollResult, ProviderError>).self) { group in
            for (index, (provider, context)) in due.enumerated() {
                group.addTask { (index, await provider.pollResult(context)) }
            }
            var answers = [Result<PollResult, ProviderError>](repeating: .success(PollResult()), count: due.count)
            for await (index, answer) in group { answers[index] = answer }
            return answers
        }
    }
}
