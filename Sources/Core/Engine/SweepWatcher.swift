import Foundation

/// One launch of a sweep: a name (shown in views and carried by every event) and its pipeline, the
/// same pipeline file loaded with this launch's variables.
public struct SweepTarget: Sendable {
    public var name: String
    public var pipeline: Pipeline

    public init(name: String, pipeline: Pipeline) {
        self.name = name
        self.pipeline = pipeline
    }
}

/// An event of one target of a sweep.
public struct SweepEvent: Sendable {
    public var target: String
    public var event: WatchEvent
}

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
///   target reached.
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

    /// The answers of one poll of a provider: one per target asked.
    private typealias Answers = [(target: Int, result: Result<PollResult, ProviderError>)]
    private typealias Message = RunLoopMessage<C, Answers>

    /// One provider of the pipeline, for every target.
    private struct Slot {
        var id: String
        var schedule: StandardSchedule
        var batch: RegisteredProvider.BatchPoller?
        let memory = BatchMemory()
        var inFlight = false
        var nextPoll: C.Instant
        /// Per target: active, its instance and the configuration it was made from.
        var active: [Bool]
        var instances: [(any Provider)?]
        var configurations: [JSONValue?]
    }

    /// Runs every target's watch to its end; the results are in `targets`' order.
    public func run() async -> [WatchResult] {
        let time = RunTime(clock: clock, startedAt: startedAt)
        var watches = targets.map { Watch(pipeline: $0.pipeline, startedAt: startedAt) }
        guard let first = targets.first else {
            continuation.finish()
            return []
        }
        var slots: [String: Slot] = [:]
        for (index, spec) in first.pipeline.providers.enumerated() {
            slots[spec.id] = Slot(
                id: spec.id, schedule: StandardSchedule(spec.schedule, seed: randomSeed &+ UInt64(index)),
                batch: spec.registration.pollBatch, nextPoll: time.origin,
                active: Array(repeating: false, count: targets.count),
                instances: Array(repeating: nil, count: targets.count),
                configurations: Array(repeating: nil, count: targets.count))
        }
        var timers = RunTimers<C>()
        let date = time.date
        func apply(_ actions: [Watch.Action], target: Int) {
            for action in actions {
                switch action {
                case .emit(let event):
                    continuation.yield(SweepEvent(target: targets[target].name, event: event))
                case .activate(let id):
                    slots[id]?.active[target] = true
                }
            }
        }
        var unfinished: Bool { watches.contains { !$0.isFinished } }

        await withTaskGroup(of: Message.self) { group in
            RunTimers<C>.watchCancellation(in: &group)
            for index in watches.indices { apply(watches[index].start(at: date(clock.now)), target: index) }
            while unfinished {
                if Task.isCancelled {
                    for index in watches.indices where !watches[index].isFinished {
                        apply(watches[index].interrupt(at: date(clock.now)), target: index)
                    }
                    break
                }
                let now = clock.now
                let nowDate = date(now)
                for index in watches.indices { apply(watches[index].advance(to: nowDate), target: index) }
                guard unfinished else { break }
                var earliest = watches.compactMap(\.nextWakeup).min().map(time.instant)
                for id in slots.keys.sorted() {
                    guard var slot = slots[id], !slot.inFlight else { continue }
                    var due: [(Int, any Provider)] = []
                    for target in watches.indices where slot.active[target] && !watches[target].isFinished {
                        let spec = targets[target].pipeline.providers.first { $0.id == id }
                        guard let spec, spec.requiredFacts.isSubset(of: watches[target].facts.keys) else { continue }
                        guard slot.nextPoll <= now else { continue }
                        let configuration = spec.configuration.substitutingFacts(watches[target].facts)
                        if slot.instances[target] == nil || slot.configurations[target] != configuration {
                            switch spec.makeProvider(
                                configuration: configuration, baseDirectory: targets[target].pipeline.baseDirectory,
                                environment: environment, startedAt: startedAt)
                            {
                            case .success(let instance):
                                slot.instances[target] = instance
                                slot.configurations[target] = configuration
                            case .failure(let failure):
                                apply(watches[target].recordFailure(failure, from: id, at: nowDate), target: target)
                                continue
                            }
                        }
                        if let instance = slot.instances[target] { due.append((target, instance)) }
                    }
                    let pending = watches.indices.contains { slot.active[$0] && !watches[$0].isFinished }
                    if due.isEmpty {
                        // Nothing to ask yet (facts unknown): look again at the next interval.
                        if slot.nextPoll <= now, pending {
                            slot.nextPoll = now.advanced(by: slot.schedule.configuration.every)
                        }
                        if pending { earliest = earliest.map { min($0, slot.nextPoll) } ?? slot.nextPoll }
                        slots[id] = slot
                        continue
                    }
                    slot.inFlight = true
                    slots[id] = slot
                    let context = PollContext(
                        now: nowDate, startedAt: startedAt, attempt: 0,
                        requestsPerMinute: slot.schedule.configuration.budgetPerMinute)
                    let batch = slot.batch
                    let memory = slot.memory
                    let clock = self.clock
                    group.addTask {
                        let answers = await Self.poll(due, batch: batch, memory: memory, context)
                        return .polled(provider: id, answer: answers, at: clock.now)
                    }
                }
                timers.wake(at: earliest, clock: clock, in: &group)
                guard let message = await group.next() else { break }
                switch message {
                case .timer(let fired):
                    timers.fired(fired)
                case .stopped:
                    continue
                case .polled(let id, let answers, let at):
                    guard var slot = slots[id] else { continue }
                    slot.inFlight = false
                    let atDate = date(at)
                    for index in watches.indices { apply(watches[index].advance(to: atDate), target: index) }
                    var answered = false
                    var retryAfter: Duration?
                    var nextChange: Duration?
                    for (target, result) in answers where !watches[target].isFinished {
                        switch result {
                        case .success(let polled):
                            answered = true
                            apply(
                                watches[target].record(
                                    polled.observations, notices: polled.notices, from: id, at: atDate),
                                target: target)
                            if let hint = polled.retryAfter { retryAfter = max(retryAfter ?? hint, hint) }
                            if let hint = polled.nextChangeAfter { nextChange = min(nextChange ?? hint, hint) }
                        case .failure(let error) where error.code == "cancelled" && Task.isCancelled:
                            continue
                        case .failure(let error):
                            apply(watches[target].recordFailure(error, from: id, at: atDate), target: target)
                            if let hint = error.retryAfter { retryAfter = max(retryAfter ?? hint, hint) }
                        }
                    }
                    let lastChange = watches.compactMap { $0.timeline.last?.at }.max() ?? startedAt
                    let outcome: PollOutcome =
                        answered
                        ? .answered(retryAfter: retryAfter, nextChangeAfter: nextChange)
                        : .failed(retryAfter: retryAfter)
                    slot.nextPoll = at.advanced(
                        by: slot.schedule.delay(after: outcome, at: atDate, lastStageChange: lastChange))
                    slots[id] = slot
                }
            }
            group.cancelAll()
        }
        let end = date(clock.now)
        continuation.finish()
        return watches.map {
            $0.result ?? WatchResult(outcome: .interrupted, stage: nil, detail: nil, at: end, timeline: $0.timeline)
        }
    }

    /// One poll of `due`: a batch when the kind has one, else each instance at once.
    private static func poll(
        _ due: [(Int, any Provider)], batch: RegisteredProvider.BatchPoller?, memory: BatchMemory,
        _ context: PollContext
    ) async -> Answers {
        if let batch {
            let results = await batch(due.map(\.1), memory, context)
            return zip(due.map(\.0), results).map { ($0, $1) }
        }
        let results = await pollEach(due.map(\.1), context)
        return zip(due.map(\.0), results).map { ($0, $1) }
    }
}
