import Foundation
import LaunchWatchCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs one program to its end and returns its exit status and everything it printed, without
/// holding a thread of Swift's cooperative pool: the pipes are drained by Dispatch, the end is
/// reported by `Process`'s termination handler.
///
/// - Both pipes are read concurrently, to their end, so a program that fills one while we wait on
///   the other cannot deadlock.
/// - A program still running after `timeout` is stopped: SIGTERM, then SIGKILL `killGrace` later if it
///   is still there. Signals go to its process group (Foundation starts the child as the leader of a
///   group of its own on Linux), so the children gcloud's Python starts go with it; where the child
///   leads no group, only the child is signalled. A child started from Swift's threads inherits
///   their blocked signals (and a parent that ignores SIGTERM, as `launchwatch run` does, passes that
///   on), so it is the SIGKILL that ends most programs, gcloud included: the grace is short.
/// - Cancelling the awaiting task kills the program and its group at once (SIGKILL) and throws
///   `.cancelled`.
/// - A stopped run returns at once, without waiting for the program to die: the signals follow on
///   their own, so that a timeout costs `timeout` and a cancellation nothing.
struct ChildProcess: Sendable {
    struct Output: Sendable {
        /// The exit status, or the signal's number when `signalled`.
        var status: Int32
        /// Whether a signal ended the program.
        var signalled: Bool
        var stdout: Data
        var stderr: Data
    }

    enum Failure: Error, Sendable, Equatable {
        /// The program could not be started (not found, not executable); the reason says why.
        case notStarted(String)
        /// The program outlived `timeout` and was stopped.
        case timedOut
        /// The awaiting task was cancelled; the program was stopped.
        case cancelled
    }

    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var timeout: Duration
    /// How long a program gets to end after SIGTERM before it gets SIGKILL.
    var killGrace: Duration = .seconds(1)

    /// Runs the program and waits for it to end.
    func run() async throws(Failure) -> Output {
        let supervisor = Supervisor(self)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in supervisor.start(continuation) }
        } onCancel: {
            supervisor.stop(because: .cancelled)
        }
        return try result.get()
    }
}

/// One run of a `ChildProcess`: the process, what it printed so far, and the one continuation to
/// resume, which every path (exit, timeout, cancellation, failure to start) resumes exactly once.
private final class Supervisor: Sendable {
    typealias Continuation = CheckedContinuation<Result<ChildProcess.Output, ChildProcess.Failure>, Never>

    private struct State: ~Copyable {
        var continuation: Continuation?
        var resumed = false
        var pid: pid_t?
        var exit: (status: Int32, signalled: Bool)?
        var stdout: Data?
        var stderr: Data?
        var stopReason: ChildProcess.Failure?
    }

    private let command: ChildProcess
    private let state = Mutex(State())

    init(_ command: ChildProcess) {
        self.command = command
    }

    func start(_ continuation: Continuation) {
        let stoppedEarly = state.withLock { state in
            state.continuation = continuation
            return state.stopReason != nil
        }
        // Cancelled before it began: nothing to start.
        if stoppedEarly { return settle() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        process.environment = command.environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [self] ended in
            let exit = (ended.terminationStatus, ended.terminationReason == .uncaughtSignal)
            state.withLock { $0.exit = exit }
            settle()
        }
        do {
            try ProcessStart.serialized { try process.run() }
        } catch {
            let reason = (error as NSError).localizedDescription
            return resume(with: .failure(.notStarted(reason)))
        }
        // A thread of its own per pipe: a blocking read on a Dispatch worker would hold up the
        // process's other Dispatch work (Linux adds workers only about once a second).
        for (pipe, isStdout) in [(stdout, true), (stderr, false)] {
            let handle = pipe.fileHandleForReading
            Thread { [self] in
                let data = (try? handle.readToEnd()) ?? Data()
                state.withLock {
                    if isStdout { $0.stdout = data } else { $0.stderr = data }
                }
                settle()
            }.start()
        }
        let pid = process.processIdentifier
        let stopRequested = state.withLock { state in
            state.pid = pid
            return state.stopReason != nil
        }
        // Once the run has settled, `stop` does nothing: the timer needs no cancelling, and holds the
        // supervisor (and the output) only weakly.
        DispatchQueue.global().asyncAfter(deadline: .now() + command.timeout.seconds) { [weak self] in
            self?.stop(because: .timedOut)
        }
        // Cancelled while it was being started: the pid was not known to `stop` then.
        if stopRequested { terminate(gracefully: false) }
    }

    /// Stops the program for `reason`, unless it has already ended (or been stopped).
    func stop(because reason: ChildProcess.Failure) {
        let first = state.withLock { state in
            guard !state.resumed, state.stopReason == nil else { return false }
            state.stopReason = reason
            return true
        }
        guard first else { return }
        terminate(gracefully: reason != .cancelled)
        settle()
    }

    /// SIGTERM now and SIGKILL after the grace period to whatever of the program is still there; or,
    /// not `gracefully` (the waiting task was cancelled: its program may be about to exit, leaving
    /// no one to send the SIGKILL), SIGKILL at once.
    private func terminate(gracefully: Bool) {
        guard let pid = state.withLock({ $0.pid }) else { return }
        guard gracefully else { return signal(pid, SIGKILL) }
        signal(pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + command.killGrace.seconds) { [self] in
            // The group may outlive its leader (a child holding the pipes): it is signalled until
            // both pipes have closed.
            let lingering = state.withLock { $0.exit == nil || $0.stdout == nil || $0.stderr == nil }
            if lingering { signal(pid, SIGKILL) }
        }
    }

    private func signal(_ pid: pid_t, _ number: Int32) {
        if kill(-pid, number) != 0 { _ = kill(pid, number) }
    }

    /// Resumes the continuation once the run's outcome is known: at once for a stopped program, when
    /// it has exited and its pipes are drained for the others.
    private func settle() {
        let outcome: Result<ChildProcess.Output, ChildProcess.Failure>? = state.withLock { state in
            guard state.continuation != nil, !state.resumed else { return nil }
            if let reason = state.stopReason { return .failure(reason) }
            guard let exit = state.exit, let stdout = state.stdout, let stderr = state.stderr else { return nil }
            return .success(.init(status: exit.status, signalled: exit.signalled, stdout: stdout, stderr: stderr))
        }
        if let outcome { resume(with: outcome) }
    }

    private func resume(with outcome: Result<ChildProcess.Output, ChildProcess.Failure>) {
        let continuation = state.withLock { state -> Continuation? in
            guard !state.resumed, let continuation = state.continuation else { return nil }
            state.resumed = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: outcome)
    }
}
