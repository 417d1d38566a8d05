import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore
import LaunchWatchEmulator

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
    }

    static let kinds: [Kind] = [
        Kind(
            kind: "vertex-rest",
            config:
                #"{"project": "launchwatch-demo", "region": "us-central1", "endpoint": "BASE", "timeout": "500ms", "match": {"labels": {"wandb-run-id": "r1"}}}"#,
            timeline: #"""
                {"at": "0s", "do": "createJob", "id": "1230000000000000001", "displayName": "m", "labels": {"wandb-run-id": "r1"}},
                {"at": "1s", "do": "failJob", "id": "1230000000000000001", "code": 3, "message": "matrix: replicas low on disk"}
                """#, hasMessage: true),
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
                #"{"project": "launchwatch-demo", "endpoint": "BASE", "filter": "severity>=ERROR", "settle": "0s", "timeout": "500ms"}"#,
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
    ]

    /// A fault, as the scenario's fault rule (without route, window or count), or a change of the
    /// setting (`endpoint` refused, clock skew).
    struct Fault: Sendable {
        var name: String
        var rule: String?
        var refused = false
        var clockSkew: String?
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
        Fault(name: "20 MB answer", rule: #""action": "oversize", "bytes": 20971520"#),
        Fault(name: "connection refused", refused: true),
        Fault(name: "clock +10 min", clockSkew: "10m"),
        Fault(name: "clock −10 min", clockSkew: "-10m"),
    ]

    /// How a cell is run: the fault for the first three requests, then not (`transient`), or for
    /// the whole watch (`persistent`).
    enum Mode: String, Sendable {
        case transient
        case persistent

        var deadline: Double { self == .transient ? 20 : 12 }
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

    static func pipeline(_ kind: Kind, base: String, deadline: Double) -> String {
        // A status nobody sends leads to the success stage, which the loader wants reachable.
        let entries = kind.map.merging(["MATRIX_NEVER_SENT": "succeeded"]) { $1 }.sorted { $0.key < $1.key }
        let map = "{" + entries.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ") + "}"
        return #"""
            {"name": "matrix",
             "stages": [{"id": "queued"}, {"id": "picked_up"}, {"id": "submitted"}, {"id": "running"},
                        {"id": "succeeded", "outcome": "success"}, {"id": "failed", "outcome": "failure"}],
             "providers": [{"id": "p", "type": "\#(kind.kind)", "config": \#(kind.config.replacingOccurrences(of: "BASE", with: base)),
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
        var base = try await emulator.baseURL().absoluteString
        if fault.refused {
            // A port nothing listens on: every request is refused.
            base = "http://127.0.0.1:9"
        }
        await emulator.state.reset()
        let startedAt = Date()
        let loaded = try PipelineLoader(registry: BuiltinProviders.registry()).load(
            Data(pipeline(kind, base: base, deadline: mode.deadline).utf8), baseDirectory: URL(fileURLWithPath: "/"),
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

    static let environment = ["GOOGLE_OAUTH_ACCESS_TOKEN": "matrix-token", "WANDB_API_KEY": "matrix-key"]

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
        let persistent = mode == .persistent && fault.rule != nil || fault.refused
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
        if outcome.requests > requestBound(mode) {
            problems.append("\(outcome.requests) requests (more than \(requestBound(mode)))")
        }
        return problems
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
