import Foundation
import LaunchWatchChildProcess
import LaunchWatchTesting
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `BoundedProcess`, the one runner behind gcloud and the `command` provider, on real child processes
/// (`/bin/sh -c`): what it returns, and that nothing of a program outlives its bounds.
@Suite("BoundedProcess (child processes within bounds)")
struct BoundedProcessTests {
    static func shell(
        _ script: String, environment: [String: String] = [:], timeLimit: BoundedProcess.TimeLimit = .run(.seconds(60)),
        grace: Duration? = nil
    ) -> BoundedProcess {
        BoundedProcess(
            .path("/bin/sh"), arguments: ["-c", script], environment: environment, timeLimit: timeLimit,
            terminationGrace: grace)
    }

    /// Runs `process`, reading stdout whole (up to `limit`) and the end of stderr.
    static func run(
        _ process: BoundedProcess, limit: Int = 1 << 20, onStart: @escaping @Sendable (pid_t) -> Void = { _ in }
    ) async throws(BoundedProcess.Failure) -> BoundedProcess.Outcome<String, BoundedProcess.Tail> {
        let outcome = try await process.run(
            onStart: onStart, standardOutput: { try await $0.collect(limit: limit) },
            standardError: { try await $0.tail(keeping: 1024) })
        return BoundedProcess.Outcome(
            status: outcome.status, signalled: outcome.signalled,
            standardOutput: String(decoding: outcome.standardOutput, as: UTF8.self),
            standardError: outcome.standardError)
    }

    @Test("the exit status, both streams, and a signal told apart from a status")
    func exitStatus() async throws {
        let outcome = try await Self.run(Self.shell("echo out; echo err >&2; exit 7"))
        #expect(outcome.status == 7 && !outcome.signalled)
        #expect(outcome.standardOutput == "out\n")
        #expect(outcome.standardError == BoundedProcess.Tail(bytes: Array("err\n".utf8), cut: false))

        let killed = try await Self.run(Self.shell("kill -9 $$"))
        #expect(killed.signalled && killed.status == SIGKILL)
    }

    @Test("the program gets the given environment only, and an empty standard input: nothing can prompt")
    func environmentAndInput() async throws {
        // `read` gets end-of-file at once; a terminal or an inherited stdin would wait.
        let outcome = try await Self.run(
            Self.shell("read answer; echo \"$? [$answer] $GIVEN ${HOME-unset}\"", environment: ["GIVEN": "yes"]))
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput == "1 [] yes unset\n")
    }

    @Test("past its time limit the whole process group is killed and the run times out", .timeLimit(.minutes(1)))
    func timeoutKillsTheGroup() async throws {
        let child = Shared<pid_t?>(nil)
        // A second: the shell must have printed the child's id before the limit, on a loaded machine too.
        let process = Self.shell("sleep 3600 & echo $!; wait", timeLimit: .run(.seconds(1)))
        await #expect(throws: BoundedProcess.Failure.timedOut) {
            _ = try await process.run(
                standardOutput: { stdout in
                    try await stdout.forEachLine(maximumLength: 64) { child.set(pid_t($0)) }
                },
                standardError: { try await $0.tail(keeping: 1024) })
        }
        let pid = try #require(child.value)
        #expect(await ProcessLiveness.ends(pid), "the group's sleep (pid \(pid)) outlived the time limit")
    }

    @Test("with a grace, SIGTERM comes first; the run still times out", .timeLimit(.minutes(1)))
    func terminationGrace() async throws {
        let lines = Shared<[String]>([])
        let process = Self.shell(
            "trap 'echo terminated; exit 3' TERM; echo started; sleep 3600 & wait", timeLimit: .run(.seconds(1)),
            grace: .seconds(30))
        let started = ContinuousClock.now
        await #expect(throws: BoundedProcess.Failure.timedOut) {
            _ = try await process.run(
                standardOutput: { stdout in
                    try await stdout.forEachLine(maximumLength: 64) { line in lines.update { $0.append(line) } }
                },
                standardError: { try await $0.tail(keeping: 1024) })
        }
        #expect(lines.value == ["started", "terminated"])
        // The program ended on SIGTERM: the run did not wait out the grace for SIGKILL.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("a silence limit counts from the last stdout line, not from the start", .timeLimit(.minutes(1)))
    func silenceLimit() async throws {
        let lines = Shared(0)
        // Lines for longer than the limit, never further apart than half of it; then silence.
        let process = Self.shell(
            "i=0; while [ $i -lt 6 ]; do echo $i; sleep 0.2; i=$((i+1)); done; sleep 3600",
            timeLimit: .silence(.seconds(1)))
        await #expect(throws: BoundedProcess.Failure.timedOut) {
            _ = try await process.run(
                standardOutput: { stdout in
                    try await stdout.forEachLine(maximumLength: 64) { _ in lines.update { $0 += 1 } }
                },
                standardError: { try await $0.tail(keeping: 1024) })
        }
        #expect(lines.value == 6)
    }

    @Test("past the output cap the program is killed and the run fails naming the cap", .timeLimit(.minutes(1)))
    func outputCap() async throws {
        let leader = Shared<pid_t?>(nil)
        await #expect(throws: BoundedProcess.Failure.tooMuchOutput("65536 bytes")) {
            _ = try await Self.run(Self.shell("exec yes launchwatch"), limit: 64 << 10, onStart: { leader.set($0) })
        }
        let pid = try #require(leader.value)
        #expect(await ProcessLiveness.ends(pid), "the program (pid \(pid)) outlived its output cap")
    }

    @Test("a line longer than the limit makes the run unreadable, naming the limit")
    func lineTooLong() async throws {
        let process = Self.shell("printf '%0100d\\n' 0; sleep 3600")
        await #expect(throws: BoundedProcess.Failure.unreadable("a line is longer than 16 bytes")) {
            _ = try await process.run(
                standardOutput: { try await $0.forEachLine(maximumLength: 16) { _ in } },
                standardError: { try await $0.tail(keeping: 1024) })
        }
    }

    @Test("of a long stream only the tail is kept, and it says it was cut")
    func tail() async throws {
        let outcome = try await Self.run(Self.shell("yes noise | head -n 20000 >&2; echo 'the last line' >&2"))
        #expect(outcome.standardError.cut)
        #expect(outcome.standardError.bytes.count <= 2 * 1024)
        #expect(String(decoding: outcome.standardError.bytes, as: UTF8.self).hasSuffix("noise\nthe last line\n"))
    }

    @Test("what a program leaves running in its group when it ends is killed with it", .timeLimit(.minutes(1)))
    func leftoversAreKilled() async throws {
        // The child closes the pipes it inherited, so the run ends with the program, not with it.
        let outcome = try await Self.run(Self.shell("sleep 3600 >/dev/null 2>&1 & echo $!"))
        #expect(outcome.status == 0)
        let pid = try #require(pid_t(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await ProcessLiveness.ends(pid), "the left-over sleep (pid \(pid)) still runs")
    }

    @Test("cancelling the awaiting task kills the group and the run is cancelled", .timeLimit(.minutes(1)))
    func cancellation() async throws {
        let (starts, started) = AsyncStream.makeStream(of: pid_t.self)
        let run = Task {
            try await Self.run(Self.shell("sleep 3600"), onStart: { started.yield($0) })
        }
        var iterator = starts.makeAsyncIterator()
        let pid = try #require(await iterator.next())
        run.cancel()
        await #expect(throws: BoundedProcess.Failure.cancelled) { _ = try await run.value }
        #expect(await ProcessLiveness.ends(pid), "the program (pid \(pid)) outlived its cancelled run")
    }

    @Test("a program that does not exist is not started, with the reason")
    func missingProgram() async throws {
        let missing = "/nonexistent/launchwatch-\(UUID().uuidString)/program"
        let error = await #expect(throws: BoundedProcess.Failure.self) {
            _ = try await Self.run(
                BoundedProcess(.path(missing), arguments: [], environment: [:], timeLimit: .run(.seconds(5))))
        }
        guard case .notStarted(let reason)? = error else {
            Issue.record("expected notStarted, got \(String(describing: error))")
            return
        }
        #expect(!reason.isEmpty)
        let unnamed = await #expect(throws: BoundedProcess.Failure.self) {
            _ = try await Self.run(
                BoundedProcess(
                    .name("launchwatch-no-such-program-\(UUID().uuidString)"), arguments: [],
                    environment: ["PATH": "/usr/bin:/bin"], timeLimit: .run(.seconds(5))))
        }
        guard case .notStarted? = unnamed else {
            Issue.record("expected notStarted, got \(String(describing: unnamed))")
            return
        }
    }
}

/// A value a test and the readers of its run share.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func set(_ value: Value) { mutex.withLock { $0 = value } }
    func update(_ body: (inout Value) -> Void) { mutex.withLock { body(&$0) } }
}
