import Foundation
import LaunchWatchCore
import Subprocess
import Synchronization

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs one program (gcloud) to its end through swift-subprocess and returns its exit status and what
/// it printed. Everything is awaited: no thread of Swift's cooperative pool is held while the program
/// runs, and no lock is held across an `await`.
///
/// - The program leads a process group of its own (`setpgid(0, 0)` at spawn), so that the children
///   gcloud's Python starts are stopped with it. When it ends by itself, whatever it left running in
///   its group is killed too.
/// - Both pipes are read concurrently, to their end, so a program that fills one while we wait on the
///   other cannot deadlock. Output is bounded: past `outputLimit` bytes on stdout the program is
///   killed and the run fails with `.tooMuchOutput`; of stderr only the last `keptErrorBytes` are kept
///   (it is read for an error message, never parsed whole).
/// - A program still running after `timeout` is stopped: SIGTERM to its group, then SIGKILL
///   `killGrace` later if anything of it is still there, and the run throws `.timedOut`. A program
///   that ignores SIGTERM (a child inherits ignored signals, and `launchwatch run` ignores SIGTERM)
///   is ended by the SIGKILL: the grace is short.
/// - Cancelling the awaiting task kills the program's group at once (SIGKILL) and throws `.cancelled`.
/// - Real time (`ContinuousClock`): the limit guards against a real program that hangs.
package struct ChildProcess: Sendable {
    /// How a run that was not stopped ended.
    package struct Output: Sendable {
        /// The exit status, or the signal's number when `signalled`.
        package var status: Int32
        /// Whether a signal ended the program.
        package var signalled: Bool
        package var stdout: Data
        /// The end of what it printed on stderr (at most `keptErrorBytes`).
        package var stderr: Data
    }

    package enum Failure: Error, Sendable, Equatable {
        /// The program could not be started (not found, not executable); the reason says why.
        case notStarted(String)
        /// The program outlived `timeout` and was stopped.
        case timedOut
        /// The awaiting task was cancelled; the program was stopped.
        case cancelled
        /// The program printed more than `outputLimit` bytes on stdout and was killed.
        case tooMuchOutput(limit: Int)
        /// Its output could not be read.
        case unreadable(String)
    }

    package var executable: String
    package var arguments: [String]
    package var environment: [String: String]
    package var timeout: Duration
    /// How long a program gets to end after SIGTERM before it gets SIGKILL.
    package var killGrace: Duration = .seconds(1)
    /// The most stdout may hold. gcloud's JSON for a page of custom jobs is far smaller; the cap
    /// matches the one on HTTP response bodies.
    package var outputLimit = 16 << 20
    /// How much of the end of stderr is kept.
    package static let keptErrorBytes = 64 << 10

    package init(executable: String, arguments: [String], environment: [String: String], timeout: Duration) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.timeout = timeout
    }

    /// Runs the program and waits for it to end.
    package func run() async throws(Failure) -> Output {
        if Task.isCancelled { throw .cancelled }
        var options = PlatformOptions()
        options.processGroupID = 0
        // When the body throws, swift-subprocess tears the program down; by then the watchdog or the
        // cancellation has already sent SIGKILL to the group, so one last SIGKILL is all it needs.
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .zero)]
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { variables[key] = value }
        }
        let group = ChildProcessGroup()
        // Set before the program is signalled: the readers may end (the pipes closed) before the
        // watchdog's throw reaches the body, and the run must still count as timed out.
        let timedOut = ProviderMemory(false)
        let overflowed = ProviderMemory(false)
        let timeout = timeout
        let killGrace = killGrace
        let outputLimit = outputLimit
        let result: ExecutionResult<Captured, SequenceOutput, SequenceOutput>
        do {
            result = try await withTaskCancellationHandler {
                try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: .custom(variables),
                    platformOptions: options, input: .none, output: .sequence, error: .sequence
                ) { execution in
                    group.started(execution.processIdentifier.value)
                    // Cancelled while it was being started: the handler found no group to kill then.
                    if Task.isCancelled { group.signal(SIGKILL) }
                    return try await withThrowingTaskGroup(of: Reader.self) { tasks in
                        tasks.addTask {
                            var data = Data()
                            for try await chunk in execution.standardOutput {
                                chunk.withUnsafeBytes { data.append(contentsOf: $0) }
                                if data.count > outputLimit {
                                    overflowed.withLock { $0 = true }
                                    group.signal(SIGKILL)
                                    throw Failure.tooMuchOutput(limit: outputLimit)
                                }
                            }
                            return .stdout(data)
                        }
                        tasks.addTask {
                            var tail = Data()
                            for try await chunk in execution.standardError {
                                chunk.withUnsafeBytes { tail.append(contentsOf: $0) }
                                if tail.count > 2 * Self.keptErrorBytes {
                                    tail = Data(tail.suffix(Self.keptErrorBytes))
                                }
                            }
                            return .stderr(Data(tail.suffix(Self.keptErrorBytes)))
                        }
                        tasks.addTask {
                            let clock = ContinuousClock()
                            try await clock.sleep(until: clock.now.advanced(by: timeout))
                            timedOut.withLock { $0 = true }
                            group.signal(SIGTERM)
                            try? await clock.sleep(until: clock.now.advanced(by: killGrace))
                            // The readers end only when the pipes close: whatever of the group is still
                            // there (the leader, or a child holding the pipes) goes now.
                            group.signal(SIGKILL)
                            throw Failure.timedOut
                        }
                        var captured = Captured()
                        var readersLeft = 2
                        while readersLeft > 0, let reader = try await tasks.next() {
                            switch reader {
                            case .stdout(let data): captured.stdout = data
                            case .stderr(let data): captured.stderr = data
                            }
                            readersLeft -= 1
                        }
                        tasks.cancelAll()
                        return captured
                    }
                }
            } onCancel: {
                group.signal(SIGKILL)
            }
        } catch let failure as Failure {
            group.signal(SIGKILL)
            throw failure
        } catch _ where timedOut.value {
            group.signal(SIGKILL)
            throw .timedOut
        } catch _ where overflowed.value {
            group.signal(SIGKILL)
            throw .tooMuchOutput(limit: outputLimit)
        } catch let error as SubprocessError {
            group.signal(SIGKILL)
            if Task.isCancelled { throw .cancelled }
            switch error.code {
            case .executableNotFound, .spawnFailed, .failedToChangeWorkingDirectory:
                throw .notStarted(error.description)
            default:
                throw .unreadable(error.description)
            }
        } catch {
            group.signal(SIGKILL)
            if Task.isCancelled || error is CancellationError { throw .cancelled }
            throw .unreadable("\(error)")
        }
        // Whatever the program left running in its group goes with it.
        group.signal(SIGKILL)
        if timedOut.value { throw .timedOut }
        if Task.isCancelled { throw .cancelled }
        let captured = result.closureResult
        switch result.terminationStatus {
        case .exited(let code):
            return Output(status: code, signalled: false, stdout: captured.stdout, stderr: captured.stderr)
        case .signaled(let signal):
            return Output(status: signal, signalled: true, stdout: captured.stdout, stderr: captured.stderr)
        }
    }

    private struct Captured: Sendable {
        var stdout = Data()
        var stderr = Data()
    }

    private enum Reader: Sendable {
        case stdout(Data)
        case stderr(Data)
    }
}

/// The process group of one run, which may be signalled any number of times: a signal to a group
/// that is gone does nothing (`ESRCH`), and the group's id stays reserved while any member lives.
private final class ChildProcessGroup: Sendable {
    private let id = Mutex<pid_t?>(nil)

    func started(_ pid: pid_t) {
        id.withLock { $0 = pid }
    }

    func signal(_ number: Int32) {
        guard let pid = id.withLock({ $0 }), pid > 0 else { return }
        _ = kill(-pid, number)
    }
}
