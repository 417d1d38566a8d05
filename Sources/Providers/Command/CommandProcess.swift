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

/// One run of a `command` provider's program, through swift-subprocess: each line it prints on stdout
/// is handed on as it comes, the last line it prints on stderr is kept for the error message.
///
/// - The program leads a process group of its own (`setpgid(0, 0)` at spawn), so that everything it
///   starts can be stopped with it: a timeout or a cancellation sends SIGKILL to the whole group at
///   once, and when the program ends by itself what it left running in its group is killed too.
///   "No child left behind" holds for every child that stays in the group; a program that moves a
///   child to a session of its own (`setsid`, a daemon) takes it out of reach on purpose.
/// - SIGKILL, not SIGTERM first: a status command holds no state worth saving, and a child started from
///   launchwatch's threads may have SIGTERM blocked or ignored (as `launchwatch run` ignores it).
/// - `timeout` is either the limit on the whole run (`poll` mode) or, with `limitsSilence`, the
///   longest time without a stdout line (`stream` mode, where a healthy program prints at least that
///   often).
/// - Real time (a `ContinuousClock`): the limit guards against a real program that hangs.
struct CommandProcess: Sendable {
    /// How a run that was not stopped ended.
    struct Outcome: Sendable, Equatable {
        /// The exit status, or the signal's number when `signalled`.
        var status: Int32
        var signalled: Bool
        /// The last non-empty line on stderr, if any.
        var lastErrorLine: String?
    }

    /// Why a run did not end by itself.
    enum Failure: Error, Sendable, Equatable {
        /// The program could not be started: not found, not executable, bad working directory.
        case notStarted(String)
        /// The program outlived `timeout` (or was silent for that long) and was killed.
        case timedOut
        /// Its output could not be read (a line longer than the limit, a read error).
        case unreadable(String)
        /// The waiting task was cancelled; the program was killed.
        case cancelled
        /// The program printed more than `outputLimit` allows in one run and was killed; the text
        /// names the limit.
        case tooMuchOutput(String)
    }

    /// The most one run may print on stdout (`poll` mode, where a run's lines are kept until it
    /// ends): past either limit the program is killed and the run is an error naming the limit.
    struct OutputLimit: Sendable, Equatable {
        var lines: Int
        var bytes: Int

        /// A poll prints the current status in a line or a few: 1,000 lines or 4 MiB is a program
        /// gone wrong (or printing a history), not one to keep in memory.
        static let poll = OutputLimit(lines: 1000, bytes: 4 << 20)
    }

    var argv: [String]
    var environment: [String: String]
    var workingDirectory: URL
    var timeout: Duration
    var limitsSilence = false
    /// The longest stdout line read; a longer one is an error rather than unbounded memory.
    var maximumLineLength = 1 << 20
    /// The limit on a whole run's stdout; `nil` in `stream` mode, whose lines are handed on as they
    /// come (and whose buffer between polls is bounded by `StreamBuffer`).
    var outputLimit: OutputLimit?
    /// How much of the end of stderr is kept: only its last line is used (in the error of a
    /// non-zero exit), so stderr is read as bytes, never as lines, and no stderr line however long
    /// fails the run or grows memory.
    static let keptErrorBytes = 4096

    /// Runs the program to its end, handing each stdout line to `onLine` in order.
    ///
    /// - `onStart` gets the process group's id as soon as the program runs (`stream` mode's owner
    ///   kills that group when it is released).
    func run(
        onStart: @escaping @Sendable (pid_t) -> Void = { _ in },
        onLine: @escaping @Sendable (String) -> Void
    ) async throws(Failure) -> Outcome {
        guard let program = argv.first, !program.isEmpty else { throw .notStarted("run is empty") }
        let executable: Executable
        if program.contains("/") {
            let url =
                program.hasPrefix("/")
                ? URL(fileURLWithPath: program) : workingDirectory.appendingPathComponent(program)
            executable = .path(FilePath(url.path))
        } else {
            executable = .name(program)
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        // When the body throws or the run is cancelled, swift-subprocess tears the program down: its
        // last (and only) step is SIGKILL to the whole group.
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .zero)]
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { variables[key] = value }
        }
        let group = ProcessGroup()
        // Set before the kill: the readers may end (the pipes closed) before the watchdog's throw
        // reaches the group, and the run must still count as timed out.
        let timedOut = ProviderMemory(false)
        let timeout = timeout
        let limitsSilence = limitsSilence
        let maximumLineLength = maximumLineLength
        let outputLimit = outputLimit
        let overflowed = ProviderMemory<String?>(nil)
        let result: ExecutionResult<String?, SequenceOutput, SequenceOutput>
        do {
            result = try await withTaskCancellationHandler {
                try await Subprocess.run(
                    executable, arguments: Arguments(Array(argv.dropFirst())), environment: .custom(variables),
                    workingDirectory: FilePath(workingDirectory.path), platformOptions: options, input: .none,
                    output: .sequence, error: .sequence
                ) { execution in
                    let pid = execution.processIdentifier.value
                    group.started(pid)
                    onStart(pid)
                    let clock = ContinuousClock()
                    let lastLine = ProviderMemory(clock.now)
                    return try await withThrowingTaskGroup(of: Reader.self) { tasks in
                        tasks.addTask {
                            let lines = execution.standardOutput.strings(
                                bufferingPolicy: .maxLineLength(maximumLineLength))
                            var count = 0
                            var bytes = 0
                            for try await line in lines {
                                lastLine.withLock { $0 = clock.now }
                                count += 1
                                bytes += line.utf8.count + 1
                                if let outputLimit, count > outputLimit.lines || bytes > outputLimit.bytes {
                                    let limit =
                                        count > outputLimit.lines
                                        ? "\(outputLimit.lines) lines" : "\(outputLimit.bytes / (1 << 20)) MiB"
                                    overflowed.withLock { $0 = limit }
                                    group.killAll()
                                    throw Failure.tooMuchOutput(limit)
                                }
                                onLine(line)
                            }
                            return .stdout
                        }
                        tasks.addTask {
                            var tail: [UInt8] = []
                            var cut = false
                            for try await chunk in execution.standardError {
                                chunk.withUnsafeBytes { tail.append(contentsOf: $0) }
                                if tail.count > 2 * Self.keptErrorBytes {
                                    tail.removeFirst(tail.count - Self.keptErrorBytes)
                                    cut = true
                                }
                            }
                            return .stderr(Self.lastLine(of: tail, cut: cut))
                        }
                        tasks.addTask {
                            let started = clock.now
                            while true {
                                let due = (limitsSilence ? lastLine.withLock { $0 } : started).advanced(by: timeout)
                                if clock.now >= due { break }
                                try await clock.sleep(until: due)
                            }
                            // Kill first: the readers end only when the pipes close.
                            timedOut.withLock { $0 = true }
                            group.killAll()
                            throw Failure.timedOut
                        }
                        var readersLeft = 2
                        var lastErrorLine: String?
                        while readersLeft > 0, let reader = try await tasks.next() {
                            if case .stderr(let line) = reader { lastErrorLine = line }
                            readersLeft -= 1
                        }
                        tasks.cancelAll()
                        return lastErrorLine
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
            case .outputLimitExceeded:
                throw .unreadable("a line is longer than \(maximumLineLength) bytes")
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
        switch result.terminationStatus {
        case .exited(let code):
            return Outcome(status: code, signalled: false, lastErrorLine: result.closureResult)
        case .signaled(let signal):
            return Outcome(status: signal, signalled: true, lastErrorLine: result.closureResult)
        }
    }

    /// The last non-empty line of stderr's last bytes (`cut`: the bytes before them were dropped, so
    /// a line that starts at the first byte kept is marked as cut with "…").
    static func lastLine(of tail: [UInt8], cut: Bool) -> String? {
        let text = String(decoding: tail, as: UTF8.self)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard
            let index = lines.lastIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        else { return nil }
        let line = String(lines[index])
        return cut && index == lines.startIndex ? "…" + line : line
    }

    private enum Reader: Sendable {
        case stdout
        case stderr(String?)
    }
}

/// The process group of one run, which may be killed any number of times: SIGKILL to a group that
/// is gone does nothing (`ESRCH`), and the group's id stays reserved while any member lives.
final class ProcessGroup: Sendable {
    private let id = Mutex<pid_t?>(nil)

    func started(_ pid: pid_t) {
        id.withLock { $0 = pid }
    }

    /// SIGKILL to every process of the group.
    func killAll() {
        guard let pid = id.withLock({ $0 }), pid > 0 else { return }
        signalGroup(pid, SIGKILL)
    }
}

private func signalGroup(_ group: pid_t, _ signal: Int32) {
    _ = kill(-group, signal)
}
