import Foundation

/// Runs one watch: polls every active provider on its own schedule, folds what they see into a
/// `Watch`, and delivers `WatchEvent`s through `events` until the watch ends.
///
/// - `run()` returns when the watch ends: on an outcome, at the deadline, or when its task is
///   cancelled (the result is then `interrupted`). `events` finishes right after the `.finished`
///   event, so a consumer loop ends by itself; no event is dropped (the stream is unbounded).
/// - Providers poll concurrently, one child task per poll; a provider never polls concurrently with
///   itself. A provider whose configuration uses a fact not yet known is not polled; it is created
///   (again) when the facts it uses change.
/// - All time comes from `clock`: tests pass a manual clock and never sleep. Dates in events are
///   `startedAt` plus the clock's elapsed time.
/// - Call `run()` once.
///
/// ```swift
/// let watcher = Watcher(pipeline: pipeline, clock: ContinuousClock())
/// async let result = watcher.run()
/// for await event in watcher.events { print(event) }
/// print(await result.outcome)
/// ```
public struct Watcher<C: Clock>: Sendable where C.Duration == Duration {
    public let pipeline: Pipeline
    public let events: AsyncStream<WatchEvent>
    private let continuation: AsyncStream<WatchEvent>.Continuation
    private let clock: C
    private let startedAt: Date
    private let environment: [String: String]
    private let randomSeed: UInt64

    /// - Parameters:
    ///   - startedAt: the wall-clock time of the start (`${launch.startedAt}` should be the same).
    ///   - randomSeed: seeds the backoff jitter; fixed in tests for repeatable delays.
    public init(
        pipeline: Pipeline, clock: C, startedAt: Date = Date(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        randomSeed: UInt64 = UInt64.random(in: 0...UInt64.max)
    ) {
        self.pipeline = pipeline
        self.clock = clock
        self.startedAt = startedAt
        self.environment = environment
        self.randomSeed = randomSeed
        (events, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .unbounded)
    }

    private typealias Message = RunLoopMessage<C, Result<PollResult, ProviderError>>

    /// One provider's place in the run loop.
    private struct Slot {
        var spec: ProviderSpec
        var schedule: StandardSchedule
        var active = false
        var instance: (any Provider)?
        var instanceConfiguration: JSONValue?
        var inFlight = false
        var nextPoll: C.Instant?
        var attempts = 0
        /// The statuses the last answer held, and when they last changed: a change this provider sees
        /// (JOB_STATE_PENDING, which reaches no stage) opens its fast window too.
        var lastStatuses: [String] = []
        var lastStatusChange: Date?
        /// The last poll answered without a backend's request to wait: a stage change elsewhere may
        /// bring this provider's next poll forward.
        var mayExpedite = false
    }

    /// A stage was just reached: every other provider whose fast window and budget allow it polls
    /// soon, since the next transition is likely close (adaptive schedules).
    private func expedite(
        _ slots: inout [String: Slot], except changed: String, after change: Date, at now: C.Instant, _ nowDate: Date
    ) {
        for id in slots.keys where id != changed {
            guard var slot = slots[id], slot.active, !slot.inFlight, slot.mayExpedite, let planned = slot.nextPoll,
                let delay = slot.schedule.expeditedDelay(at: nowDate, lastChange: change)
            else { continue }
            let sooner = now.advanced(by: delay)
            if sooner < planned {
                slot.nextPoll = sooner
                slots[id] = slot
            }
        }
    }

    /// Runs the watch to its end and returns how it ended.
    public func run() async -> WatchResult {
        let time = RunTime(clock: clock, startedAt: startedAt)
        var watch = Watch(pipeline: pipeline, startedAt: startedAt)
        var slots: [String: Slot] = [:]
        for (index, spec) in pipeline.providers.enumerated() {
            slots[spec.id] = Slot(
                spec: spec, schedule: StandardSchedule(spec.schedule, seed: randomSeed &+ UInt64(index)))
        }
        var timers = RunTimers<C>()
        let date = time.date
        func apply(_ actions: [Watch.Action]) {
            for action in actions {
                switch action {
                case .emit(let event):
                    continuation.yield(event)
                case .activate(let id):
                    slots[id]?.active = true
                    slots[id]?.nextPoll = clock.now
                }
            }
        }

        await withTaskGroup(of: Message.self) { group in
            RunTimers<C>.watchCancellation(in: &group)
            apply(watch.start(at: date(clock.now)))
            while !watch.isFinished {
                if Task.isCancelled {
                    apply(watch.interrupt(at: date(clock.now)))
                    break
                }
                let now = clock.now
                let nowDate = date(now)
                apply(watch.advance(to: nowDate))
                if watch.isFinished { break }
                var earliest = watch.nextWakeup.map(time.instant)
                for id in slots.keys.sorted() {
                    guard var slot = slots[id], slot.active, !slot.inFlight, let due = slot.nextPoll else { continue }
                    guard slot.spec.requiredFacts.isSubset(of: watch.facts.keys) else { continue }
                    if due > now {
                        earliest = earliest.map { min($0, due) } ?? due
                        continue
                    }
                    let configuration = slot.spec.configuration.substitutingFacts(watch.facts)
                    if slot.instance == nil || slot.instanceConfiguration != configuration {
                        switch slot.spec.makeProvider(
                            configuration: configuration, baseDirectory: pipeline.baseDirectory,
                            environment: environment, startedAt: startedAt)
                        {
                        case .success(let instance):
                            slot.instance = instance
                            slot.instanceConfiguration = configuration
                            slot.attempts = 0
                        case .failure(let failure):
                            apply(watch.recordFailure(failure, from: id, at: nowDate))
                            let delay = slot.schedule.delay(after: .failed(), at: nowDate, lastStageChange: nil)
                            let retry = now.advanced(by: delay)
                            slot.nextPoll = retry
                            slots[id] = slot
                            // The retry must wake the loop, or nothing would until the deadline.
                            earliest = earliest.map { min($0, retry) } ?? retry
                            continue
                        }
                    }
                    guard let provider = slot.instance else { continue }
                    slot.inFlight = true
                    let context = PollContext(
                        now: nowDate, startedAt: startedAt, attempt: slot.attempts, facts: watch.facts,
                        requestsPerMinute: slot.schedule.configuration.budgetPerMinute)
                    slot.attempts += 1
                    slots[id] = slot
                    let clock = self.clock
                    group.addTask {
                        let result = await provider.pollResult(context)
                        return .polled(provider: id, answer: result, at: clock.now)
                    }
                }
                if watch.isFinished { break }
                timers.wake(at: earliest, clock: clock, in: &group)
                guard let message = await group.next() else { break }
                switch message {
                case .timer(let fired):
                    timers.fired(fired)
                case .stopped:
                    continue
                case .polled(let id, let result, let at):
                    guard var slot = slots[id] else { continue }
                    slot.inFlight = false
                    let atDate = date(at)
                    // Time first: an answer that arrives after the deadline must not decide the outcome.
                    apply(watch.advance(to: atDate))
                    if watch.isFinished { continue }
                    let outcome: PollOutcome
                    let stagesBefore = watch.timeline.count
                    switch result {
                    case .success(let polled):
                        apply(watch.record(polled.observations, notices: polled.notices, from: id, at: atDate))
                        outcome = .answered(retryAfter: polled.retryAfter, nextChangeAfter: polled.nextChangeAfter)
                        let statuses = polled.observations.map(\.status)
                        if !statuses.isEmpty, statuses != slot.lastStatuses {
                            // The first answer is what was there already, not a change.
                            if !slot.lastStatuses.isEmpty { slot.lastStatusChange = atDate }
                            slot.lastStatuses = statuses
                        }
                        slot.mayExpedite = polled.retryAfter == nil
                    case .failure(let error) where error.code == "cancelled" && Task.isCancelled:
                        // Stopped by the interruption itself, not a failure of the provider.
                        slots[id] = slot
                        continue
                    case .failure(let error):
                        apply(watch.recordFailure(error, from: id, at: atDate))
                        outcome = .failed(retryAfter: error.retryAfter, nextPollAfter: error.nextPollAfter)
                        slot.mayExpedite = false
                    }
                    let stageChange = watch.timeline.last?.at ?? startedAt
                    let lastChange = max(stageChange, slot.lastStatusChange ?? stageChange)
                    let delay = slot.schedule.delay(after: outcome, at: atDate, lastStageChange: lastChange)
                    slot.nextPoll = at.advanced(by: delay)
                    slots[id] = slot
                    if watch.timeline.count > stagesBefore {
                        expedite(&slots, except: id, after: stageChange, at: at, atDate)
                    }
                }
            }
            group.cancelAll()
        }
        let result =
            watch.result
            ?? WatchResult(
                outcome: .interrupted, stage: nil, detail: nil, at: date(clock.now), timeline: watch.timeline)
        continuation.finish()
        return result
    }
}
