#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The pure state machine that decides when each provider polls, for the 1…N targets of a run: the
/// scheduling half of the engine, beside `Watch` (which decides what the answers mean).
///
/// It has no clock, starts no task and does no I/O: every call takes `now` (an instant of the run's
/// clock), and the driver asks it for the polls to start (`duePolls(at:)`) and when to wake up
/// (`nextWakeup`). Tests call it directly, with instants they make.
///
/// Each provider has one `StandardSchedule` for the whole run; when it is due, every target that has
/// activated it, is still watching and knows the facts its configuration uses is polled together (one
/// poll, or one batch). Rules:
/// - A provider never polls concurrently with itself: a provider in flight is not due.
/// - A provider activated while no watching target had it active polls at once; a target that joins a
///   provider already polling for others joins its next poll.
/// - A target is polled only once it knows every fact its configuration uses; a provider waiting only
///   for facts does not wake the run (the answer that brings the fact does).
/// - After a poll, the schedule gives the delay from the combined answers: answered when any target
///   answered, failed when all failed; a backend's `retryAfter` is a floor (the longest of them); the
///   provider's `nextChangeAfter` brings the poll forward when some target's is sooner than the regular
///   interval; a failure's `nextPollAfter` replaces the backoff when every failure gave one.
/// - A provider that could not be created counts as a failed poll of that target (no hints): with no
///   target created, the provider backs off like any failing provider.
/// - The fast window (`fastAfterChange`) follows the latest stage any target reached and the latest
///   change of the statuses this provider reported for any target (the first answer is not a change).
/// - A stage reached brings forward the next poll of every other provider that is waiting, whose last
///   poll answered without a `retryAfter`, and whose fast window and budget allow it.
package struct PollPlanner<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// A poll to start: which provider, for which targets (in order), and what the schedule allows it
    /// (`PollContext.requestsPerMinute`).
    package struct Poll: Sendable, Hashable {
        package var provider: String
        package var targets: [Int]
        package var requestsPerMinute: Int
    }

    /// How one target's part of a poll ended, as far as scheduling cares.
    package enum Answer: Sendable, Hashable {
        /// The provider answered with these raw statuses and hints.
        case answered(statuses: [String] = [], retryAfter: Duration? = nil, nextChangeAfter: Duration? = nil)
        /// The poll failed, with the backend's and the provider's hints.
        case failed(retryAfter: Duration? = nil, nextPollAfter: Duration? = nil)
        /// The provider instance could not be created for this target (a configuration error).
        case notCreated
    }

    /// One provider, for every target.
    private struct Slot: Sendable {
        var schedule: StandardSchedule
        /// Per target: the facts its configuration uses.
        var requiredFacts: [Set<String>]
        var active: [Bool]
        /// How many watching targets have it active.
        var pending = 0
        /// Per target: the statuses of its last answer.
        var lastStatuses: [[String]]
        var lastStatusChange: Date?
        var inFlight = false
        /// `nil` until the provider is first activated.
        var nextPoll: Instant?
        /// The last poll answered without a backend's request to wait: a stage change may bring the
        /// next one forward.
        var mayExpedite = false
    }

    private let time: RunTime<Instant>
    /// The ids of the providers, in the order they are looked at (sorted, as polls start in that order).
    private let order: [String]
    private var slots: [String: Slot] = [:]
    private var finished: [Bool]
    private var knownFacts: [Set<String>]
    private var lastStageChange: Date

    /// - Parameters:
    ///   - pipelines: one per target; the provider ids and schedules are the first one's, each target's
    ///     own spec says which facts its configuration uses.
    ///   - startedAt: the watch's start, the first "last change" of the fast window.
    ///   - time: the run's instants and the dates the schedule sees.
    ///   - seed: seeds each provider's backoff jitter (`seed + index`).
    package init(pipelines: [Pipeline], startedAt: Date, time: RunTime<Instant>, seed: UInt64) {
        self.time = time
        finished = Array(repeating: false, count: pipelines.count)
        knownFacts = Array(repeating: [], count: pipelines.count)
        lastStageChange = startedAt
        let providers = pipelines.first?.providers ?? []
        for (index, spec) in providers.enumerated() {
            let required = pipelines.map { pipeline in
                pipeline.providers.first { $0.id == spec.id }?.requiredFacts ?? spec.requiredFacts
            }
            slots[spec.id] = Slot(
                schedule: StandardSchedule(spec.schedule, seed: seed &+ UInt64(index)), requiredFacts: required,
                active: Array(repeating: false, count: pipelines.count),
                lastStatuses: Array(repeating: [], count: pipelines.count))
        }
        order = slots.keys.sorted()
    }

    // MARK: What the watches report

    /// `provider` became active for `target`.
    package mutating func activate(_ provider: String, target: Int, at now: Instant) {
        guard var slot = slots[provider], slot.active.indices.contains(target), !slot.active[target] else { return }
        slot.active[target] = true
        if !finished[target] {
            if slot.pending == 0 { slot.nextPoll = now }
            slot.pending += 1
        }
        slots[provider] = slot
    }

    /// `target` now knows these facts.
    package mutating func learned(facts: some Sequence<String>, target: Int) {
        guard knownFacts.indices.contains(target) else { return }
        knownFacts[target].formUnion(facts)
    }

    /// `target`'s watch ended: it is polled no more.
    package mutating func finish(target: Int) {
        guard finished.indices.contains(target), !finished[target] else { return }
        finished[target] = true
        for id in order where slots[id]?.active[target] == true {
            slots[id]?.pending -= 1
        }
    }

    /// `target` reached a stage at `now`: the fast windows open, and waiting providers may poll sooner.
    package mutating func stageReached(target: Int, at now: Instant) {
        let date = time.date(now)
        lastStageChange = max(lastStageChange, date)
        for id in order {
            guard var slot = slots[id], slot.pending > 0, !slot.inFlight, slot.mayExpedite, let planned = slot.nextPoll,
                let delay = slot.schedule.expeditedDelay(at: date, lastChange: lastStageChange)
            else { continue }
            let sooner = now.advanced(by: delay)
            if sooner < planned {
                slot.nextPoll = sooner
                slots[id] = slot
            }
        }
    }

    // MARK: Polls

    /// The polls to start now, in provider id order; each is in flight until `completed(_:answers:at:)`.
    package mutating func duePolls(at now: Instant) -> [Poll] {
        var polls: [Poll] = []
        for id in order {
            guard var slot = slots[id], !slot.inFlight, let due = slot.nextPoll, due <= now else { continue }
            let targets = readyTargets(slot)
            guard !targets.isEmpty else { continue }
            slot.inFlight = true
            slots[id] = slot
            polls.append(
                Poll(provider: id, targets: targets, requestsPerMinute: slot.schedule.configuration.budgetPerMinute))
        }
        return polls
    }

    /// The poll of `provider` ended at `now` with these answers (targets whose answer no longer
    /// matters, such as finished ones, may be left out): schedules its next poll.
    package mutating func completed(_ provider: String, answers: [(target: Int, answer: Answer)], at now: Instant) {
        guard var slot = slots[provider] else { return }
        slot.inFlight = false
        let date = time.date(now)
        var answered = false
        var retryAfter: Duration?
        var nextChanges: [Duration?] = []
        var nextPolls: [Duration?] = []
        for (target, answer) in answers {
            switch answer {
            case .answered(let statuses, let retry, let nextChange):
                answered = true
                if let retry { retryAfter = max(retryAfter ?? retry, retry) }
                nextChanges.append(nextChange)
                if slot.lastStatuses.indices.contains(target), !statuses.isEmpty, statuses != slot.lastStatuses[target]
                {
                    // The first answer is what was there already, not a change.
                    if !slot.lastStatuses[target].isEmpty { slot.lastStatusChange = date }
                    slot.lastStatuses[target] = statuses
                }
            case .failed(let retry, let nextPoll):
                if let retry { retryAfter = max(retryAfter ?? retry, retry) }
                nextPolls.append(nextPoll)
            case .notCreated:
                nextPolls.append(nil)
            }
        }
        let lastChange = max(lastStageChange, slot.lastStatusChange ?? lastStageChange)
        let outcome: PollOutcome
        if answered || answers.isEmpty {
            // Some target wants to be asked again sooner than the regular interval: ask all of them then.
            var nextChange = nextChanges.compactMap { $0 }.min()
            if let soonest = nextChange, nextChanges.contains(nil),
                soonest >= slot.schedule.regularInterval(at: date, lastStageChange: lastChange)
            {
                nextChange = nil
            }
            outcome = .answered(retryAfter: retryAfter, nextChangeAfter: nextChange)
        } else {
            // A failure without a hint backs off: the provider's knowledge of another target does not
            // make a failing backend safe to ask sooner.
            let nextPoll = nextPolls.contains(nil) ? nil : nextPolls.compactMap { $0 }.min()
            outcome = .failed(retryAfter: retryAfter, nextPollAfter: nextPoll)
        }
        slot.mayExpedite = answered && retryAfter == nil
        slot.nextPoll = now.advanced(by: slot.schedule.delay(after: outcome, at: date, lastStageChange: lastChange))
        slots[provider] = slot
    }

    /// When the next poll is due, if any provider waits for one; `nil` when none does (all in flight,
    /// inactive, or waiting for facts).
    package var nextWakeup: Instant? {
        order.compactMap { id -> Instant? in
            guard let slot = slots[id], !slot.inFlight, let due = slot.nextPoll, hasReadyTarget(slot) else {
                return nil
            }
            return due
        }.min()
    }

    /// When `provider` is next due (`nil` before its first activation). For tests and diagnostics.
    package func nextPoll(of provider: String) -> Instant? { slots[provider]?.nextPoll }

    // MARK: Helpers

    /// Whether a poll of `slot` would ask `target` now.
    private func isReady(_ target: Int, _ slot: Slot) -> Bool {
        slot.active[target] && !finished[target] && slot.requiredFacts[target].isSubset(of: knownFacts[target])
    }

    /// The targets a poll of `slot` would ask now.
    private func readyTargets(_ slot: Slot) -> [Int] {
        guard slot.pending > 0 else { return [] }
        return slot.active.indices.filter { isReady($0, slot) }
    }

    private func hasReadyTarget(_ slot: Slot) -> Bool {
        slot.pending > 0 && slot.active.indices.contains { isReady($0, slot) }
    }
}
