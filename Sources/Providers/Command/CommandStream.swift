import Foundation
import LaunchWatchChildProcess
import LaunchWatchCore
import Synchronization

/// `stream` mode's running program: started by a poll, restarted after a backoff when it ends, and
/// killed (its whole process group) when the provider instance is released — at the end of the watch,
/// or when the facts its configuration uses change and a new instance takes over.
///
/// The program's lines are kept until the next poll collects them, at most
/// `StreamBuffer.maximumItems`: past that the oldest are dropped (a stream repeats the current
/// status, so the newest lines are the ones that matter) and the next poll reports how many, as an
/// error naming the limit. The reading runs in a task of its
/// own, started by `poll` (not by an initialiser): it must outlive one poll, and its owner cancels it
/// and kills the group in `deinit`, since a provider has no other end of life.
final class CommandStream: Sendable {
    private let buffer = StreamBuffer()

    deinit {
        buffer.stop()
    }

    /// Starts the program when none runs and its restart is due, and hands over what it printed
    /// since the last poll: the observations up to the first error, or that error.
    func poll(_ provider: CommandOutput, process: CommandProcess, now: Date) throws -> PollResult {
        buffer.startIfDue(provider, process: process, now: now)
        return try buffer.collect(provider)
    }

    /// Returns once the program has printed a line or ended since the last call (for tests: they
    /// await what the program does instead of sleeping).
    func activity() async {
        await buffer.activity()
    }

    /// Whether a run of the program is going on (for tests).
    var isRunning: Bool { buffer.isRunning }
}

/// The state a stream's reading task and its polls share.
final class StreamBuffer: Sendable {
    private enum Item: Sendable {
        case observation(Observation, retryAfter: Duration?)
        case error(ProviderError)
    }

    private struct State: Sendable {
        var items: [Item] = []
        var task: Task<Void, Never>?
        var group: ProcessGroup?
        var running = false
        /// The last run ended; the next poll decides when to start another.
        var ended = false
        var restartAt: Date?
        /// Runs in a row that ended without a valid line: the backoff doubles with each.
        var fruitlessRuns = 0
        var runPrintedLine = false
        var lineNumber = 0
        /// Items dropped since the last poll, the buffer being full.
        var dropped = 0
        var stopped = false
        var changed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// The most lines (observations and errors) kept between two polls: a poll every 30s of a
    /// stream that prints every second holds 30; 1,000 is a program printing far faster than it is
    /// read, whose oldest lines are not worth unbounded memory.
    static let maximumItems = 1000

    /// The delay before the next start after `fruitlessRuns` runs in a row that printed no valid line.
    static func backoff(afterFruitlessRuns runs: Int) -> Duration {
        .seconds(min(60, 1 << min(runs, 6)))
    }

    func startIfDue(_ provider: CommandOutput, process: CommandProcess, now: Date) {
        let start = state.withLock { state -> Bool in
            guard !state.running, !state.stopped else { return false }
            if state.ended {
                state.ended = false
                state.fruitlessRuns = state.runPrintedLine ? 0 : state.fruitlessRuns + 1
                let delay = Self.backoff(afterFruitlessRuns: max(0, state.fruitlessRuns - 1))
                state.restartAt = now.addingTimeInterval(delay.seconds)
            }
            if let restartAt = state.restartAt, now < restartAt { return false }
            state.running = true
            state.runPrintedLine = false
            state.lineNumber = 0
            return true
        }
        guard start else { return }
        let group = ProcessGroup()
        let task = Task { [self] in
            let outcome: Result<CommandProcess.Outcome, CommandProcess.Failure>
            do throws(CommandProcess.Failure) {
                outcome = .success(
                    try await process.run(onStart: { group.started($0) }, onLine: { self.line($0, provider) }))
            } catch {
                outcome = .failure(error)
            }
            self.ended(outcome, provider)
        }
        let stopped = state.withLock { state in
            state.task = task
            state.group = group
            return state.stopped
        }
        if stopped { task.cancel() }
    }

    /// Observations up to the first error; or that error, when it comes first; or, when lines were
    /// dropped since the last poll (the buffer was full), the error saying so.
    func collect(_ provider: CommandOutput) throws(ProviderError) -> PollResult {
        let taken = state.withLock { state -> Result<[Item], ProviderError> in
            if state.dropped > 0 {
                let dropped = state.dropped
                state.dropped = 0
                return .failure(provider.overflowError(dropped: dropped, kept: Self.maximumItems))
            }
            if case .error(let error) = state.items.first {
                state.items.removeFirst()
                return .failure(error)
            }
            let count = state.items.firstIndex { if case .error = $0 { true } else { false } } ?? state.items.count
            let taken = Array(state.items.prefix(count))
            state.items.removeFirst(count)
            return .success(taken)
        }
        var observations: [Observation] = []
        var retryAfter: Duration?
        for item in try taken.get() {
            if case .observation(let observation, let wait) = item {
                observations.append(observation)
                if let wait { retryAfter = max(retryAfter ?? wait, wait) }
            }
        }
        return PollResult(observations, retryAfter: retryAfter)
    }

    private func line(_ text: String, _ provider: CommandOutput) {
        let number = state.withLock { state -> Int? in
            state.lineNumber += 1
            return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : state.lineNumber
        }
        guard let number else { return }
        let item: Item
        do {
            let read = try provider.readLine(text, number: number)
            item = .observation(read.observation, retryAfter: read.retryAfter)
        } catch {
            item = .error(error)
        }
        append(item, printedLine: { if case .observation = item { true } else { false } }())
    }

    private func ended(_ outcome: Result<CommandProcess.Outcome, CommandProcess.Failure>, _ provider: CommandOutput) {
        var error: ProviderError?
        switch outcome {
        case .success(let ended) where ended.status == 0 && !ended.signalled:
            // A stream that ends well (its job is over) is started again, quietly.
            error = nil
        case .success(let ended):
            error = provider.exitError(ended)
        case .failure(.cancelled):
            error = nil
        case .failure(let failure):
            error = provider.failure(failure)
        }
        let waiters = state.withLock { state in
            if let error { state.items.append(.error(error)) }
            state.running = false
            state.ended = true
            state.task = nil
            state.group = nil
            return takeWaiters(&state)
        }
        for waiter in waiters { waiter.resume() }
    }

    private func append(_ item: Item, printedLine: Bool) {
        let waiters = state.withLock { state in
            if state.items.count >= Self.maximumItems {
                state.items.removeFirst()
                state.dropped += 1
            }
            state.items.append(item)
            if printedLine { state.runPrintedLine = true }
            return takeWaiters(&state)
        }
        for waiter in waiters { waiter.resume() }
    }

    private func takeWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        state.changed = true
        let waiters = state.waiters
        state.waiters = []
        if !waiters.isEmpty { state.changed = false }
        return waiters
    }

    var isRunning: Bool { state.withLock { $0.running } }

    func activity() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.changed {
                    state.changed = false
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Ends the stream for good: the reading task is cancelled and the process group killed now, not
    /// when the task gets to run.
    func stop() {
        let (task, group) = state.withLock { state in
            state.stopped = true
            return (state.task, state.group)
        }
        group?.killAll()
        task?.cancel()
    }
}
