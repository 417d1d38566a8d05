import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `launchwatch` binary as a user would, and collects what it prints.
///
/// Standard output is read line by line as it arrives, so a test can wait for a given event (never
/// for a fixed time) before it, say, sends SIGINT.
final class LaunchWatchProcess: @unchecked Sendable {
    /// The `launchwatch` executable next to the test bundle (`swift test` builds it), or
    /// `$LAUNCHWATCH_BINARY`.
    static let binary: URL? = {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [URL] = []
        if let path = environment["LAUNCHWATCH_BINARY"] { candidates.append(URL(fileURLWithPath: path)) }
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("launchwatch"))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("launchwatch"))
        candidates.append(
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "launchwatch"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct Finished {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    private let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let lock = NSCondition()
    private var stdoutData = Data()
    private var stderrData = Data()
    private var stdoutClosed = false
    private var stderrClosed = false

    init(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, executable: String? = nil
    ) throws {
        guard let binary = executable.map({ URL(fileURLWithPath: $0) }) ?? Self.binary else {
            throw ProcessError(
                message: "the launchwatch binary was not found next to the tests; run `swift build` first")
        }
        process.executableURL = binary
        process.arguments = arguments
        var base = ProcessInfo.processInfo.environment
        base["NO_COLOR"] = nil
        base["LAUNCHWATCH_NO_HISTORY"] = nil
        // Never the real ~/.local/state: each run records its launch in a fresh folder of its own,
        // unless the test gives one (to look at the history across runs).
        base["XDG_STATE_HOME"] =
            FileManager.default.temporaryDirectory.appendingPathComponent("launchwatch-state-\(UUID().uuidString)").path
        for (name, value) in environment { base[name] = value }
        // Every run carries sentinel secrets: a placeholder credential a test gives ("k", "t") is
        // replaced by one, and the rest are there for the taking. `finish` checks that none of them
        // was ever printed.
        for (name, sentinel) in Self.sentinels
        where name.hasPrefix("LAUNCHWATCH_SENTINEL") || (environment[name]?.count ?? .max) < 8 {
            base[name] = sentinel
        }
        process.environment = base
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try ProcessStart.serialized { try process.run() }
        startReading(stdoutPipe.fileHandleForReading, isStdout: true)
        startReading(stderrPipe.fileHandleForReading, isStdout: false)
    }

    struct ProcessError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private func startReading(_ handle: FileHandle, isStdout: Bool) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                lock.lock()
                if chunk.isEmpty {
                    if isStdout { stdoutClosed = true } else { stderrClosed = true }
                    lock.broadcast()
                    lock.unlock()
                    return
                }
                if isStdout { stdoutData.append(chunk) } else { stderrData.append(chunk) }
                lock.broadcast()
                lock.unlock()
            }
        }
        thread.start()
    }

    /// Waits until a complete stdout line satisfies `predicate`; false on timeout or end of output.
    func waitForLine(timeout: TimeInterval = 60, where predicate: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while true {
            let text = String(decoding: stdoutData, as: UTF8.self)
            let complete = text.hasSuffix("\n") ? text : String(text[..<(text.lastIndex(of: "\n") ?? text.startIndex)])
            if complete.split(separator: "\n").contains(where: { predicate(String($0)) }) { return true }
            if stdoutClosed { return false }
            if !lock.wait(until: deadline) { return false }
        }
    }

    func send(signal number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit (killing it after `timeout`) and returns what it printed.
    func finish(timeout: TimeInterval = 120) -> Finished {
        // Wait for the process itself, not for end-of-file on its pipes: another child started at
        // the same moment by a parallel test can inherit a pipe's write end and hold it open.
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            // A process that does not stop on SIGTERM within 10 s is killed: a test never hangs.
            let stopBy = Date().addingTimeInterval(10)
            while process.isRunning, Date() < stopBy { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        // Then read what is left in the pipes, for at most a few seconds.
        let drainBy = Date().addingTimeInterval(3)
        lock.lock()
        while !(stdoutClosed && stderrClosed), lock.wait(until: drainBy) {}
        defer { lock.unlock() }
        let finished = Finished(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
        let leaked = Self.leakedSentinels(in: finished.stdout + finished.stderr)
        if !leaked.isEmpty {
            Issue.record(
                "SECRET LEAKED: \(leaked.joined(separator: ", ")) in the output of launchwatch \(process.arguments ?? [])"
            )
        }
        return finished
    }

    /// The secrets every run is given (the credentials only when the test gives one, so that a test
    /// of "no credentials" stays one).
    static let sentinels = SentinelSecrets.environment

    /// The sentinel secrets found in `text`, by variable name.
    static func leakedSentinels(in text: String) -> [String] { SentinelSecrets.leaks(in: text) }

    /// Runs `launchwatch` with `arguments` to its end.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, executable: String? = nil
    ) throws -> Finished {
        try LaunchWatchProcess(arguments, environment: environment, directory: directory, executable: executable)
            .finish()
    }
}
