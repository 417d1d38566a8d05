import Foundation
import LaunchWatchChildProcess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One run of a `command` provider's program, a `BoundedProcess`: each line it prints on stdout is
/// handed on as it comes, the last line it prints on stderr is kept for the error message.
///
/// - The program leads a process group of its own, so that everything it starts can be stopped with
///   it: a timeout or a cancellation sends SIGKILL to the whole group at once, and when the program
///   ends by itself what it left running in its group is killed too (see `BoundedProcess` for what
///   stays out of reach).
/// - SIGKILL, not SIGTERM first: a status command holds no state worth saving, and a child started from
///   launchwatch's threads may have SIGTERM blocked or ignored (as `launchwatch run` ignores it).
/// - `timeout` is either the limit on the whole run (`poll` mode) or, with `limitsSilence`, the
///   longest time without a stdout line (`stream` mode, where a healthy program prints at least that
///   often).
struct CommandProcess: Sendable {
    /// How a run that was not stopped ended.
    struct Outcome: Sendable, Equatable {
        /// The exit status, or the signal's number when `signalled`.
        var status: Int32
        var signalled: Bool
        /// The last non-empty line on stderr, if any.
        var lastErrorLine: String?
    }

    /// Why a run did not end by itself (see `BoundedProcess.Failure`; `tooMuchOutput`'s text names
    /// the limit of `outputLimit`, `unreadable`'s a line longer than `maximumLineLength`).
    typealias Failure = BoundedProcess.Failure

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
        let executable: BoundedProcess.Program
        if program.contains("/") {
            let url =
                program.hasPrefix("/")
                ? URL(fileURLWithPath: program) : workingDirectory.appendingPathComponent(program)
            executable = .path(url.path)
        } else {
            executable = .name(program)
        }
        let process = BoundedProcess(
            executable, arguments: Array(argv.dropFirst()), environment: environment,
            workingDirectory: workingDirectory.path,
            timeLimit: limitsSilence ? .silence(timeout) : .run(timeout))
        let maximumLineLength = maximumLineLength
        let outputLimit = outputLimit
        let outcome = try await process.run(
            onStart: onStart,
            standardOutput: { stdout in
                var count = 0
                var bytes = 0
                try await stdout.forEachLine(maximumLength: maximumLineLength) { line in
                    count += 1
                    bytes += line.utf8.count + 1
                    if let outputLimit, count > outputLimit.lines || bytes > outputLimit.bytes {
                        throw Failure.tooMuchOutput(
                            count > outputLimit.lines
                                ? "\(outputLimit.lines) lines" : "\(outputLimit.bytes / (1 << 20)) MiB")
                    }
                    onLine(line)
                }
            },
            standardError: { try await $0.tail(keeping: Self.keptErrorBytes) })
        let tail = outcome.standardError
        return Outcome(
            status: outcome.status, signalled: outcome.signalled,
            lastErrorLine: Self.lastLine(of: tail.bytes, cut: tail.cut))
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
}
