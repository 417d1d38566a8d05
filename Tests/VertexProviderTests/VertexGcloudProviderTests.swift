import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import LaunchWatchTesting
import LaunchWatchVertexGcloud
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `vertex-gcloud` runs the real installed `gcloud` against the emulator over loopback; a stand-in
/// script plays only the faults gcloud cannot be made to show (a hang, garbage, no binary).
///
/// Each real gcloud call starts Python (about a second), so the suite makes seven of them.
@Suite("vertex-gcloud provider", .timeLimit(.minutes(2)))
struct VertexGcloudProviderTests {
    static let project = "lw-test"
    static let region = "us-central1"
    static let token = "ya29.gcloud-test-token"
    static let forbiddenToken = "ya29.gcloud-forbidden-token"
    static let diskMessage =
        "Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb https://cloud.google.com/vertex-ai/docs/reference/rest/v1/DiskSpec and try again."

    // MARK: - The real gcloud against the emulator

    @Test("finds its job by label among several, then follows it with describe to the failure's message")
    func followsTheJobByLabel() async throws {
        let (own, other, third) = ("7000000000000000011", "7000000000000000012", "7000000000000000013")
        let timeline = [
            Self.createJob(own, displayName: "train", labels: ["wandb-run-id": "own12345"]),
            Self.createJob(other, displayName: "train", labels: ["wandb-run-id": "other678"]),
            Self.createJob(third, displayName: "eval", labels: [:]),
            Self.step("2s", "setJobState", ["id": .string(own), "state": .string("JOB_STATE_RUNNING")]),
            Self.step("5s", "failJob", ["id": .string(own), "code": .number(8), "message": .string(Self.diskMessage)]),
        ]
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(timeline)) { harness in
            guard let sandbox = try Sandbox(emulator: harness.baseURL) else { return }
            defer { sandbox.remove() }
            let provider = try Self.provider(
                match: ["labels": .object([("wandb-run-id", .string("own12345"))])], gcloud: sandbox.gcloud,
                env: sandbox.environment)
            try await Self.advance(harness, "3s")

            let running = try await provider.poll(Self.pollContext)
            #expect(running.notices.isEmpty)
            #expect(running.retryAfter == nil, "found: describe follows at the schedule's own interval")
            let seen = try #require(running.observations.first)
            #expect(running.observations.count == 1)
            #expect(seen.status == "JOB_STATE_RUNNING")
            #expect(seen.subject?.hasSuffix("/locations/\(Self.region)/customJobs/\(own)") == true)
            #expect(seen.facts == ["job_id": own])
            #expect(seen.backendTime != nil)
            #expect(seen.detail == nil)

            try await Self.advance(harness, "3s")
            let failed = try #require(try await provider.poll(Self.pollContext).observations.first)
            #expect(failed.status == "JOB_STATE_FAILED")
            #expect(failed.detail == FailureDetail(code: "8", message: Self.diskMessage))
            #expect(VertexGcloudProvider.defaultStageMap[failed.status] == "failed")

            let requests = try await Self.vertexRequests(harness)
            #expect(requests.map(\.route) == ["vertex.list", "vertex.get"])
            #expect(requests.last?.path.hasSuffix("/customJobs/\(own)") == true)
            #expect(requests.allSatisfy { $0.status == 200 })
        }
    }

    @Test("reports each of the 12 JobStates as gcloud prints it, and the default map places it")
    func everyJobState() async throws {
        let states = VertexCustomJob.states
        var timeline: [JSONValue] = []
        for (index, state) in states.enumerated() {
            let id = "70000000000000001\(String(format: "%02d", index))"
            timeline.append(Self.createJob(id, displayName: "state-\(index)", labels: ["lw-state": "s\(index)"]))
            if state != "JOB_STATE_QUEUED" {
                timeline.append(Self.step("1s", "setJobState", ["id": .string(id), "state": .string(state)]))
            }
        }
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(timeline)) { harness in
            guard let sandbox = try Sandbox(emulator: harness.baseURL) else { return }
            defer { sandbox.remove() }
            try await Self.advance(harness, "2s")
            // One real call, its output kept; every job is then read back from that output, so the
            // states are exactly gcloud's without a second of Python per state.
            let output = sandbox.directory.appendingPathComponent("list.json").path
            let recorder = try sandbox.script(
                "recording-gcloud",
                "\(Self.shellQuoted(sandbox.gcloud)) \"$@\" > \(Self.shellQuoted(output)) || exit $?\n"
                    + "cat \(Self.shellQuoted(output))")
            let all = try Self.provider(
                match: ["displayNamePrefix": .string("state-")], gcloud: recorder, env: sandbox.environment)
            let listed = try await all.poll(Self.pollContext)
            #expect(listed.observations.isEmpty)
            #expect(listed.retryAfter == .seconds(15), "a search: at least searchEvery to the next listing")
            #expect(listed.notices.first?.hasPrefix("12 Vertex AI jobs match, so none is followed") == true)

            let replay = try sandbox.script("replaying-gcloud", "cat \(Self.shellQuoted(output))")
            let expected: [String: String?] = [
                "JOB_STATE_UNSPECIFIED": nil, "JOB_STATE_QUEUED": "submitted", "JOB_STATE_PENDING": "submitted",
                "JOB_STATE_RUNNING": "running", "JOB_STATE_SUCCEEDED": "succeeded", "JOB_STATE_FAILED": "failed",
                "JOB_STATE_CANCELLING": nil, "JOB_STATE_CANCELLED": "failed", "JOB_STATE_EXPIRED": "failed",
                "JOB_STATE_UPDATING": nil,
            ]
            for (index, state) in states.enumerated() {
                let provider = try Self.provider(
                    match: ["labels": .object([("lw-state", .string("s\(index)"))])], gcloud: replay, env: [:])
                let seen = try await provider.poll(Self.pollContext).observations
                #expect(seen.map(\.status) == [state])
                #expect(seen.first?.backendTime != nil, "\(state) has no backend time")
                let stage = VertexGcloudProvider.defaultStageMap[state]
                // PAUSED and PARTIALLY_SUCCEEDED are left to the pipeline's map: absent, not "no change".
                #expect(stage == expected[state], "\(state) maps to \(String(describing: stage))")
            }
        }
    }

    @Test(
        "several jobs sharing a label or a display name are an ambiguity naming them, not an observation",
        arguments: [
            (
                "labels", JSONValue.object([("wandb-run-id", .string("twin1234"))]),
                ["7000000000000000021", "7000000000000000022"]
            ),
            ("displayName", JSONValue.string("train-twin"), ["7000000000000000023", "7000000000000000024"]),
        ])
    func ambiguity(key: String, value: JSONValue, named: [String]) async throws {
        let timeline = [
            Self.createJob("7000000000000000021", displayName: "a", labels: ["wandb-run-id": "twin1234"]),
            Self.createJob("7000000000000000022", displayName: "b", labels: ["wandb-run-id": "twin1234"]),
            Self.createJob("7000000000000000023", displayName: "train-twin", labels: ["wandb-run-id": "c0000001"]),
            Self.createJob("7000000000000000024", displayName: "train-twin", labels: ["wandb-run-id": "d0000002"]),
            Self.createJob("7000000000000000025", displayName: "train-twin-2", labels: [:]),
        ]
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(timeline)) { harness in
            guard let sandbox = try Sandbox(emulator: harness.baseURL) else { return }
            defer { sandbox.remove() }
            let provider = try Self.provider(match: [key: value], gcloud: sandbox.gcloud, env: sandbox.environment)
            let result = try await provider.poll(Self.pollContext)
            #expect(result.observations.isEmpty)
            // Still searching: every listing downloads the whole region, so the next is 15 s away.
            #expect(result.retryAfter == .seconds(15))
            #expect(result.notices.count == 1)
            let notice = try #require(result.notices.first)
            #expect(notice.hasPrefix("2 Vertex AI jobs match, so none is followed"), "\(notice)")
            for id in named { #expect(notice.contains(id), "\(notice)") }
            let others = ["7000000000000000021", "7000000000000000022", "7000000000000000023", "7000000000000000024"]
                .filter { !named.contains($0) }
            for id in others + ["7000000000000000025"] { #expect(!notice.contains(id), "\(notice)") }
        }
    }

    @Test(
        "a gcloud error (403 on list, 404 on describe) is a provider error carrying gcloud's ERROR line",
        arguments: [
            (false, "ERROR: (gcloud.ai.custom-jobs.list) PERMISSION_DENIED: "),
            (true, "ERROR: (gcloud.ai.custom-jobs.describe) NOT_FOUND: "),
        ])
    func gcloudError(describe: Bool, prefix: String) async throws {
        let timeline = [
            Self.createJob("7000000000000000031", displayName: "train", labels: ["wandb-run-id": "x1234567"])
        ]
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(timeline)) { harness in
            // The list is refused for the forbidden token; the describe asks for a job that does not exist.
            guard
                let sandbox = try Sandbox(
                    emulator: harness.baseURL, token: describe ? Self.token : Self.forbiddenToken)
            else { return }
            defer { sandbox.remove() }
            let missing = "7999999999999999999"
            let match: [String: JSONValue] =
                describe ? ["jobId": .string(missing)] : ["labels": .object([("wandb-run-id", .string("x1234567"))])]
            let provider = try Self.provider(match: match, gcloud: sandbox.gcloud, env: sandbox.environment)
            let error = try await #require(throws: ProviderError.self) { try await provider.poll(Self.pollContext) }
            #expect(error.code == "gcloud_failed")
            #expect(error.message.hasPrefix(prefix), "\(error.message)")
            if describe { #expect(error.message.contains(missing)) }
            // gcloud's hint names the token file; neither it nor the token belongs in a message.
            #expect(!error.message.contains("authenticated"), "\(error.message)")
            #expect(!error.message.contains(sandbox.directory.path))
            #expect(!error.message.contains(Self.token) && !error.message.contains(Self.forbiddenToken))
            let statuses = try await Self.vertexRequests(harness).map(\.status)
            #expect(statuses == [describe ? 404 : 403])
        }
    }

    // MARK: - A stand-in for the faults gcloud cannot be made to show

    @Test("a hung gcloud is stopped at the timeout, with the children it started, and reported as a timeout")
    func hangIsKilledAtTheTimeout() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pids = directory.appendingPathComponent("pids").path
        let script = try Self.script(
            in: directory, "hanging-gcloud", "sleep 30 &\necho $$ $! > \(Self.shellQuoted(pids))\nwait")
        let provider = try Self.provider(match: ["jobId": .string("123")], gcloud: script, timeout: "1s")
        let clock = ContinuousClock()
        let started = clock.now
        let error = try await #require(throws: ProviderError.self) { try await provider.poll(Self.pollContext) }
        let elapsed = clock.now - started
        #expect(error.code == "timeout")
        #expect(
            error.message == "gcloud ai custom-jobs describe did not finish within 1s and was stopped; "
                + "raise the provider's \"timeout\" if gcloud is this slow here")
        // The poll returns at the timeout, not when the 30 s hang ends (the wide margin is for a busy
        // machine: tests prove behaviour, benchmarks carry speed targets).
        #expect(elapsed >= .seconds(1) && elapsed < .seconds(20), "took \(elapsed)")
        for pid in try Self.pids(in: pids) {
            #expect(await Self.ends(pid), "process \(pid) outlived the timeout")
        }
    }

    @Test("cancelling the poll stops gcloud and its children at once")
    func cancellationKillsTheChild() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ready = directory.appendingPathComponent("ready").path
        #expect(mkfifo(ready, 0o600) == 0)
        // Writing to the FIFO waits until the test reads it: the script is running when it does.
        let script = try Self.script(
            in: directory, "hanging-gcloud", "sleep 30 &\necho $$ $! > \(Self.shellQuoted(ready))\nwait")
        let provider = try Self.provider(match: ["jobId": .string("123")], gcloud: script, timeout: "30s")
        let poll = Task { try await provider.poll(Self.pollContext) }
        let running = try await Self.readBlocking(ready)
        let clock = ContinuousClock()
        let started = clock.now
        poll.cancel()
        await #expect(throws: CancellationError.self) { try await poll.value }
        #expect(clock.now - started < .seconds(20), "long before the 30 s sleep ends")
        for pid in Self.pids(from: running) {
            #expect(await Self.ends(pid), "process \(pid) outlived the cancellation")
        }
    }

    @Test(
        "output that is not the expected JSON is malformed_response",
        arguments: [
            "Listed 0 items.", "[{\"name\": \"projects/p/locations/r/customJobs/1\"", "{\"customJobs\": []}",
            "[{\"displayName\": \"no name, no state\"}]", "",
        ])
    func garbage(output: String) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(output.utf8).write(to: directory.appendingPathComponent("output"))
        let script = try Self.script(in: directory, "garbage-gcloud", "cat \"$(dirname \"$0\")/output\"")
        let provider = try Self.provider(match: ["displayName": .string("train")], gcloud: script)
        let error = try await #require(throws: ProviderError.self) { try await provider.poll(Self.pollContext) }
        #expect(error.code == "malformed_response")
        #expect(error.message.hasPrefix("gcloud ai custom-jobs list printed "), "\(error.message)")
    }

    @Test("a missing gcloud is an error naming where it looked and how to fix it")
    func missingBinary() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let absent = directory.appendingPathComponent("bin/gcloud").path
        let configured = try Self.provider(match: ["jobId": .string("123")], gcloud: absent)
        let error = try await #require(throws: ProviderError.self) { try await configured.poll(Self.pollContext) }
        #expect(error.code == "gcloud_not_found")
        #expect(error.message.contains(absent) && error.message.contains("\"gcloud\""), "\(error.message)")

        let onPath = try Self.provider(
            match: ["jobId": .string("123")], gcloud: nil, environment: ["PATH": directory.path])
        let unfound = try await #require(throws: ProviderError.self) { try await onPath.poll(Self.pollContext) }
        #expect(unfound.code == "gcloud_not_found")
        #expect(unfound.message.contains("PATH") && unfound.message.contains("\"gcloud\""), "\(unfound.message)")
    }

    @Test(
        "gcloud gets the arguments, env additions and disabled prompts; its ERROR line is the message, secrets redacted",
        arguments: [
            (
                "echo 'Using endpoint [https://us-central1-aiplatform.googleapis.com/]' >&2\n"
                    + "echo \"ERROR: (gcloud.ai.custom-jobs.list) prompts=$CLOUDSDK_CORE_DISABLE_PROMPTS "
                    + "extra=$LW_EXTRA token=$LW_API_TOKEN args=$*\" >&2\nexit 1",
                "ERROR: (gcloud.ai.custom-jobs.list) prompts=1 extra=yes token=[REDACTED] "
                    + "args=ai custom-jobs list --region=us-central1 --project=lw-test --format=json"
            ),
            (
                "echo 'Traceback (most recent call last):' >&2\necho 'ImportError: no module' >&2\nexit 2",
                "gcloud ai custom-jobs list exited with status 2: ImportError: no module"
            ),
        ])
    func failureMessage(body: String, message: String) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = try Self.script(in: directory, "failing-gcloud", body)
        let provider = try Self.provider(
            match: ["displayName": .string("train")], gcloud: script,
            env: ["LW_EXTRA": "yes", "LW_API_TOKEN": "ya29.never-shown-secret", "CLOUDSDK_CORE_DISABLE_PROMPTS": "0"])
        let error = try await #require(throws: ProviderError.self) { try await provider.poll(Self.pollContext) }
        #expect(error.code == "gcloud_failed")
        #expect(error.message == message)
    }

    @Test(
        "a configuration gcloud cannot take is refused when the provider is made",
        arguments: [
            (["timeout": JSONValue.string("soon")], "timeout \"soon\" is not a duration such as 30s"),
            (["searchEvery": JSONValue.string("often")], "searchEvery \"often\" is not a duration"),
            (["region": .string("US Central")], "region \"US Central\" is not a region such as us-central1"),
            (["project": .string("--impersonate")], "project \"--impersonate\" is not a project id"),
            (
                ["match": .object([("jobId", .string("--format=yaml"))])],
                "match.jobId \"--format=yaml\" is not a job id (digits)"
            ),
            (["match": .object([])], "match needs labels, displayName, displayNamePrefix or jobId"),
        ])
    func badConfiguration(overrides: [String: JSONValue], message: String) throws {
        var members: [String: JSONValue] = [
            "project": .string(Self.project), "region": .string(Self.region),
            "match": .object([("displayName", .string("train"))]),
        ]
        members.merge(overrides) { $1 }
        let configuration = try JSONValueDecoder().decode(
            VertexGcloudProvider.Configuration.self,
            from: .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        let error = try #require(throws: ProviderError.self) {
            try VertexGcloudProvider(configuration: configuration, context: Self.context())
        }
        #expect(error.code == "bad_config")
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }
}

// MARK: - Fixtures

extension VertexGcloudProviderTests {
    static var pollContext: PollContext { PollContext(now: Date(), startedAt: Date(), attempt: 0) }

    static func context(environment: [String: String]? = nil) -> ProviderContext {
        ProviderContext(
            id: "vertex", baseDirectory: FileManager.default.temporaryDirectory,
            environment: environment ?? ProcessInfo.processInfo.environment, startedAt: Date())
    }

    /// A provider decoded from `config` JSON, as a pipeline would give it.
    static func provider(
        match: [String: JSONValue], gcloud: String?, env: [String: String] = [:], timeout: String? = nil,
        environment: [String: String]? = nil
    ) throws -> VertexGcloudProvider {
        var members: [(key: String, value: JSONValue)] = [
            ("project", .string(project)), ("region", .string(region)),
            ("match", .object(match.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
        ]
        if let gcloud { members.append(("gcloud", .string(gcloud))) }
        if !env.isEmpty {
            members.append(("env", .object(env.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        if let timeout { members.append(("timeout", .string(timeout))) }
        let configuration = try JSONValueDecoder().decode(
            VertexGcloudProvider.Configuration.self, from: .object(members))
        return try VertexGcloudProvider(configuration: configuration, context: context(environment: environment))
    }

    /// A scenario whose time moves only by `advance` (a real second is a scenario millisecond);
    /// only `token` is accepted, and `forbiddenToken` is refused with 403.
    static func scenario(_ timeline: [JSONValue]) -> String {
        JSONValue.object([
            ("name", .string("vertex-gcloud-tests")), ("timeScale", .number(0.001)), ("project", .string(project)),
            ("projectNumber", .string("123456789012")), ("region", .string(region)),
            (
                "auth",
                .object([
                    ("accessTokens", .array([.string(token)])), ("forbiddenTokens", .array([.string(forbiddenToken)])),
                ])
            ),
            ("timeline", .array(timeline)),
        ]).jsonText
    }

    static func step(_ at: String, _ action: String, _ fields: [String: JSONValue]) -> JSONValue {
        .object(
            [("at", .string(at)), ("do", .string(action))]
                + fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    static func createJob(_ id: String, displayName: String, labels: [String: String]) -> JSONValue {
        var fields: [String: JSONValue] = ["id": .string(id), "displayName": .string(displayName)]
        if !labels.isEmpty {
            fields["labels"] = .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        }
        return step("0s", "createJob", fields)
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "launchwatch-vertex-gcloud-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Writes an executable `/bin/sh` script and returns its path.
    static func script(in directory: URL, _ name: String, _ body: String) throws -> String {
        let file = directory.appendingPathComponent(name)
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        return file.path
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func pids(in file: String) throws -> [pid_t] {
        pids(from: try String(contentsOfFile: file, encoding: .utf8))
    }

    static func pids(from text: String) -> [pid_t] {
        text.split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
    }

    /// Reads a FIFO to its end on a thread of its own: opening it waits for the writer.
    static func readBlocking(_ path: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileNoSuchFile) }
                        defer { try? handle.close() }
                        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
                    })
            }.start()
        }
    }

    /// Whether `pid` is gone (or a zombie nobody reaped) within a few seconds (see `ProcessLiveness`).
    static func ends(_ pid: pid_t) async -> Bool {
        await ProcessLiveness.ends(pid)
    }
}

extension VertexGcloudProviderTests {
    /// An isolated gcloud set-up pointing at the emulator: its own configuration folder and a token
    /// file. `nil` (after saying so loudly) when no gcloud is installed.
    /// The shared `GcloudSandbox`, with this suite's token and its stand-in scripts.
    struct Sandbox {
        let gcloud: String
        let directory: URL
        let environment: [String: String]
        private let shared: GcloudSandbox

        init?(emulator: URL, token: String = VertexGcloudProviderTests.token) throws {
            guard let shared = try GcloudSandbox(emulator: emulator, token: token) else {
                Self.missing("no gcloud on the PATH")
                return nil
            }
            self.shared = shared
            gcloud = shared.gcloud
            directory = shared.directory
            environment = shared.environment
        }

        func script(_ name: String, _ body: String) throws -> String {
            try VertexGcloudProviderTests.script(in: directory, name, body)
        }

        func remove() { shared.remove() }

        /// A missing gcloud is a failure under CI (`CI` set), a loud warning elsewhere.
        static func missing(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let message = "GCLOUD TESTS NOT RUN: \(what)"
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            } else {
                FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
            }
        }
    }

    /// A request the emulator served, from `GET /_emulator/requests`.
    struct EmulatedRequest: Sendable {
        var route: String
        var path: String
        var status: Int
    }

    /// Moves the emulator's scenario time forward by `duration` (`"3s"`).
    static func advance(_ harness: EmulatorHarness, _ duration: String) async throws {
        let reply = try await harness.request(
            "POST", "/_emulator/advance", headers: ["Content-Type": "application/json"],
            body: Data(JSONValue.object([("by", .string(duration))]).jsonText.utf8))
        #expect(reply.status == 200)
    }

    /// The Vertex AI requests the emulator served so far, in order.
    static func vertexRequests(_ harness: EmulatorHarness) async throws -> [EmulatedRequest] {
        let reply = try await harness.request("GET", "/_emulator/requests")
        guard case .array(let requests)? = try JSONParser.parse(reply.body)["requests"] else { return [] }
        return requests.compactMap { request in
            guard case .string(let route)? = request["route"], route.hasPrefix("vertex."),
                case .string(let path)? = request["path"], case .number(let status)? = request["status"]
            else { return nil }
            return EmulatedRequest(route: route, path: path, status: Int(status))
        }
    }
}
