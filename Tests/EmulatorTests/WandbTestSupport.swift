import Foundation
import LaunchWatchCore
import LaunchWatchTesting

/// Scenario text and GraphQL requests shared by the W&B tests.
///
/// Scenarios run at `timeScale` 0.001: a real second is a scenario millisecond, so only
/// `advance(by:)` moves scenario time and a slow machine never does.
enum WandbFixture {
    static let apiKey = "0123456789abcdef0123456789abcdef01234567"
    static let otherKey = "fedcba9876543210fedcba9876543210fedcba98"
    static let entity = "lw-team"
    static let username = "ada"
    static let queue = "vertex-gpu"
    static let emptyQueue = "vertex-cpu"
    static let project = "resnet"
    /// The queue items' ids, base64 as W&B's are.
    static let item = "UnVuUXVldWVJdGVtOjI3MTgy"
    static let failingItem = "UnVuUXVldWVJdGVtOjI3MTgz"

    /// The standard W&B scenario: four runs created at 0–3 s with configs, summaries and tags; an
    /// item enqueued at 0 s that is LEASED at 30 s and CLAIMED with run `claimed1` at 40 s, whose
    /// run appears at 45 s and runs at 60 s; and an item that FAILED at 50 s.
    /// `server` adds keys to the scenario's `wandb` object (`strictQueueItems`, `runQueueItemById`).
    static func scenario(
        faults: [JSONValue] = [], apiKeys: [String] = [apiKey], server: [(key: String, value: JSONValue)] = []
    ) -> String {
        let timeline: [JSONValue] = [
            step("0s", "enqueueItem", ("item", .string(item)), ("queue", .string(queue)), ("name", .string("train-a"))),
            step(
                "0s", "enqueueItem", ("item", .string(failingItem)), ("queue", .string(queue)),
                ("name", .string("train-b")), ("runId", .string("preset01"))),
            run(
                "0s", "run00001", "baseline-1", "finished", config: ["lr": 0.1, "optimizer": "sgd"], loss: 0.5,
                tags: ["baseline"]),
            run(
                "1s", "run00002", "baseline-2", "running", config: ["lr": 0.01, "optimizer": "adam"], loss: 1.5,
                tags: ["baseline", "gpu"]),
            run("2s", "run00003", "sweep-3", "failed", config: ["lr": 0.001, "optimizer": "adam"]),
            run("3s", "run00004", "sweep-4", "crashed", config: ["lr": 0.0001]),
            step("30s", "setItemState", ("item", .string(item)), ("state", .string("LEASED"))),
            step("40s", "claimItem", ("item", .string(item)), ("runId", .string("claimed1"))),
            step(
                "45s", "createRun", ("runId", .string("claimed1")), ("project", .string(project)),
                ("displayName", .string("train-a")), ("state", .string("pending"))),
            step(
                "50s", "failItem", ("item", .string(failingItem)),
                ("message", .string("Vertex AI: machine type not available")), ("stage", .string("run"))),
            step("60s", "setRunState", ("runId", .string("claimed1")), ("state", .string("running"))),
        ]
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string("wandb-tests")), ("timeScale", .number(0.001)),
            (
                "wandb",
                .object(
                    [
                        ("apiKeys", .array(apiKeys.map(JSONValue.string))), ("entity", .string(entity)),
                        ("username", .string(username)), ("queues", .array([.string(emptyQueue)])),
                    ] + server)
            ),
            ("timeline", .array(timeline)),
        ]
        if !faults.isEmpty { members.append(("faults", .array(faults))) }
        return JSONValue.object(members).jsonText
    }

    static func step(_ at: String, _ action: String, _ fields: (key: String, value: JSONValue)...) -> JSONValue {
        .object([("at", .string(at)), ("do", .string(action))] + fields)
    }

    static func run(
        _ at: String, _ id: String, _ displayName: String, _ state: String, config: [String: Any], loss: Double? = nil,
        tags: [String] = []
    ) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("runId", .string(id)), ("project", .string(project)), ("displayName", .string(displayName)),
            ("state", .string(state)),
            (
                "config",
                .object(
                    config.sorted { $0.key < $1.key }.map { key, value in
                        (key, (value as? Double).map(JSONValue.number) ?? .string("\(value)"))
                    })
            ),
            ("tags", .array(tags.map(JSONValue.string))),
        ]
        if let loss { fields.append(("summary", .object([("loss", .number(loss))]))) }
        return .object([("at", .string(at)), ("do", .string("createRun"))] + fields)
    }

    /// The `Authorization` header for `key`.
    static func basic(_ key: String) -> String {
        "Basic " + Data("api:\(key)".utf8).base64EncodedString()
    }

    /// The value at a path of object keys and array indices.
    static func value(_ json: JSONValue?, _ path: Any...) -> JSONValue? {
        var current = json
        for step in path {
            switch (current, step) {
            case (.object?, let key as String): current = current?[key]
            case (.array(let values)?, let index as Int): current = values.indices.contains(index) ? values[index] : nil
            default: return nil
            }
        }
        return current
    }

    static func text(_ json: JSONValue?, _ path: Any...) -> String? {
        var current = json
        for step in path { current = value(current, step) }
        if case .string(let text)? = current { return text }
        return nil
    }

    static func list(_ json: JSONValue?, _ path: Any...) -> [JSONValue] {
        var current = json
        for step in path { current = value(current, step) }
        if case .array(let values)? = current { return values }
        return []
    }
}

/// A W&B GraphQL reply: status, headers and the parsed body.
struct WandbReply: Sendable {
    var status: Int
    var headers: [String: String]
    var json: JSONValue?

    var data: JSONValue? { json?["data"] }
    var errors: [JSONValue] { WandbFixture.list(json, "errors") }
    var firstError: String? { WandbFixture.text(json, "errors", 0, "message") }
}

extension EmulatorHarness {
    /// `POST /graphql` with `query` and `variables`, authenticated with `key` (`nil`: no header).
    func graphql(
        _ query: String, variables: [(key: String, value: JSONValue)] = [], operationName: String? = nil,
        key: String? = WandbFixture.apiKey
    ) async throws -> WandbReply {
        var body: [(key: String, value: JSONValue)] = [("query", .string(query)), ("variables", .object(variables))]
        if let operationName { body.append(("operationName", .string(operationName))) }
        return try await graphql(body: Data(JSONValue.object(body).jsonText.utf8), key: key)
    }

    /// `POST /graphql` with a raw body.
    func graphql(body: Data, key: String? = WandbFixture.apiKey) async throws -> WandbReply {
        var headers = ["Content-Type": "application/json"]
        if let key { headers["Authorization"] = WandbFixture.basic(key) }
        let reply = try await request("POST", "/graphql", headers: headers, body: body)
        return WandbReply(status: reply.status, headers: reply.headers, json: try? JSONParser.parse(reply.body))
    }

    /// The names of the runs `runs(filters:, order:)` answers, in order.
    func runNames(filters: String?, order: String? = "+created_at", first: Int? = nil) async throws -> [String] {
        let reply = try await graphql(
            """
            query Runs($project: String!, $entity: String!, $filters: JSONString, $order: String, $first: Int) {
              project(name: $project, entityName: $entity) {
                runs(filters: $filters, order: $order, first: $first) { edges { node { name } } }
              }
            }
            """,
            variables: [
                ("project", .string(WandbFixture.project)), ("entity", .string(WandbFixture.entity)),
                ("filters", filters.map(JSONValue.string) ?? .null), ("order", order.map(JSONValue.string) ?? .null),
                ("first", first.map { .number(Double($0)) } ?? .null),
            ])
        return WandbFixture.list(reply.data, "project", "runs", "edges").compactMap {
            WandbFixture.text($0, "node", "name")
        }
    }
}
