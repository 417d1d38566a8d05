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

/// One program run to its end within bounds, through swift-subprocess: the one runner behind every
/// child process a provider starts (gcloud for the token fallback and `vertex-gcloud`, a `command`
/// provider's program). Each caller says what it reads of the two streams (`Stream`); the rest is
/// here, once:
///
/// - The program leads a process group of its own (`setpgid(0, 0)` at spawn), so that everything it
///   starts can be stopped with it. When it ends by itself, whatever it left running in its group is
///   killed too. "No child left behind" holds for every child that stays in the group; a program that
///   moves a child to a session of its own (`setsid`, a daemon) takes it out of reach on purpose.
/// - Standard input is empty (`/dev/null`): nothing can prompt and wait for an answer.
/// - Both pipes are read concurrently, to their end, so a program that fills one while we wait on the
///   other cannot deadlock. The run returns only once both are read and the program has exited.
/// - A program past its `timeLimit` (the whole run, or silence on stdout) is stopped: SIGKILL to its
///   group, or with a `terminationGrace`, SIGTERM first and SIGKILL that much later if anything of it
///   is still there; the run throws `.timedOut`.
/// - A reader that throws `Failure.tooMuchOutput` kills the group at once; the run throws that.
/// - Cancelling the awaiting task kills the group at once (SIGKILL) and throws `.cancelled`; a task
///   cancelled before the run starts nothing.
/// - Everything is awaited: no thread of Swift's cooperative pool is held while the program runs, and
///   no lock is held across an `await`. Real time (`ContinuousClock`): the limit guards against a real
///   program that hangs.
///
/// ```swift
/// let process = BoundedProcess(.path("/bin/sh"), arguments: ["-c", "echo hi"], environment: [:],
///                              timeLimit: .run(.seconds(5)))
/// let outcome = try await process.run(
///     standardOutput: { try await $0.collect(limit: 1 << 20) },
///     standardError: { try await $0.tail(keeping: 4096) })
/// ```
package struct BoundedProcess: Sendable {
    /// Which program to start.
    package enum Program: Sendable, Equatable {
        /// A file, by its path (a relative one is resolved by the caller, see `workingDirectory`).
        case path(String)
        /// A name looked up on the `PATH`.
        case name(String)
    }

    /// How long the program may run.
    package enum TimeLimit: Sendable, Equatable {
        /// The whole run may last this long.
        case run(Duration)
        /// The program may go this long without a stdout line (read through `Stream.forEachLine`): a
        /// streaming program, healthy while it prints at least that often.
        case silence(Duration)
    }

    /// Why a run did not end by itself.
    package enum Failure: Error, Sendable, Equatable {
        /// The program could not be started: not found, not executable, bad working directory.
        case notStarted(String)
        /// The program outlived its time limit and was stopped.
        case timedOut
        /// Its output could not be read (a line longer than the limit, a read error).
        case unreadable(String)
        /// The awaiting task was cancelled; the program was killed.
        case cancelled
        /// A reader found more output than it allows and the program was killed; the text names the
        /// limit.
        case tooMuchOutput(String)
    }

    /// How a run that was not stopped ended, and what its readers returned.
    package struct Outcome<StandardOutput: Sendable, StandardError: Sendable>: Sendable {
        /// The exit status, or the signal's number when `signalled`.
        package var status: Int32
        /// Whether a signal ended the program.
        package var signalled: Bool
        package var standardOutput: StandardOutput
        package var standardError: StandardError

        package init(status: Int32, signalled: Bool, standardOutput: StandardOutput, standardError: StandardError) {
            self.status = status
            self.signalled = signalled
            self.standardOutput = standardOutput
            self.standardError = standardError
        }
    }

    package var program: Program
    package var arguments: [String]
    /// The program's whole environment (nothing of launchwatch's own is inherited).
    package var environment: [String: String]
    /// Where the program runs; nil: launchwatch's own working directory.
    package var workingDirectory: String?
    package var timeLimit: TimeLimit
    /// At the time limit: nil, SIGKILL to the group at once; a duration, SIGTERM to the group first,
    /// SIGKILL this much later. A program that ignores SIGTERM (a child inherits ignored signals, and
    /// `launchwatch run` ignores SIGTERM) is ended by the SIGKILL: keep the grace short.
    package var terminationGrace: Duration?

    package init(
        _ program: Program, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        timeLimit: TimeLimit, terminationGrace: Duration? = nil
    ) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeLimit = timeLimit
        self.terminationGrace = terminationGrace
    }

    /// Runs the program to its end: `standardOutput` and `standardError` read the two streams
    /// concurrently, and what they return is the outcome's. `onStart` gets the process group's id as
    /// soon as the program runs (an owner that outlives the run can kill the group with it).
    package func run<StandardOutput: Sendable, StandardError: Sendable>(
        onStart: @escaping @Sendable (pid_t) -> Void = { _ in },
        standardOutput: @escaping @Sendable (Stream) async throws -> StandardOutput,
        standardError: @escaping @Sendable (Stream) async throws -> StandardError
    ) async throws(Failure) -> Outcome<StandardOutput, StandardError> {
        if Task.isCancelled { throw .cancelled }
        let executable: Executable =
            switch program {
            case .path(let path): .path(FilePath(path))
            case .name(let name): .name(name)
            }
        var options = PlatformOptions()
        options.processGroupID = 0
        // When the body throws or the run is cancelled, swift-subprocess tears the program down; by then
        // the watchdog or the cancellation has already signalled the group, so one last SIGKILL to the
        // whole group is all it needs.
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .zero)]
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { variables[key] = value }
        }
        let group = ProcessGroup()
        // Set before the group is signalled: the readers may end (the pipes closed) before the
        // watchdog's or a reader's throw reaches the body, and the run must still count as timed out
        // (or as too much output).
        let timedOut = Shared(false)
        let overflowed = Shared<String?>(nil)
        let timeLimit = timeLimit
        let terminationGrace = terminationGrace
        let result: ExecutionResult<Captured<StandardOutput, StandardError>, SequenceOutput, SequenceOutput>
        do {
            result = try await withTaskCancellationHandler {
                try await Subprocess.run(
                    executable, arguments: Arguments(arguments), environment: .custom(variables),
                    workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options, input: .none,
                    output: .sequence, error: .sequence
                ) { execution in
                    let pid = execution.processIdentifier.value
                    group.started(pid)
                    onStart(pid)
                    // Cancelled while it was being started: the handler found no group to kill then.
                    if Task.isCancelled { group.killAll() }
                    let clock = ContinuousClock()
                    let lastLine = Shared(clock.now)
                    return try await withThrowingTaskGroup(of: Reader<StandardOutput, StandardError>.self) { tasks in
                        tasks.addTask {
                            let stream = Stream(sequence: execution.standardOutput, lastLine: lastLine)
                            return .standardOutput(
                                try await Self.killingOnOverflow(group, overflowed) { try await standardOutput(stream) }
                            )
                        }
                        tasks.addTask {
                            let stream = Stream(sequence: execution.standardError, lastLine: nil)
                            return .standardError(
                                try await Self.killingOnOverflow(group, overflowed) { try await standardError(stream) })
                        }
                        tasks.addTask {
                            let started = clock.now
                            while true {
                                let due =
                                    switch timeLimit {
                                    case .run(let limit): started.advanced(by: limit)
                                    case .silence(let limit): lastLine.value.advanced(by: limit)
                                    }
                                if clock.now >= due { break }
                                try await clock.sleep(until: due)
                            }
                            timedOut.set(true)
                            if let terminationGrace {
                                group.signal(SIGTERM)
                                try? await clock.sleep(until: clock.now.advanced(by: terminationGrace))
                            }
                            // The readers end only when the pipes close: whatever of the group is still
                            // there (the leader, or a child holding the pipes) goes now.
                            group.killAll()
                            throw Failure.timedOut
                        }
                        var captured = Captured<StandardOutput, StandardError>()
                        var readersLeft = 2
                        while readersLeft > 0, let reader = try await tasks.next() {
                            switch reader {
                            case .standardOutput(let value): captured.standardOutput = value
                            case .standardError(let value): captured.standardError = value
                            }
                            readersLeft -= 1
                        }
                        tasks.cancelAll()
                        return captured
                    }
                }
            } onCancel: {
                group.killAll()
            }
        } catch let failure as Failure {
            group.killAll()
            throw failure
        } catch _ where timedOut.value {
            group.killAll()
            throw .timedOut
        } catch _ where overflowed.value != nil {
            group.killAll()
            throw .tooMuchOutput(overflowed.value ?? "")
        } catch let error as SubprocessError {
            group.killAll()
            if Task.isCancelled { throw .cancelled }
            switch error.code {
            case .executableNotFound, .spawnFailed, .failedToChangeWorkingDirectory:
                throw .notStarted(error.description)
            default:
                throw .unreadable(error.description)
            }
        } catch {
            group.killAll()
            if Task.isCancelled || error is CancellationError { throw .cancelled }
            throw .unreadable("\(error)")
        }
        // Whatever the program left running in its group goes with it.
        group.killAll()
        if timedOut.value { throw .timedOut }
        if Task.isCancelled { throw .cancelled }
        let captured = result.closureResult
        guard let standardOutput = captured.standardOutput, let standardError = captured.standardError else {
            throw .unreadable("the program's output was not read to its end")
        }
        switch result.terminationStatus {
        case .exited(let code):
            return Outcome(
                status: code, signalled: false, standardOutput: standardOutput, standardError: standardError)
        case .signaled(let signal):
            return Outcome(
                status: signal, signalled: true, standardOutput: standardOutput, standardError: standardError)
        }
    }
}

extension BoundedProcess {
    /// Runs a reader; when it finds too much output, the group is killed before the failure ends the
    /// run, and the limit is kept for the run's error.
    fileprivate static func killingOnOverflow<Value>(
        _ group: ProcessGroup, _ overflowed: Shared<String?>, _ read: () async throws -> Value
    ) async throws -> Value {
        do {
            return try await read()
        } catch Failure.tooMuchOutput(let limit) {
            overflowed.set(limit)
            group.killAll()
            throw Failure.tooMuchOutput(limit)
        }
    }
}

/// What the two readers returned, once each has.
private struct Captured<StandardOutput: Sendable, StandardError: Sendable>: Sendable {
    var standardOutput: StandardOutput?
    var standardError: StandardError?
}

/// One reader's result, in the run's task group (the watchdog only ever throws).
private enum Reader<StandardOutput: Sendable, StandardError: Sendable>: Sendable {
    case standardOutput(StandardOutput)
    case standardError(StandardError)
}

/// A value the run's tasks share.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    var value: Value { mutex.withLock { $0 } }

    func set(_ value: Value) { mutex.withLock { $0 = value } }
}
