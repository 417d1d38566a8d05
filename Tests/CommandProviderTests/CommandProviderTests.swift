import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

@testable import LaunchWatchCommand

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A temporary folder with the scripts a test runs, removed by `remove()`.
struct ScriptFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("launchwatch-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    struct WriteError: Error {
        var name: String
    }

    /// Writes an executable `/bin/sh` script named `name`, through a close-on-exec descriptor: a
    /// program another test starts at that moment must not inherit it open for writing, or running
    /// the script would fail with "Text file busy".
    func script(_ name: String, _ body: String) throws {
        let descriptor = open(url.appendingPathComponent(name).path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard descriptor >= 0 else { throw WriteError(name: name) }
        defer { close(descriptor) }
        let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else { throw WriteError(name: name) }
    }

    func read(_ name: String) -> String? {
        try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// A `command` provider made from `config` (JSON) the way a pipeline makes it, run in this folder
    /// with the sentinel secrets in its environment.
    func provider(_ config: String) throws -> CommandProvider {
        var registry = ProviderRegistry()
        try registry.register(CommandProvider.self)
        let registration = try #require(registry["command"])
        let context = ProviderContext(
            id: "cmd", baseDirectory: url,
            environment: SentinelSecrets.environment.merging(["PATH": "/usr/bin:/bin"]) {
                $1
            }, startedAt: CommandProviderTests.startedAt)
        let made = try registration.make(
            configuration: JSONParser.parse(config), at: JSONPath().appending("config"), context: context)
        return try #require(made as? CommandProvider)
    }
}

/// Whether process `pid` still runs (a zombie, which only waits to be reaped, does not).
func isRunning(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return true }
    return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// Whether every process in `pids` is gone. SIGKILL ends a process at once, but its reaping by its
/// parent (init, for an orphan) follows on its own: allow it a moment.
func allGone(_ pids: [pid_t]) async -> Bool {
    for _ in 0..<200 {
        if !pids.contains(where: isRunning) { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return false
}

@Suite("CommandProvider")
struct CommandProviderTests {
    static let startedAt = Date(timeIntervalSince1970: 1_764_489_227)

    static func context(_ seconds: Double = 0, facts: [String: String] = [:]) -> PollContext {
        PollContext(now: startedAt.addingTimeInterval(seconds), startedAt: startedAt, attempt: 0, facts: facts)
    }

    /// The error a poll throws, or nil when it answers.
    static func pollError(_ provider: CommandProvider, _ context: PollContext = context()) async -> ProviderError? {
        do {
            _ = try await provider.poll(context)
            return nil
        } catch let error as ProviderError {
            return error
        } catch {
            return ProviderError(code: "other", message: "\(error)")
        }
    }

    // MARK: - The line protocol

    @Test("each line is one observation: status, at, subject, detail, facts and retryAfter")
    func readsEveryField() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "status.sh",
            #"""
            echo '{"status": "JOB_STATE_PENDING", "subject": "jobs/1"}'
            echo ''
            echo '{"status": "JOB_STATE_FAILED", "at": "2025-11-30T08:00:09Z", "subject": "jobs/1", "detail": {"message": "Quota exceeded", "code": "8"}, "facts": {"job_id": "1"}, "retryAfter": "5s"}'
            """#)
        let provider = try folder.provider(#"{"run": ["./status.sh"], "publishes": ["job_id"]}"#)
        let result = try await provider.poll(Self.context())
        #expect(result.observations.map(\.status) == ["JOB_STATE_PENDING", "JOB_STATE_FAILED"])
        let failed = try #require(result.observations.last)
        #expect(failed.subject == "jobs/1")
        #expect(failed.backendTime == RFC3339.date(from: "2025-11-30T08:00:09Z"))
        #expect(failed.detail == FailureDetail(code: "8", message: "Quota exceeded"))
        #expect(failed.facts == ["job_id": "1"])
        #expect(result.retryAfter == .seconds(5))
    }

    @Test("a poll that prints nothing saw nothing yet")
    func noLineIsNothingYet() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script("quiet.sh", "exit 0")
        let result = try await folder.provider(#"{"run": ["./quiet.sh"]}"#).poll(Self.context())
        #expect(result.observations.isEmpty)
    }

    @Test("known facts, env and arguments reach the program; a bare name is found in PATH")
    func factsAndEnvironment() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "echo.sh",
            #"echo "{\"status\": \"$1\", \"subject\": \"$LAUNCHWATCH_FACT_RUN_ID/$LAUNCHWATCH_FACT_JOB_ID_2/$REGION/$LAUNCHWATCH_PROVIDER_ID\"}""#
        )
        let provider = try folder.provider(#"{"run": ["sh", "echo.sh", "RUNNING"], "env": {"REGION": "us-central1"}}"#)
        let result = try await provider.poll(Self.context(facts: ["run_id": "r-7", "job-id.2": "42"]))
        #expect(result.observations.map(\.status) == ["RUNNING"])
        #expect(result.observations.first?.subject == "r-7/42/us-central1/cmd")
    }

    @Test(
        "a line that is not an observation is an error naming its line number",
        arguments: [
            ("garbage: Traceback (most recent call last)", "is not JSON"),
            ("[1, 2]", "is an array, not an object"),
            (#"{"stauts": "RUNNING"}"#, "not an observation"),
            (#"{"status": "RUNNING", "at": "yesterday"}"#, "not an RFC 3339 time"),
            (#"{"status": "RUNNING", "retryAfter": "soon"}"#, "not a duration"),
            (#"{"status": "RUNNING", "facts": {"secret_fact": "x"}}"#, "add \"secret_fact\" to publishes"),
        ])
    func garbageLine(line: String, says: String) async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script("bad.sh", "echo '{\"status\": \"QUEUED\"}'\ncat <<'EOF'\n\(line)\nEOF")
        let error = try #require(await Self.pollError(try folder.provider(#"{"run": ["./bad.sh"]}"#)))
        #expect(error.code == "command_output")
        #expect(error.message.contains("cmd: line 2 of the command's output"))
        #expect(error.message.contains(says))
    }

    @Test("a non-zero exit is an error with the last stderr line, secrets redacted")
    func nonZeroExit() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "fail.sh",
            #"""
            echo '{"status": "RUNNING"}'
            echo "starting with $WANDB_API_KEY" >&2
            echo "401 Unauthorized: bearer $GOOGLE_OAUTH_ACCESS_TOKEN and $MY_TOKEN" >&2
            echo "" >&2
            exit 3
            """#)
        let provider = try folder.provider(
            #"{"run": ["./fail.sh"], "env": {"MY_TOKEN": "sentinelPipelineToken9d8c7b"}}"#)
        let error = try #require(await Self.pollError(provider))
        #expect(error.code == "command_failed")
        #expect(error.message.hasPrefix("cmd: fail.sh exited with status 3: 401 Unauthorized: bearer [REDACTED]"))
        #expect(SentinelSecrets.leaks(in: error.message).isEmpty)
        #expect(!error.message.contains("sentinelPipelineToken9d8c7b"))
    }

    @Test("the secrets given in env never appear in observations or errors")
    func secretsInEnvAreRedacted() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "leak.sh",
            #"echo "{\"status\": \"FAILED\", \"subject\": \"$WANDB_API_KEY\", \"detail\": {\"message\": \"key $WANDB_API_KEY token $GOOGLE_OAUTH_ACCESS_TOKEN\"}}""#
        )
        let secrets = SentinelSecrets.environment.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        let provider = try folder.provider(#"{"run": ["./leak.sh"], "env": {\#(secrets)}}"#)
        let result = try await provider.poll(Self.context())
        let observation = try #require(result.observations.first)
        #expect(observation.detail?.message == "key [REDACTED] token [REDACTED]")
        #expect(SentinelSecrets.leaks(in: String(reflecting: result.observations)).isEmpty)
    }

    @Test("a program that does not start is an error that says how run names it")
    func missingProgram() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        let error = try #require(await Self.pollError(try folder.provider(#"{"run": ["./no-such-script"]}"#)))
        #expect(error.code == "command_not_started")
        #expect(error.message.contains("cmd: could not start no-such-script"))
    }

    @Test(
        "bad configuration is refused with the field named",
        arguments: [
            (#"{"run": []}"#, "config.run: must name a program"),
            (#"{"run": ["x"], "mode": "tail"}"#, "config.mode: \"tail\" is not poll or stream"),
            (#"{"run": ["x"], "timeout": "30"}"#, "config.timeout: \"30\" is not a duration"),
            (#"{"run": ["x"], "env": {"A=B": "c"}}"#, "config.env: \"A=B\" is not an environment variable name"),
            (#"{"run": ["x"], "shell": true}"#, "config.shell"),
        ])
    func badConfiguration(config: String, says: String) throws {
        var registry = ProviderRegistry()
        try registry.register(CommandProvider.self)
        let registration = try #require(registry["command"])
        let failures = registration.validate(
            configuration: try JSONParser.parse(config), at: JSONPath().appending("config"))
        let messages = failures.map { "\($0.path): \($0.message)" }
        #expect(messages.contains { $0.contains(says) }, "\(messages)")
    }

    @Test("publishes is what validate checks ${fact.NAME} references against")
    func publishesFeedsValidate() throws {
        var registry = ProviderRegistry()
        try registry.register(CommandProvider.self)
        let registration = try #require(registry["command"])
        let config = try JSONParser.parse(#"{"run": ["x"], "publishes": ["job_id", "run_id"]}"#)
        #expect(registration.publishedFacts(configuration: config) == ["job_id", "run_id"])
        #expect(registration.publishedFacts(configuration: try JSONParser.parse(#"{"run": ["x"]}"#)) == [])
    }

    // MARK: - Timeouts: nothing left behind

    @Test("poll: a run past the timeout is killed with its whole process group", .timeLimit(.minutes(1)))
    func pollTimeoutKillsTheGroup() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        // The pid files are written first and renamed into place whole, so that the test can wait for
        // them (the program is ready) before it waits for the timeout.
        try folder.script(
            "hang.sh",
            #"""
            sleep 300 &
            echo $! > child.tmp && mv child.tmp child.pid
            echo $$ > leader.tmp && mv leader.tmp leader.pid
            echo '{"status": "RUNNING"}'
            sleep 300
            """#)
        // 2s: time enough for the script to start and write its pid files on a loaded 2-core machine.
        let provider = try folder.provider(#"{"run": ["./hang.sh"], "timeout": "2s"}"#)
        let started = ContinuousClock.now
        let poll = Task { await Self.pollError(provider) }
        var pids: [pid_t] = []
        for _ in 0..<1000 where pids.count < 2 {
            pids = [folder.read("child.pid"), folder.read("leader.pid")].compactMap {
                $0.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            if pids.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(pids.count == 2, "the script started its child")
        let error = try #require(await poll.value)
        // Far below the script's own 300 s: it was stopped, not waited for (loose, for a loaded machine).
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(error.code == "timeout")
        #expect(error.message == "cmd: hang.sh did not finish within 2s; it was killed with its process group")
        #expect(await allGone(pids))
    }

    @Test("poll: a cancelled poll kills the program's group at once", .timeLimit(.minutes(1)))
    func cancelKillsTheGroup() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script("hang.sh", "sleep 300 &\necho $! > child.pid\nsleep 300")
        let provider = try folder.provider(#"{"run": ["./hang.sh"], "timeout": "5m"}"#)
        let poll = Task { try await provider.poll(Self.context()) }
        var child: pid_t?
        for _ in 0..<500 where child == nil {
            child = folder.read("child.pid").flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if child == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        poll.cancel()
        await #expect(throws: CancellationError.self) { try await poll.value }
        #expect(await allGone([try #require(child)]))
    }

    // MARK: - Bounded memory

    @Test("poll: a program that prints without end is killed past 1,000 lines, with an error naming the limit")
    func pollOutputIsBounded() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script("flood.sh", #"while :; do echo '{"status": "RUNNING"}'; done"#)
        let provider = try folder.provider(#"{"run": ["./flood.sh"], "timeout": "50s"}"#)
        let error = try #require(await Self.pollError(provider))
        #expect(error.code == "command_output")
        #expect(
            error.message
                == "cmd: flood.sh printed more than 1000 lines in one run, the limit; it was killed with its process "
                + "group (a poll prints the current status in a line or a few)")
    }

    @Test("poll: so is one that prints more than 4 MiB in fewer lines")
    func pollOutputBytesAreBounded() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        // 100 lines of 64 KiB each: 6.4 MiB.
        try folder.script(
            "wide.sh",
            #"""
            pad=$(head -c 65536 /dev/zero | tr '\0' 'x')
            i=0
            while [ $i -lt 100 ]; do echo "{\"status\": \"RUNNING\", \"subject\": \"$pad\"}"; i=$((i+1)); done
            """#)
        let provider = try folder.provider(#"{"run": ["./wide.sh"], "timeout": "50s"}"#)
        let error = try #require(await Self.pollError(provider))
        #expect(error.code == "command_output")
        #expect(error.message.contains("printed more than 4 MiB in one run, the limit"), "\(error.message)")
    }

    @Test("a stderr line longer than any line buffer does not fail the run: the last line is still reported")
    func longStderrLine() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "noisy.sh",
            #"""
            head -c 300000 /dev/zero | tr '\0' 'x' >&2
            echo >&2
            echo "ERROR: quota exceeded" >&2
            exit 3
            """#)
        let provider = try folder.provider(#"{"run": ["./noisy.sh"]}"#)
        let error = try #require(await Self.pollError(provider))
        #expect(error.code == "command_failed")
        #expect(error.message == "cmd: noisy.sh exited with status 3: ERROR: quota exceeded")

        // A last line longer than what is kept is shown cut, marked with "…".
        try folder.script("long.sh", "head -c 300000 /dev/zero | tr '\\0' 'y' >&2\nexit 4")
        let long = try folder.provider(#"{"run": ["./long.sh"]}"#)
        let cut = try #require(await Self.pollError(long))
        #expect(cut.code == "command_failed")
        #expect(cut.message.hasPrefix("cmd: long.sh exited with status 4: …yyyy"), "\(cut.message.prefix(80))")
    }

    @Test("stream: at most 1,000 lines are kept between polls; the oldest are dropped and the drop reported")
    func streamBufferIsBounded() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "burst.sh",
            #"""
            read -r _ < go
            i=1
            while [ $i -le 1500 ]; do echo "{\"status\": \"S$i\"}"; i=$((i+1)); done
            """#)
        mkfifo(folder.url.appendingPathComponent("go").path, 0o600)
        let provider = try folder.provider(#"{"run": ["./burst.sh"], "mode": "stream", "timeout": "1m"}"#)
        let stream = try #require(provider.stream)
        // The first poll starts the program, which prints once let go; its lines pile up until it ends.
        #expect(try await provider.poll(Self.context(0)).observations.isEmpty)
        let fifo = try #require(FileHandle(forWritingAtPath: folder.url.appendingPathComponent("go").path))
        try fifo.write(contentsOf: Data("go\n".utf8))
        try fifo.close()
        while stream.isRunning { await stream.activity() }
        let error = try #require(await Self.pollError(provider, Self.context(0.5)))
        #expect(error.code == "command_output")
        #expect(
            error.message
                == "cmd: burst.sh printed 500 lines more than the 1000 kept between two polls; the oldest were "
                + "dropped (print less often, or collect more often with a shorter every)")
        let kept = try await provider.poll(Self.context(0.5)).observations.map(\.status)
        #expect(kept.count == 1000)
        #expect(kept.first == "S501")
        #expect(kept.last == "S1500")
    }

    // MARK: - Stream mode

    @Test("stream: lines come as printed; a stream that dies is an error and restarts after a backoff")
    func streamDiesAndRestarts() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "stream.sh",
            #"""
            if [ -f started ]; then
              echo '{"status": "JOB_STATE_RUNNING"}'
              exec sleep 300
            fi
            touch started
            echo '{"status": "JOB_STATE_PENDING", "facts": {"job_id": "9"}}'
            read -r _ < go
            echo "connection lost with $WANDB_API_KEY" >&2
            exit 2
            """#)
        mkfifo(folder.url.appendingPathComponent("go").path, 0o600)
        let provider = try folder.provider(
            #"{"run": ["./stream.sh"], "mode": "stream", "publishes": ["job_id"], "timeout": "1m"}"#)
        let stream = try #require(provider.stream)

        var result = try await provider.poll(Self.context(0))
        while result.observations.isEmpty {
            await stream.activity()
            result = try await provider.poll(Self.context(0))
        }
        #expect(result.observations.map(\.status) == ["JOB_STATE_PENDING"])
        #expect(result.observations.first?.facts == ["job_id": "9"])

        // Let the first run end with an error.
        let fifo = try #require(FileHandle(forWritingAtPath: folder.url.appendingPathComponent("go").path))
        try fifo.write(contentsOf: Data("go\n".utf8))
        try fifo.close()
        var error = await Self.pollError(provider, Self.context(1))
        while error == nil {
            await stream.activity()
            error = await Self.pollError(provider, Self.context(1))
        }
        #expect(error?.code == "command_failed")
        #expect(error?.message == "cmd: stream.sh exited with status 2: connection lost with [REDACTED]")

        // Not restarted before its backoff (1 s after the poll that saw it end)...
        #expect(try await provider.poll(Self.context(1.5)).observations.isEmpty)
        // ...and restarted after it.
        result = try await provider.poll(Self.context(2.5))
        while result.observations.isEmpty {
            await stream.activity()
            result = try await provider.poll(Self.context(2.5))
        }
        #expect(result.observations.map(\.status) == ["JOB_STATE_RUNNING"])
    }

    @Test("stream: a garbage line is an error naming its line; the stream goes on")
    func streamGarbageLine() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "stream.sh",
            #"""
            echo '{"status": "A"}'
            echo 'not json'
            echo '{"status": "B"}'
            exec sleep 300
            """#)
        let provider = try folder.provider(#"{"run": ["./stream.sh"], "mode": "stream"}"#)
        let stream = try #require(provider.stream)
        var statuses: [String] = []
        var errors: [ProviderError] = []
        while statuses.count < 2 {
            do {
                statuses += try await provider.poll(Self.context()).observations.map(\.status)
            } catch let error as ProviderError {
                errors.append(error)
                continue
            }
            if statuses.count < 2 { await stream.activity() }
        }
        #expect(statuses == ["A", "B"])
        #expect(errors.map(\.code) == ["command_output"])
        #expect(errors.first?.message.contains("cmd: line 2 of the command's output is not JSON") == true)
    }

    @Test("stream: silence past the timeout kills the group, reports it and restarts", .timeLimit(.minutes(1)))
    func streamSilenceTimesOut() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        // The child's pid is written before the line, so a line seen means the pid is there.
        try folder.script(
            "stream.sh",
            #"""
            sleep 300 &
            echo $! >> children.pid
            echo '{"status": "RUNNING"}'
            exec sleep 300
            """#)
        // 2s: time enough for the script to start and print on a loaded 2-core machine.
        var provider: CommandProvider? = try folder.provider(
            #"{"run": ["./stream.sh"], "mode": "stream", "timeout": "2s"}"#)
        var stream: CommandStream? = try #require(provider?.stream)
        var error: ProviderError?
        while error == nil {
            do {
                _ = try await provider?.poll(Self.context(0))
                await stream?.activity()
            } catch let failure as ProviderError {
                error = failure
            }
        }
        #expect(error?.code == "timeout")
        #expect(error?.message.contains("stream.sh printed no line for 2s") == true)
        let first = (folder.read("children.pid") ?? "").split(separator: "\n").compactMap { pid_t($0) }
        #expect(first.count == 1)
        #expect(await allGone(first))
        #expect(stream?.isRunning == false)

        // The run printed a line, so the restart waits the shortest backoff (1s) from the poll that
        // sees it ended: not yet at 0.5s, due at 2s.
        _ = try await provider?.poll(Self.context(0.5))
        #expect(stream?.isRunning == false)
        var seen: [String] = []
        while seen.isEmpty {
            let result = try #require(try await provider?.poll(Self.context(2)))
            seen = result.observations.map(\.status)
            if seen.isEmpty { await stream?.activity() }
        }
        #expect(seen == ["RUNNING"])
        let children = (folder.read("children.pid") ?? "").split(separator: "\n").compactMap { pid_t($0) }
        #expect(children.count == 2, "a second run started")
        // Releasing the provider ends the second run with its group.
        stream = nil
        provider = nil
        #expect(await allGone(children))
    }

    @Test("stream: releasing the provider (the watch ended) kills the running program's group")
    func streamEndsWithTheProvider() async throws {
        let folder = try ScriptFolder()
        defer { folder.remove() }
        try folder.script(
            "stream.sh",
            #"""
            sleep 300 &
            echo $! > child.pid
            echo '{"status": "RUNNING"}'
            exec sleep 300
            """#)
        var provider: CommandProvider? = try folder.provider(#"{"run": ["./stream.sh"], "mode": "stream"}"#)
        var seen = false
        while !seen {
            let current = try #require(provider)
            let stream = try #require(current.stream)
            seen = !(try await current.poll(Self.context()).observations.isEmpty)
            if !seen { await stream.activity() }
        }
        let child = try #require(folder.read("child.pid").flatMap { pid_t($0.trimmingCharacters(in: .newlines)) })
        #expect(isRunning(child))
        provider = nil
        #expect(await allGone([child]))
    }

    @Test("stream: the backoff doubles while runs end without a line, up to 60 s")
    func backoff() {
        #expect(StreamBuffer.backoff(afterFruitlessRuns: 0) == .seconds(1))
        #expect(StreamBuffer.backoff(afterFruitlessRuns: 3) == .seconds(8))
        #expect(StreamBuffer.backoff(afterFruitlessRuns: 10) == .seconds(60))
    }
}
