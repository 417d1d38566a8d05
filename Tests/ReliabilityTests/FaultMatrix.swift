import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting

/// The fault matrix: every HTTP provider kind against every fault the emulator injects, each cell a
/// real watch (the `Watcher` on the real clock, short intervals) of a launch that fails at 1 s with
/// a known message, over loopback.
enum FaultMatrix {
    /// A provider kind under test: its config (with `BASE` for the emulator's URL), the scenario of
    /// a launch failing at 1 s, and whether the failure comes with a message.
    struct Kind: Sendable {
        var kind: String
        var config: String
        var timeline: String
        var hasMessage: Bool
        /// Statuses → stages over the kind's own map.
        var map: [String: String] = [:]
        /// Runs gcloud (`GCLOUD` and `ENV` in the config): the gcloud faults apply, not the HTTP ones.
        var gcloud = false
        /// Runs a program of the `command` kind (`COMMAND` in the config): the command faults apply.
        var command = false
        /// Where the Google credentials come from, when not from `GOOGLE_OAUTH_ACCESS_TOKEN`: a file
        /// in `GOOGLE_APPLICATION_CREDENTIALS` whose token requests go to the emulator too (and get
        /// the same faults).
        var credentials: CredentialFile?
        /// The row's name in RELIABILITY.md.
        var name: String { credentials.map { "\(kind) (\($0.rawValue))" } ?? kind }
    }

    /// A Google credentials file of a type that makes token requests of its own.
    enum CredentialFile: String, Sendable {
        /// `impersonated_service_account` over an `authorized_user` with the sentinel refresh token:
        /// `token.oauth`, then IAM Credentials `generateAccessToken`.
        case impersonation
        /// `external_account` with the sentinel subject token in a file: STS, then `generateAccessToken`.
        case externalAccount = "external account"

        /// The file's text, its token requests pointed at `emulator`, and the subject token file.
        func write(emulator: String, in folder: URL) throws -> URL {
            let target = "matrix-runner@launchwatch-demo.iam.gserviceaccount.com"
            let impersonation = emulator + "/v1/projects/-/serviceAccounts/\(target):generateAccessToken"
            let secrets = SentinelSecrets.environment
            let text: String
            switch self {
            case .impersonation:
                text =
                    JSONValue.object([
                        ("type", .string("impersonated_service_account")),
                        ("service_account_impersonation_url", .string(impersonation)),
                        (
                            "source_credentials",
                            .object([
                                ("type", .string("authorized_user")),
                                ("client_id", .string("matrix.apps.googleusercontent.com")),
                                ("client_secret", .string(secrets["LAUNCHWATCH_SENTINEL_CLIENT_SECRET"] ?? "")),
                                ("refresh_token", .string(secrets["LAUNCHWATCH_SENTINEL_REFRESH_TOKEN"] ?? "")),
                                ("token_uri", .string(emulator + "/token")),
                            ])
                        ),
                    ]).jsonText
            case .externalAccount:
                let subject = folder.appendingPathComponent("subject-token")
                try Data((secrets["LAUNCHWATCH_SENTINEL_SUBJECT_TOKEN"] ?? "").utf8).write(to: subject)
                text =
                    JSONValue.object([
                        ("type", .string("external_account")),
                        (
                            "audience",
                            .string(
                                "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x")
                        ),
                        ("subject_token_type", .string("urn:ietf:params:oauth:token-type:jwt")),
                        ("token_url", .string(emulator + "/v1/token")),
                        ("credential_source", .object([("file", .string(subject.path))])),
                        ("service_account_impersonation_url", .string(impersonation)),
                    ]).jsonText
            }
            let file = folder.appendingPathComponent("credentials.json")
            try Data(text.utf8).write(to: file)
            return file
        }
    }

    static let vertexTimeline = #"""
        {"at": "0s", "do": "createJob", "id": "1230000000000000001", "displayName": "m", "labels": {"wandb-run-id": "r1"}},
        {"at": "1s", "do": "failJob", "id": "1230000000000000001", "code": 3, "message": "matrix: replicas low on disk"}
        """#

    static let kinds: [Kind] = [
        Kind(
            kind: "vertex-rest",
            config:
                #"{"project": "launchwatch-demo", "region": "us-central1", "endpoint": "BASE", "timeout": "500ms", "match": {"labels": {"wandb-run-id": "r1"}}}"#,
            timeline: vertexTimeline, hasMessage: true),
        Kind(
            kind: "wandb-launch",
            config: #"{"entity": "team", "queue": "q", "item": "I1", "baseURL": "BASE", "timeout": "1s"}"#,
            timeline: #"""
                {"at": "0s", "do": "enqueueItem", "item": "I1", "queue": "q", "name": "m"},
                {"at": "1s", "do": "failItem", "item": "I1", "message": "matrix: machine type is not supported"}
                """#, hasMessage: true),
        Kind(
            kind: "wandb-run",
            config: #"{"entity": "team", "project": "p", "run": "r1", "baseURL": "BASE", "timeout": "1s"}"#,
            timeline: #"""
                {"at": "0s", "do": "createRun", "runId": "r1", "project": "p", "state": "running"},
                {"at": "1s", "do": "setRunState", "runId": "r1", "state": "crashed"}
                """#, hasMessage: false),
        Kind(
            kind: "cloud-logging",
            config:
                #"{"project": "launchwatch-demo", "endpoint": "BASE", "filter": "severity>=ERROR", "timeout": "500ms"}"#,
            timeline: #"""
                {"at": "1s", "do": "writeLog", "severity": "ERROR", "logName": "projects/launchwatch-demo/logs/m", "resource": {"type": "ml_job", "labels": {"job_id": "1"}}, "textPayload": "matrix: quota exceeded"}
                """#, hasMessage: true, map: ["ERROR": "failed"]),
        Kind(
            kind: "cloud-run-execution",
            config:
                #"{"project": "launchwatch-demo", "region": "us-central1", "job": "agent", "execution": "e1", "endpoint": "BASE", "timeout": "500ms"}"#,
            timeline: #"""
                {"at": "0s", "do": "createExecution", "id": "e1", "job": "agent"},
                {"at": "1s", "do": "completeExecution", "id": "e1", "succeeded": false, "message": "matrix: the agent crashed"}
                """#, hasMessage: true),
        // The real gcloud against the emulator, behind a stand-in that plays the fault first.
        Kind(
            kind: "vertex-gcloud",
            config:
                #"{"project": "launchwatch-demo", "region": "us-central1", "gcloud": "GCLOUD", "env": ENV, "timeout": "3s", "match": {"labels": {"wandb-run-id": "r1"}}}"#,
            timeline: vertexTimeline, hasMessage: true, gcloud: true),
        // A command provider (Python, standard library only) reading the emulator's Vertex AI REST API,
        // behind a stand-in that plays the fault first.
        Kind(
            kind: "command",
            config: #"{"run": ["COMMAND", "BASE"], "timeout": "3s", "publishes": ["job_id"]}"#,
            timeline: vertexTimeline, hasMessage: true,
            map: ["JOB_STATE_QUEUED": "submitted", "JOB_STATE_PENDING": "submitted", "JOB_STATE_FAILED": "failed"],
            command: true),
        // The token sources that make requests of their own, under the same faults.
        Kind(
            kind: "vertex-rest",
            config:
                #"{"project": "launchwatch-demo", "region": "us-central1", "endpoint": "BASE", "timeout": "500ms", "match": {"labels": {"wandb-run-id": "r1"}}}"#,
            timeline: vertexTimeline, hasMessage: true, credentials: .impersonation),
        Kind(
            kind: "cloud-logging",
            config:
                #"{"project": "launchwatch-demo", "endpoint": "BASE", "filter": "severity>=ERROR", "timeout": "500ms"}"#,
            timeline: #"""
                {"at": "1s", "do": "writeLog", "severity": "ERROR", "logName": "projects/launchwatch-demo/logs/m", "resource": {"type": "ml_job", "labels": {"job_id": "1"}}, "textPayload": "matrix: quota exceeded"}
                """#, hasMessage: true, map: ["ERROR": "failed"], credentials: .externalAccount),
    ]

    /// A fault, as the scenario's fault rule (without route, window or count), or a change of the
    /// setting (an endpoint that cannot be reached, clock skew).
    struct Fault: Sendable {
        var name: String
        var rule: String?
        /// The provider's endpoint instead of the emulator's: every request fails to connect.
        var endpoint: String?
        var clockSkew: String?
        /// What the stand-in gcloud does instead of running the real one: a shell snippet, or
        /// `nil` with `gcloudMissing` for no executable at all.
        var gcloud: String?
        var gcloudMissing = false
        /// What the stand-in command does instead of the real one, as `gcloud` for gcloud.
        var command: String?
        var commandMissing = false

        var isGcloud: Bool { gcloud != nil || gcloudMissing }
        var isCommand: Bool { command != nil || commandMissing }
    }

    static let retryInfo =
        #"{"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED", "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]}}"#

    static let faults: [Fault] = [
        Fault(name: "429 Retry-After", rule: #""status": 429, "headers": {"Retry-After": "1"}"#),
        Fault(name: "429 RateLimit-Reset", rule: #""status": 429, "headers": {"RateLimit-Reset": "1"}"#),
        Fault(name: "429 RetryInfo", rule: #""status": 429, "body": \#(retryInfo)"#),
        Fault(name: "429 no hint", rule: #""status": 429"#),
        Fault(name: "500", rule: #""status": 500"#),
        Fault(name: "503", rule: #""status": 503"#),
        Fault(name: "401", rule: #""status": 401"#),
        Fault(name: "403", rule: #""status": 403"#),
        Fault(name: "reset mid-body", rule: #""action": "reset""#),
        Fault(name: "hang past the timeout", rule: #""action": "hang""#),
        Fault(name: "malformed JSON", rule: #""action": "malformed""#),
        Fault(name: "truncated JSON", rule: #""action": "truncated""#),
        Fault(name: "wrong shape", rule: #""status": 200, "body": {"unexpected": [1, 2, 3]}"#),
        Fault(name: "100 MB answer", rule: #""action": "oversize", "bytes": 104857600"#),
        // A port nothing listens on.
        Fault(name: "connection refused", endpoint: "http://127.0.0.1:9"),
        // Neither sends a packet: glibc refuses a 64-letter DNS label before asking a name server,
        // and the kernel refuses TCP to the broadcast address. Both are https and allowed for the
        // run (`environment`): credentials go nowhere else.
        Fault(name: "unresolvable host", endpoint: "https://\(String(repeating: "a", count: 64)).invalid"),
        Fault(name: "unroutable address", endpoint: "https://255.255.255.255:80"),
        Fault(name: "clock +10 min", clockSkew: "10m"),
        Fault(name: "clock −10 min", clockSkew: "-10m"),
        Fault(name: "gcloud missing", gcloudMissing: true),
        Fault(name: "gcloud hangs", gcloud: "exec sleep 60"),
        Fault(name: "gcloud prints garbage", gcloud: #"echo '}{ not json: Traceback (most recent call last)'; exit 0"#),
        Fault(
            name: "gcloud exits non-zero",
            gcloud: #"echo 'ERROR: (gcloud.ai.custom-jobs.list) UNAVAILABLE: matrix outage' >&2; exit 1"#),
        Fault(name: "command missing", commandMissing: true),
        Fault(name: "command hangs", command: "sleep 60 & exec sleep 60"),
        Fault(
            name: "command prints garbage", command: #"echo '}{ not json: Traceback (most recent call last)'; exit 0"#),
        Fault(name: "command exits non-zero", command: #"echo 'matrix outage' >&2; exit 1"#),
    ]

    /// How a cell is run: the fault for the first three requests, then not (`transient`), or for
    /// the whole watch (`persistent`).
    enum Mode: String, Sendable {
        case transient
        case persistent

        /// A transient cell ends as soon as its outcome is reached, so its deadline is only a bound:
        /// 30 s leaves room for three backed-off failures (the 429s ask for 1 s each, then the
        /// backoff) while every cell of the matrix runs at once on a 2-core machine, where 20 s
        /// was passed now and then. A persistent cell always runs to its deadline.
        var deadline: Double { self == .transient ? 30 : 12 }
    }

    /// What a watch did.
    struct Outcome: Sendable {
        var result: WatchResult
        var events: [WatchEvent]
        var requests: Int
    }

    static func scenario(_ kind: Kind, _ fault: Fault, _ mode: Mode) -> String {
        var faults = ""
        if let rule = fault.rule {
            let count = mode == .transient ? #", "count": 3"# : ""
            faults = #", "faults": [{"route": "*"\#(count), \#(rule)}]"#
        }
        let skew = fault.clockSkew.map { #", "clockSkew": "\#($0)""# } ?? ""
        return #"""
            {"name": "matrix", "project": "launchwatch-demo", "wandb": {"entity": "team", "queues": ["q"]}\#(skew),
             "timeline": [\#(kind.timeline)]\#(faults)}
            """#
    }

    static func pipeline(_ kind: Kind, config: String, deadline: Double) -> String {
        // A status nobody sends leads to the success stage, which the loader wants reachable.
        let entries = kind.map.merging(["MATRIX_NEVER_SENT": "succeeded"]) { $1 }.sorted { $0.key < $1.key }
        let map = "{" + entries.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ") + "}"
        return #"""
            {"name": "matrix",
             "stages": [{"id": "queued"}, {"id": "picked_up"}, {"id": "submitted"}, {"id": "running"},
                        {"id": "succeeded", "outcome": "success"}, {"id": "failed", "outcome": "failure"}],
             "providers": [{"id": "p", "type": "\#(kind.kind)", "config": \#(config),
                            "schedule": {"every": "100ms", "backoff": {"initial": "100ms", "max": "400ms", "jitter": 0}, "adaptive": false},
                            "map": \#(map), "degradedAfter": 2}],
             "finish": {"deadline": "\#(Int(deadline * 1000))ms", "detailWait": "0s"}}
            """#
    }

    /// Runs one cell.
    static func run(_ kind: Kind, _ fault: Fault, _ mode: Mode) async throws -> Outcome {
        let scenario = try Scenario(json: Data(scenario(kind, fault, mode).utf8))
        let emulator = Emulator(scenario: scenario)
        // Kept running until the whole matrix is done: a transfer the client gave up on may still
        // connect, and a server stopping under a new connection trips an assertion in NIO.
        Servers.keep(Task { try await emulator.run() })
        let emulatorURL = try await emulator.baseURL().absoluteString
        var base = emulatorURL
        if let endpoint = fault.endpoint { base = endpoint }
        var environment = Self.environment
        var credentialsFolder: URL?
        if let credentials = kind.credentials {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            credentialsFolder = folder
            environment["GOOGLE_OAUTH_ACCESS_TOKEN"] = nil
            // An impersonated_service_account file goes to IAM Credentials' own host unless gcloud's
            // override names another: here the emulator, so nothing leaves loopback.
            environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS"] = emulatorURL + "/"
            environment["GOOGLE_APPLICATION_CREDENTIALS"] = try credentials.write(emulator: emulatorURL, in: folder)
                .path
        }
        defer { if let credentialsFolder { try? FileManager.default.removeItem(at: credentialsFolder) } }
        var config = kind.config.replacingOccurrences(of: "BASE", with: base)
        var sandbox: URL?
        if kind.command {
            let stand = try CommandStandIn(fault: fault, mode: mode)
            sandbox = stand.directory
            config = config.replacingOccurrences(of: "COMMAND", with: stand.command)
        }
        if kind.gcloud {
            let stand = try GcloudStandIn(emulator: base, fault: fault, mode: mode)
            sandbox = stand.directory
            config = config.replacingOccurrences(of: "GCLOUD", with: stand.gcloud)
                .replacingOccurrences(of: "ENV", with: stand.environment)
        }
        defer { if let sandbox { try? FileManager.default.removeItem(at: sandbox) } }
        await emulator.state.reset()
        let startedAt = Date()
        let loaded = try PipelineLoader(registry: BuiltinProviders.registry()).load(
            Data(pipeline(kind, config: config, deadline: mode.deadline).utf8),
            baseDirectory: URL(fileURLWithPath: "/"),
            options: .init(environment: environment, startedAt: startedAt))
        let watcher = Watcher(
            pipeline: loaded.pipeline, clock: ContinuousClock(), startedAt: startedAt, environment: environment,
            randomSeed: 7)
        let run = Task { await watcher.run() }
        var events: [WatchEvent] = []
        for await event in watcher.events { events.append(event) }
        let result = await run.value
        let requests = await emulator.state.requestLog().filter { !$0.route.hasPrefix("control.") }.count
        return Outcome(result: result, events: events, requests: requests)
    }

    /// Every watch runs with the sentinel secrets; `problems` looks for them in everything it saw.
    /// The unreachable endpoints are allowed for the run (they are not loopback).
    static let environment = SentinelSecrets.environment.merging([
        CredentialDestinationRule.allowHostsVariable: "*.invalid,255.255.255.255"
    ]) { $1 }

    /// The most requests a watch may send: no hot loop. Answered polls come every 100 ms (60 in a
    /// persistent cell's 12 s, when a wrong-shape body reads as an empty answer); failed ones back off
    /// to 400 ms; a backend's retry hint only lowers the count.
    static func requestBound(_ mode: Mode) -> Int { mode == .transient ? 60 : 130 }

    /// What is wrong with a cell's outcome; empty when it is right.
    static func problems(_ kind: Kind, _ fault: Fault, _ mode: Mode, _ outcome: Outcome) -> [String] {
        var problems: [String] = []
        let degraded = outcome.events.contains {
            if case .provider(let change) = $0, change.health == .degraded { return true }
            return false
        }
        let stages = outcome.result.timeline.map(\.stage.id)
        let persistent =
            mode == .persistent && (fault.rule != nil || fault.gcloud != nil || fault.command != nil)
            || fault.endpoint != nil || fault.gcloudMissing || fault.commandMissing
        if persistent {
            if outcome.result.outcome != .deadline {
                problems.append("ended \(outcome.result.outcome.rawValue), not at the deadline")
            }
            // A body without the expected fields reads as an empty list where the API omits empty
            // lists (Vertex AI's customJobs, Logging's entries): nothing seen, which is the truth.
            let readsAsEmpty = fault.name == "wrong shape" && ["vertex-rest", "cloud-logging"].contains(kind.kind)
            if !degraded, !readsAsEmpty { problems.append("no degraded event") }
            if stages.contains("failed") { problems.append("reached failed although nothing was seen") }
        } else {
            if outcome.result.outcome != .failure { problems.append("ended \(outcome.result.outcome.rawValue)") }
            if kind.hasMessage, outcome.result.detail?.message.hasPrefix("matrix:") != true {
                problems.append("the message is \(outcome.result.detail?.message ?? "missing")")
            }
            if stages.contains(where: { !["failed", "queued", "picked_up", "submitted", "running"].contains($0) }) {
                problems.append("a wrong stage: \(stages)")
            }
        }
        let seen = outcome.events.map { String(reflecting: $0) } + [String(reflecting: outcome.result)]
        let leaked = SentinelSecrets.leaks(in: seen.joined(separator: "\n"))
        if !leaked.isEmpty { problems.append("SECRET LEAKED: \(leaked.joined(separator: ", "))") }
        if outcome.requests > requestBound(mode) {
            problems.append("\(outcome.requests) requests (more than \(requestBound(mode)))")
        }
        return problems
    }
}

/// A `GcloudSandbox` with a stand-in gcloud that plays a fault (on the first 3 calls when transient,
/// on every call when persistent) and then runs the real gcloud, with the sentinel access token.
struct GcloudStandIn {
    let sandbox: GcloudSandbox
    let gcloud: String
    /// The sandbox's environment as a JSON object, for the config's `env`.
    let environment: String
    var directory: URL { sandbox.directory }

    struct NoGcloud: Error, CustomStringConvertible {
        var description: String { "no gcloud on the PATH" }
    }

    init(emulator: String, fault: FaultMatrix.Fault, mode: FaultMatrix.Mode) throws {
        guard let url = URL(string: emulator),
            let sandbox = try GcloudSandbox(
                emulator: url, token: SentinelSecrets.environment["GOOGLE_OAUTH_ACCESS_TOKEN"] ?? "")
        else { throw NoGcloud() }
        self.sandbox = sandbox
        if fault.gcloudMissing {
            gcloud = sandbox.directory.appendingPathComponent("missing/gcloud").path
        } else {
            let times = mode == .transient ? 3 : 1_000_000
            let body = """
                #!/bin/sh
                count="$(dirname "$0")/count"
                n=$(( $(cat "$count" 2>/dev/null || echo 0) + 1 ))
                echo "$n" > "$count"
                if [ "$n" -le \(times) ]; then
                \(fault.gcloud ?? "")
                fi
                exec '\(sandbox.gcloud)' "$@"

                """
            let script = sandbox.directory.appendingPathComponent("gcloud")
            try Data(body.utf8).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            gcloud = script.path
        }
        environment =
            JSONValue.object(
                sandbox.environment.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) }
            ).jsonText
    }
}

/// A `command` provider for the matrix: a stand-in that plays a fault (on the first 3 runs when
/// transient, on every run when persistent) and then runs the real command, a Python script (standard
/// library only) that lists the emulator's Vertex AI jobs by label and prints the line protocol.
struct CommandStandIn {
    let directory: URL
    let command: String

    static let script = #"""
        import json, os, sys, urllib.error, urllib.parse, urllib.request
        query = urllib.parse.urlencode({"filter": 'labels.wandb-run-id="r1"'})
        url = sys.argv[1] + "/v1/projects/launchwatch-demo/locations/us-central1/customJobs?" + query
        token = os.environ["GOOGLE_OAUTH_ACCESS_TOKEN"]
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
        try:
            body = json.load(urllib.request.urlopen(request, timeout=2))
        except urllib.error.HTTPError as error:
            print("Vertex AI answered %d" % error.code, file=sys.stderr)
            sys.exit(1)
        for job in body.get("customJobs", []):
            line = {"status": job["state"], "subject": job["name"], "facts": {"job_id": job["name"].rsplit("/", 1)[-1]}}
            if job.get("error", {}).get("message"):
                line["detail"] = {"message": job["error"]["message"], "code": str(job["error"].get("code", ""))}
            print(json.dumps(line))
        """#

    init(fault: FaultMatrix.Fault, mode: FaultMatrix.Mode) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(Self.script.utf8).write(to: directory.appendingPathComponent("vertex_status.py"))
        if fault.commandMissing {
            command = directory.appendingPathComponent("missing/vertex-status").path
            return
        }
        let times = mode == .transient ? 3 : 1_000_000
        let body = """
            #!/bin/sh
            count="$(dirname "$0")/count"
            n=$(( $(cat "$count" 2>/dev/null || echo 0) + 1 ))
            echo "$n" > "$count"
            if [ "$n" -le \(times) ]; then
            \(fault.command ?? "")
            fi
            exec python3 "$(dirname "$0")/vertex_status.py" "$@"

            """
        let script = directory.appendingPathComponent("vertex-status")
        try Data(body.utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        command = script.path
    }
}

/// The cells' emulators, stopped together at the end of the matrix.
enum Servers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var tasks: [Task<Void, any Error>] = []

    static func keep(_ task: Task<Void, any Error>) { lock.withLock { tasks.append(task) } }

    /// Waits for late transfers to end, then stops every server.
    static func stopAll() async {
        try? await Task.sleep(for: .seconds(3))
        let all = lock.withLock {
            defer { tasks = [] }
            return tasks
        }
        for task in all { task.cancel() }
    }
}
