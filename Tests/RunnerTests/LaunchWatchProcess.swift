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
///
/// Every wait here is asynchronous and holds no thread: the child's output is read and its end awaited
/// on threads of its own (never the cooperative pool's), which wake the waiting tasks. The pool has one
/// thread per core (two on a small machine), and the in-process tests that run beside these in the
/// same `swift test` need it: a test that blocked a pool thread for the minute a run can take left
/// them none, and their real-clock deadlines passed before they ran.
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

    private let arguments: [String]
    private let lock = NSLock()
    // Guarded by `lock`.
    private var stdoutData = Data()
    private var stderrData = Data()
    private var stdoutClosed = false
    private var stderrClosed = false
    private var pid: pid_t = 0
    private var exit: Int32?
    /// Counts the changes above, so that a waiter can tell whether one happened since it looked.
    private var generation = 0
    /// The tasks waiting for the next change, by waiter number; `expired` holds the waiters whose
    /// deadline came before they could register.
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var expired: Set<Int> = []
    private var lastWaiter = 0

    /// Starts the binary with `posix_spawn`, its output read and its end awaited (`waitpid`) on
    /// threads of its own, so that no wait here holds a thread of the cooperative pool. Not through
    /// Foundation's `Process`, whose `run()` crashed when swift-subprocess started a program at the
    /// same moment: the pipes here are close-on-exec from birth, so a program started by another
    /// thread never holds them open.
    init(
        _ arguments: [String], environment: [String: String] = [:], executable: String? = nil
    ) throws {
        guard let binary = executable.map({ URL(fileURLWithPath: $0) }) ?? Self.binary else {
            throw ProcessError(
                message: "the launchwatch binary was not found next to the tests; run `swift build` first")
        }
        self.arguments = arguments
        if !LaunchWatchSlot.held {
            Issue.record("launchwatch \(arguments) runs outside a slot: give its suite the .launchWatchSlot trait")
        }
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
        var outPair: [Int32] = [0, 0]
        var errPair: [Int32] = [0, 0]
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, kind, 0, &outPair) == 0 else { throw ProcessError(message: "socketpair failed") }
        guard socketpair(AF_UNIX, kind, 0, &errPair) == 0 else {
            outPair.forEach { close($0) }
            throw ProcessError(message: "socketpair failed")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPair[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPair[1], 2)
        // A process group of its own, as Foundation's `Process` gave it (a signal a test sends goes to
        // launchwatch alone, which must pass it on), and every signal at its default.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([binary.path] + arguments).map { strdup($0) } + [nil]
        let envp = base.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, binary.path, &actions, &attributes, argv, envp)
        close(outPair[1])
        close(errPair[1])
        guard spawned == 0 else {
            close(outPair[0])
            close(errPair[0])
            throw ProcessError(message: "cannot start \(binary.path): \(String(cString: strerror(spawned)))")
        }
        pid = child
        let started = child
        startReading(outPair[0], isStdout: true)
        startReading(errPair[0], isStdout: false)
        Thread { [self] in
            var status: Int32 = 0
            while waitpid(started, &status, 0) < 0, errno == EINTR {}
            let signal = status & 0x7f
            update { $0.exit = signal == 0 ? (status >> 8) & 0xff : signal }
        }.start()
    }

    struct ProcessError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private func startReading(_ descriptor: Int32, isStdout: Bool) {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                let bytes = Data(buffer[0..<count])
                update { if isStdout { $0.stdoutData.append(bytes) } else { $0.stderrData.append(bytes) } }
            }
            close(descriptor)
            update { if isStdout { $0.stdoutClosed = true } else { $0.stderrClosed = true } }
        }.start()
    }

    /// Changes the state under the lock and wakes every waiting task.
    private func update(_ change: (LaunchWatchProcess) -> Void) {
        lock.lock()
        change(self)
        generation += 1
        let woken = waiters.values
        waiters = [:]
        lock.unlock()
        for waiter in woken { waiter.resume() }
    }

    /// Waits, without holding a thread, until `condition` (read under the lock) holds or `deadline`
    /// (if any) passes; whether it holds.
    private func wait(
        until deadline: ContinuousClock.Instant?, for condition: (LaunchWatchProcess) -> Bool
    ) async -> Bool {
        while true {
            let (holds, seen) = lock.withLock { (condition(self), generation) }
            if holds { return true }
            if let deadline, ContinuousClock.now >= deadline { return false }
            await change(since: seen, before: deadline)
        }
    }

    /// Returns once the state has changed since generation `seen`, or `deadline` has passed.
    private func change(since seen: Int, before deadline: ContinuousClock.Instant?) async {
        let waiter = lock.withLock {
            lastWaiter += 1
            return lastWaiter
        }
        // The deadline wakes this waiter alone; it is a task that sleeps, not a thread that waits.
        let timer = deadline.map { deadline in
            Task { [self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                let continuation = lock.withLock {
                    guard let continuation = waiters.removeValue(forKey: waiter) else {
                        expired.insert(waiter)
                        return nil as CheckedContinuation<Void, Never>?
                    }
                    return continuation
                }
                continuation?.resume()
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock {
                if generation != seen || expired.remove(waiter) != nil { return true }
                waiters[waiter] = continuation
                return false
            }
            if now { continuation.resume() }
        }
        timer?.cancel()
        lock.withLock { _ = expired.remove(waiter) }
    }

    /// The deadline `seconds` from now.
    private static func deadline(in seconds: TimeInterval) -> ContinuousClock.Instant {
        ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    }

    /// Waits until a complete stdout line satisfies `predicate`; false on timeout or end of output.
    func waitForLine(timeout: TimeInterval = 60, where predicate: (String) -> Bool) async -> Bool {
        var found = false
        _ = await wait(until: Self.deadline(in: timeout)) { process in
            let text = String(decoding: process.stdoutData, as: UTF8.self)
            let complete = text.hasSuffix("\n") ? text : String(text[..<(text.lastIndex(of: "\n") ?? text.startIndex)])
            found = complete.split(separator: "\n").contains { predicate(String($0)) }
            return found || process.stdoutClosed
        }
        return found
    }

    func send(signal number: Int32) {
        let pid = lock.withLock { exit == nil ? self.pid : 0 }
        if pid > 0 { kill(pid, number) }
    }

    /// Waits until the process has exited, or `deadline` (if any) passes; whether it has.
    private func waitForExit(until deadline: ContinuousClock.Instant?) async -> Bool {
        await wait(until: deadline) { $0.exit != nil }
    }

    /// Waits for the process to exit (killing it after `timeout`) and returns what it printed.
    func finish(timeout: TimeInterval = 120) async -> Finished {
        if await !waitForExit(until: Self.deadline(in: timeout)) {
            send(signal: SIGTERM)
            // A process that does not stop on SIGTERM within 10 s is killed: a test never hangs.
            if await !waitForExit(until: Self.deadline(in: 10)) {
                send(signal: SIGKILL)
                _ = await waitForExit(until: nil)
            }
        }
        // Then read what is left in the pipes, for at most a few seconds (a grandchild that outlives
        // launchwatch may hold them open).
        _ = await wait(until: Self.deadline(in: 3)) { $0.stdoutClosed && $0.stderrClosed }
        let finished = lock.withLock {
            Finished(
                status: exit ?? -1, stdout: String(decoding: stdoutData, as: UTF8.self),
                stderr: String(decoding: stderrData, as: UTF8.self))
        }
        let leaked = Self.leakedSentinels(in: finished.stdout + finished.stderr)
        if !leaked.isEmpty {
            Issue.record("SECRET LEAKED: \(leaked.joined(separator: ", ")) in the output of launchwatch \(arguments)")
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
        _ arguments: [String], environment: [String: String] = [:], executable: String? = nil
    ) async throws -> Finished {
        try await LaunchWatchProcess(arguments, environment: environment, executable: executable)
            .finish()
    }
}
