import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

/// The emulated W&B GraphQL API over real loopback HTTP: auth, the queries and mutations real
/// clients send, the filter language, ordering, pagination, the scenario timeline, errors and faults.
@Suite("W&B GraphQL")
struct WandbGraphQLTests {
    typealias Fixture = WandbFixture

    static let queueItemQuery = """
        query GetRunQueueItem($projectName: String!, $entityName: String!, $runQueue: String!, $itemId: ID!) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) { runQueueItem(id: $itemId) { id state associatedRunId error { message stage } } }
          }
        }
        """

    static func itemVariables(_ id: String, queue: String = Fixture.queue) -> [(key: String, value: JSONValue)] {
        [
            ("projectName", .string("model-registry")), ("entityName", .string(Fixture.entity)),
            ("runQueue", .string(queue)), ("itemId", .string(id)),
        ]
    }

    // MARK: - Auth

    @Test("a request without a key, or with a key the scenario does not list, is 401")
    func unauthorized() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            for key in [nil, Fixture.otherKey, ""] {
                let reply = try await harness.graphql("query { viewer { id } }", key: key)
                #expect(reply.status == 401, "key \(key ?? "nil")")
                #expect(reply.firstError == "user is not logged in")
                #expect(reply.data == nil)
            }
            let bearer = try await harness.request(
                "POST", "/graphql", headers: ["Authorization": "Bearer \(Fixture.apiKey)"],
                body: Data(#"{"query": "{ viewer { id } }"}"#.utf8))
            #expect(bearer.status == 401)
            let good = try await harness.graphql("query { viewer { id } }")
            #expect(good.status == 200)
        }
    }

    @Test("with no keys listed, any non-empty key is accepted")
    func anyKey() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(apiKeys: [])) { harness in
            let otherKeyStatus = try await harness.graphql("{ viewer { id } }", key: Fixture.otherKey).status
            #expect(otherKeyStatus == 200)
            let emptyKeyStatus = try await harness.graphql("{ viewer { id } }", key: "").status
            #expect(emptyKeyStatus == 401)
        }
    }

    // MARK: - Viewer

    @Test("viewer answers the user, the default entity and teams, with exactly the fields selected")
    func viewer() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let reply = try await harness.graphql(
                """
                query Viewer { viewer { id entity username email flags teams { edges { node { name } } } } }
                """, operationName: "Viewer")
            #expect(reply.status == 200)
            let viewer = try #require(reply.data?["viewer"])
            #expect(
                viewer.keysInOrder == ["id", "entity", "username", "email", "flags", "teams"],
                "exactly the selected fields, in order")
            #expect(Fixture.text(viewer, "username") == Fixture.username)
            #expect(Fixture.text(viewer, "entity") == Fixture.entity)
            #expect(Fixture.text(viewer, "teams", "edges", 0, "node", "name") == Fixture.entity)
            #expect(reply.errors.isEmpty)
        }
    }

    // MARK: - Runs

    static let runQuery = """
        query Run($project: String!, $entity: String!, $name: String!) {
          project(name: $project, entityName: $entity) {
            run(name: $name) {
              projectId
              ...RunFragment
            }
          }
        }
        fragment RunFragment on Run {
          id name displayName state config summaryMetrics systemMetrics tags createdAt heartbeatAt
          user { name username }
        }
        """

    static func runVariables(_ name: String, project: String = Fixture.project) -> [(key: String, value: JSONValue)] {
        [("project", .string(project)), ("entity", .string(Fixture.entity)), ("name", .string(name))]
    }

    @Test("run(name:) answers the run's fields, the config and summary as JSON strings, timestamps without zone")
    func run() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            await harness.state.advance(by: 5)
            let reply = try await harness.graphql(Self.runQuery, variables: Self.runVariables("run00002"))
            #expect(reply.status == 200)
            let run = try #require(reply.data?["project"]?["run"])
            #expect(Fixture.text(run, "name") == "run00002")
            #expect(Fixture.text(run, "displayName") == "baseline-2")
            #expect(Fixture.text(run, "state") == "running")
            #expect(Fixture.text(run, "projectId").flatMap { Int($0) } != nil, "projectId is an integer string")
            #expect(
                Fixture.text(run, "id").flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
                    == "Run:v1:run00002:\(Fixture.project):\(Fixture.entity)")
            let config = try JSONParser.parse(try #require(Fixture.text(run, "config")))
            #expect(config["lr"] == .object([("value", .number(0.01)), ("desc", .null)]))
            let summary = try JSONParser.parse(try #require(Fixture.text(run, "summaryMetrics")))
            #expect(summary["loss"] == .number(1.5))
            #expect(Fixture.text(run, "systemMetrics") == "{}")
            #expect(run["tags"] == .array([.string("baseline"), .string("gpu")]))
            #expect(Fixture.text(run, "user", "username") == Fixture.username)
            let createdAt = try #require(Fixture.text(run, "createdAt"))
            #expect(createdAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$"#, options: .regularExpression) != nil)
            let epoch = await harness.state.epoch
            let offset = try #require(RFC3339.date(from: createdAt + "Z")).timeIntervalSince(epoch)
            #expect(offset > -0.001 && offset <= 1.001, "created 1 s into the scenario, shown in whole seconds")
        }
    }

    @Test("a run that does not exist yet is null without errors, until the timeline creates it")
    func runAppearsOnTimeline() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let before = try await harness.graphql(Self.runQuery, variables: Self.runVariables("claimed1"))
            #expect(before.status == 200)
            #expect(before.errors.isEmpty)
            #expect(before.data?["project"]?["run"] == .null)
            await harness.state.advance(by: 45)
            let after = try await harness.graphql(Self.runQuery, variables: Self.runVariables("claimed1"))
            #expect(Fixture.text(after.data, "project", "run", "state") == "pending")
            await harness.state.advance(by: 15)
            let running = try await harness.graphql(Self.runQuery, variables: Self.runVariables("claimed1"))
            #expect(Fixture.text(running.data, "project", "run", "state") == "running")
        }
    }

    @Test("a project or entity that does not exist is null without errors")
    func missingProject() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let reply = try await harness.graphql(
                Self.runQuery, variables: Self.runVariables("run00001", project: "nope"))
            #expect(reply.status == 200)
            #expect(reply.errors.isEmpty)
            #expect(reply.data == .object([("project", .null)]))
            let entity = try await harness.graphql(
                #"{ entity(name: "nobody") { name } mine: entity(name: "lw-team") { name isTeam } }"#)
            #expect(entity.data?["entity"] == .null)
            #expect(Fixture.text(entity.data, "mine", "name") == Fixture.entity)
            #expect(entity.data?["mine"]?["isTeam"] == .bool(true))
        }
    }

    static let filterCases: [(filters: String, names: [String])] = [
        (#"{"state": "running"}"#, ["run00002"]),
        (#"{"state": {"$eq": "failed"}}"#, ["run00003"]),
        (#"{"state": {"$ne": "finished"}}"#, ["run00002", "run00003", "run00004"]),
        (#"{"state": {"$in": ["failed", "crashed"]}}"#, ["run00003", "run00004"]),
        (#"{"state": {"$nin": ["failed", "crashed"]}}"#, ["run00001", "run00002"]),
        (#"{"display_name": {"$regex": "^sweep-"}}"#, ["run00003", "run00004"]),
        (#"{"displayName": {"$regex": "BASELINE", "$options": "i"}}"#, ["run00001", "run00002"]),
        (#"{"displayName": "baseline-1"}"#, ["run00001"]),
        (#"{"name": "run00004"}"#, ["run00004"]),
        (#"{"$or": [{"name": "run00001"}, {"config.optimizer": "adam"}]}"#, ["run00001", "run00002", "run00003"]),
        (#"{"$and": [{"tags": "baseline"}, {"config.lr": {"$lt": 0.05}}]}"#, ["run00002"]),
        (#"{"tags": {"$in": ["gpu", "other"]}}"#, ["run00002"]),
        (#"{"config.lr.value": {"$gte": 0.01}}"#, ["run00001", "run00002"]),
        (#"{"config.lr": {"$lte": 0.001}}"#, ["run00003", "run00004"]),
        (#"{"config.lr": {"$gt": 0.01}}"#, ["run00001"]),
        (#"{"config.optimizer": {"$exists": false}}"#, ["run00004"]),
        (#"{"summary_metrics.loss": {"$lt": 1}}"#, ["run00001"]),
        (#"{"$nor": [{"state": "finished"}, {"state": "running"}]}"#, ["run00003", "run00004"]),
        (
            #"{"state": {"$not": {"$eq": "finished"}}, "config.lr": {"$gt": 0.0005, "$lt": 0.05}}"#,
            ["run00002", "run00003"]
        ),
        ("{}", ["run00001", "run00002", "run00003", "run00004"]),
    ]

    @Test("runs(filters:) applies W&B's MongoDB-like operators", arguments: filterCases)
    func runsFilter(_ filterCase: (filters: String, names: [String])) async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            await harness.state.advance(by: 5)
            let names = try await harness.runNames(filters: filterCase.filters)
            #expect(names == filterCase.names)
        }
    }

    @Test("createdAt filters compare instants, in W&B's zone-less form or RFC 3339")
    func createdAtFilter() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            await harness.state.advance(by: 5)
            let reply = try await harness.graphql(Self.runQuery, variables: Self.runVariables("run00003"))
            let createdAt = try #require(Fixture.text(reply.data, "project", "run", "createdAt"))
            let fromThird = try await harness.runNames(filters: #"{"createdAt": {"$gte": "\#(createdAt)"}}"#)
            #expect(fromThird == ["run00003", "run00004"])
            let beforeThird = try await harness.runNames(filters: #"{"created_at": {"$lt": "\#(createdAt)Z"}}"#)
            #expect(beforeThird == ["run00001", "run00002"])
            #expect(
                try await harness.runNames(
                    filters: #"{"$and": [{"state": "failed"}, {"createdAt": {"$gt": "\#(createdAt)+00:00"}}]}"#)
                    == [])
        }
    }

    @Test("runs(order:) sorts by created_at either way (newest first by default) and by config values")
    func runsOrder() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            await harness.state.advance(by: 5)
            let all = ["run00001", "run00002", "run00003", "run00004"]
            let ascending = try await harness.runNames(filters: nil, order: "+created_at")
            #expect(ascending == all)
            let unsigned = try await harness.runNames(filters: nil, order: "created_at")
            #expect(unsigned == all)
            let descending = try await harness.runNames(filters: nil, order: "-created_at")
            #expect(descending == all.reversed())
            let unordered = try await harness.runNames(filters: nil, order: nil)
            #expect(unordered == all.reversed())
            let byLearningRate = try await harness.runNames(filters: nil, order: "+config.lr.value")
            #expect(byLearningRate == all.reversed())
            let byLoss = try await harness.runNames(filters: nil, order: "-summary_metrics.loss")
            #expect(byLoss == ["run00002", "run00001", "run00003", "run00004"])
        }
    }

    static let pageQuery = """
        query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
          project(name: $project, entityName: $entity) {
            runCount(filters: $filters)
            runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
              edges { node { name } cursor }
              pageInfo { endCursor hasNextPage }
            }
          }
        }
        """

    @Test("runs pages with first/after from edges' cursors; hasNextPage and runCount agree")
    func pagination() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            await harness.state.advance(by: 5)
            var names: [String] = []
            var cursor: JSONValue = .null
            var pages = 0
            repeat {
                let reply = try await harness.graphql(
                    Self.pageQuery,
                    variables: [
                        ("project", .string(Fixture.project)), ("entity", .string(Fixture.entity)), ("cursor", cursor),
                        ("perPage", .number(3)), ("order", .string("+created_at")), ("filters", .string("{}")),
                    ])
                let project = try #require(reply.data?["project"])
                #expect(project["runCount"] == .number(4))
                let edges = Fixture.list(project, "runs", "edges")
                names += edges.compactMap { Fixture.text($0, "node", "name") }
                #expect(Fixture.text(project, "runs", "pageInfo", "endCursor") == Fixture.text(edges.last, "cursor"))
                pages += 1
                guard project["runs"]?["pageInfo"]?["hasNextPage"] == .bool(true) else { break }
                cursor = try #require(edges.last?["cursor"])
            } while pages < 10
            #expect(pages == 2)
            #expect(names == ["run00001", "run00002", "run00003", "run00004"])
        }
    }

    @Test("a cursor stays exact when a run is created between pages, and a foreign cursor is an error")
    func cursorIsStable() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            await harness.state.advance(by: 5)
            func page(_ cursor: JSONValue) async throws -> WandbReply {
                try await harness.graphql(
                    Self.pageQuery,
                    variables: [
                        ("project", .string(Fixture.project)), ("entity", .string(Fixture.entity)), ("cursor", cursor),
                        ("perPage", .number(2)), ("order", .string("-created_at")),
                    ])
            }
            let first = try await page(.null)
            let edges = Fixture.list(first.data, "project", "runs", "edges")
            #expect(edges.compactMap { Fixture.text($0, "node", "name") } == ["run00004", "run00003"])
            await harness.state.advance(by: 45)  // claimed1 is created: newest, so before the cursor
            let second = try await page(try #require(edges.last?["cursor"]))
            #expect(
                Fixture.list(second.data, "project", "runs", "edges").compactMap { Fixture.text($0, "node", "name") }
                    == ["run00002", "run00001"])
            let foreign = try await page(.string("not-a-cursor"))
            #expect(foreign.status == 400)
            #expect(foreign.firstError?.contains("invalid cursor") == true)
            #expect(foreign.errors.first?["path"] == .array([.string("project"), .string("runs")]))
            #expect(foreign.data?["project"]?["runs"] == .null, "the field is null, its siblings answer")
            #expect(foreign.data?["project"]?["runCount"] == .number(5))
        }
    }

    @Test("filters that are not JSON or use an unknown operator are a field error with its path")
    func badFilters() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            for filters in ["{not json", #"{"state": {"$near": 1}}"#, #"{"$where": "x"}"#, "[1]"] {
                let reply = try await harness.graphql(
                    Self.pageQuery,
                    variables: [
                        ("project", .string(Fixture.project)), ("entity", .string(Fixture.entity)),
                        ("filters", .string(filters)),
                    ])
                #expect(reply.status == 400, "\(filters)")
                #expect(reply.firstError?.hasPrefix("invalid filters") == true, "\(filters)")
                #expect(reply.data?["project"]?["runs"] == .null)
            }
        }
    }

    // MARK: - Run queue items

    @Test("the queue item moves PENDING → LEASED → CLAIMED (with its run id) along the timeline")
    func queueItemStates() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            func item() async throws -> JSONValue? {
                let reply = try await harness.graphql(
                    Self.queueItemQuery, variables: Self.itemVariables(Fixture.item), operationName: "GetRunQueueItem")
                #expect(reply.status == 200)
                return reply.data?["project"]?["runQueue"]?["runQueueItem"]
            }
            let pending = try await item()
            #expect(Fixture.text(pending, "id") == Fixture.item)
            #expect(Fixture.text(pending, "state") == "PENDING")
            #expect(pending?["associatedRunId"] == .null)
            #expect(pending?["error"] == .null)
            let advance = try await harness.request("POST", "/_emulator/advance", body: Data(#"{"by": "30s"}"#.utf8))
            #expect(advance.status == 200)
            let leased = try await item()
            #expect(Fixture.text(leased, "state") == "LEASED")
            await harness.state.advance(by: 10)
            let claimed = try await item()
            #expect(Fixture.text(claimed, "state") == "CLAIMED")
            #expect(Fixture.text(claimed, "associatedRunId") == "claimed1")
        }
    }

    @Test("a failed item carries the agent's error; a preset run id is in the spec, not yet associated")
    func failedItem() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let listQuery = """
                query GetRunQueueItems($projectName: String!, $entityName: String!, $runQueue: String!) {
                  project(name: $projectName, entityName: $entityName) {
                    runQueue(name: $runQueue) {
                      runQueueItems(first: 100) {
                        edges { node { id createdAt state associatedRunId runSpec error { message stage } } }
                      }
                    }
                  }
                }
                """
            let variables = Array(Self.itemVariables("").dropLast())
            let before = try await harness.graphql(listQuery, variables: variables)
            let edges = Fixture.list(before.data, "project", "runQueue", "runQueueItems", "edges")
            #expect(edges.compactMap { Fixture.text($0, "node", "id") } == [Fixture.item, Fixture.failingItem])
            let presetNode = try #require(edges.last?["node"])
            #expect(presetNode["associatedRunId"] == .null)
            let spec = try JSONParser.parse(try #require(Fixture.text(presetNode, "runSpec")))
            #expect(spec["run_id"] == .string("preset01"))
            #expect(spec["name"] == .string("train-b"))

            await harness.state.advance(by: 50)
            let reply = try await harness.graphql(
                Self.queueItemQuery, variables: Self.itemVariables(Fixture.failingItem))
            let failed = reply.data?["project"]?["runQueue"]?["runQueueItem"]
            #expect(Fixture.text(failed, "state") == "FAILED")
            #expect(Fixture.text(failed, "error", "message") == "Vertex AI: machine type not available")
            #expect(Fixture.text(failed, "error", "stage") == "run")
        }
    }

    @Test("an unknown queue or item is null without errors")
    func missingQueueAndItem() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let unknownItem = try await harness.graphql(Self.queueItemQuery, variables: Self.itemVariables("UnVu"))
            #expect(unknownItem.status == 200)
            #expect(unknownItem.data?["project"]?["runQueue"]?["runQueueItem"] == .null)
            let unknownQueue = try await harness.graphql(
                Self.queueItemQuery, variables: Self.itemVariables(Fixture.item, queue: "nope"))
            #expect(unknownQueue.data?["project"]?["runQueue"] == .null)
            #expect(unknownQueue.errors.isEmpty)
        }
    }

    static let pushMutation = """
        mutation pushToRunQueueByName($entityName: String!, $projectName: String!, $queueName: String!, $runSpec: JSONString!) {
          pushToRunQueueByName(input: {entityName: $entityName, projectName: $projectName, queueName: $queueName, runSpec: $runSpec}) {
            runQueueItemId
            runSpec
          }
        }
        """

    @Test("pushToRunQueueByName enqueues a PENDING item with the spec; the agent's pop, ack and fail move it")
    func pushAndAgentMutations() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let spec = #"{"name": "train-c", "entity": "lw-team", "project": "resnet", "resource": "gcp-vertex"}"#
            let pushed = try await harness.graphql(
                Self.pushMutation,
                variables: [
                    ("entityName", .string(Fixture.entity)), ("projectName", .string("model-registry")),
                    ("queueName", .string(Fixture.emptyQueue)), ("runSpec", .string(spec)),
                ])
            #expect(pushed.status == 200)
            let id = try #require(Fixture.text(pushed.data, "pushToRunQueueByName", "runQueueItemId"))
            let echoed = try JSONParser.parse(
                try #require(Fixture.text(pushed.data, "pushToRunQueueByName", "runSpec")))
            #expect(echoed["name"] == .string("train-c"))
            #expect(
                Data(base64Encoded: id).map { String(decoding: $0, as: UTF8.self).hasPrefix("RunQueueItem:") } == true)

            func item() async throws -> JSONValue? {
                let reply = try await harness.graphql(
                    Self.queueItemQuery, variables: Self.itemVariables(id, queue: Fixture.emptyQueue))
                return reply.data?["project"]?["runQueue"]?["runQueueItem"]
            }
            let pending = try await item()
            #expect(Fixture.text(pending, "state") == "PENDING")

            let popped = try await harness.graphql(
                """
                mutation { popFromRunQueue(input: {entityName: "lw-team", projectName: "model-registry", queueName: "vertex-cpu"}) { runQueueItemId runSpec } }
                """)
            #expect(Fixture.text(popped.data, "popFromRunQueue", "runQueueItemId") == id)
            let leased = try await item()
            #expect(Fixture.text(leased, "state") == "LEASED")

            let ack = try await harness.graphql(
                "mutation Ack($id: ID!) { ackRunQueueItem(input: {runQueueItemId: $id, runName: \"acked001\"}) { success } }",
                variables: [("id", .string(id))])
            #expect(ack.data?["ackRunQueueItem"]?["success"] == .bool(true))
            let claimed = try await item()
            #expect(Fixture.text(claimed, "state") == "CLAIMED")
            #expect(Fixture.text(claimed, "associatedRunId") == "acked001")
            let again = try await harness.graphql(
                "mutation Ack($id: ID!) { ackRunQueueItem(input: {runQueueItemId: $id, runName: \"x\"}) { success } }",
                variables: [("id", .string(id))])
            #expect(again.data?["ackRunQueueItem"]?["success"] == .bool(false), "an item is acknowledged once")

            let fail = try await harness.graphql(
                """
                mutation Fail($id: ID!) { failRunQueueItem(input: {runQueueItemId: $id, message: "no quota", stage: "run"}) { success } }
                """, variables: [("id", .string(id))])
            #expect(fail.data?["failRunQueueItem"]?["success"] == .bool(true))
            let failed = try await item()
            #expect(Fixture.text(failed, "state") == "FAILED")
            #expect(Fixture.text(failed, "error", "message") == "no quota")

            let empty = try await harness.graphql(
                """
                mutation { popFromRunQueue(input: {entityName: "lw-team", projectName: "model-registry", queueName: "vertex-cpu"}) { runQueueItemId } }
                """)
            #expect(empty.status == 200)
            #expect(empty.data?["popFromRunQueue"] == .null, "nothing PENDING to pop")
        }
    }

    @Test("pushing to a queue that does not exist is a 404 field error; a bad runSpec a 400")
    func pushErrors() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let unknown = try await harness.graphql(
                Self.pushMutation,
                variables: [
                    ("entityName", .string(Fixture.entity)), ("projectName", .string("model-registry")),
                    ("queueName", .string("nope")), ("runSpec", .string("{}")),
                ])
            #expect(unknown.status == 404)
            #expect(unknown.data == .object([("pushToRunQueueByName", .null)]))
            #expect(unknown.errors.first?["path"] == .array([.string("pushToRunQueueByName")]))
            let badSpec = try await harness.graphql(
                Self.pushMutation,
                variables: [
                    ("entityName", .string(Fixture.entity)), ("projectName", .string("model-registry")),
                    ("queueName", .string(Fixture.queue)), ("runSpec", .string("[not json")),
                ])
            #expect(badSpec.status == 400)
            #expect(badSpec.firstError == "runSpec is not valid JSON")
        }
    }

    // MARK: - The executor

    @Test("aliases, inline fragments, @skip/@include, __typename and literal arguments")
    func executorFeatures() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            await harness.state.advance(by: 5)
            let reply = try await harness.graphql(
                """
                query Mixed($withTags: Boolean!) {
                  me: viewer { who: username __typename }
                  p: project(name: "resnet", entityName: "lw-team") {
                    __typename
                    first: run(name: "run00001") { ... on Run { state } tags @include(if: $withTags) name @skip(if: true) }
                    second: run(name: "run00002") { ...Names }
                  }
                }
                fragment Names on Run { displayName }
                """, variables: [("withTags", .bool(false))])
            #expect(reply.status == 200)
            #expect(
                reply.data
                    == .object([
                        ("me", .object([("who", .string(Fixture.username)), ("__typename", .string("User"))])),
                        (
                            "p",
                            .object([
                                ("__typename", .string("Project")),
                                ("first", .object([("state", .string("finished"))])),
                                ("second", .object([("displayName", .string("baseline-2"))])),
                            ])
                        ),
                    ]))
        }
    }

    @Test("a field selected twice merges its selections")
    func fieldMerging() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            await harness.state.advance(by: 5)
            let reply = try await harness.graphql(
                """
                { project(name: "resnet", entityName: "lw-team") { run(name: "run00001") { name } }
                  project(name: "resnet", entityName: "lw-team") { run(name: "run00001") { state } } }
                """)
            #expect(
                reply.data?["project"]?["run"]
                    == .object([("name", .string("run00001")), ("state", .string("finished"))]))
        }
    }

    static let documentErrors: [(query: String, variables: String, operationName: String?, message: String)] = [
        ("query { viewer { id }", "{}", nil, "Syntax Error: Expected Name, found <EOF>."),
        ("query { viewer { id } } }", "{}", nil, "Syntax Error: Unexpected }."),
        ("query A { viewer { id } } query B { viewer { id } }", "{}", nil, "Must provide operation name"),
        ("query A { viewer { id } }", "{}", "C", "Unknown operation named \"C\"."),
        ("query { project(name: $p) { id } }", "{}", nil, "Variable \"$p\" is not defined."),
        (
            "query Q($p: String!) { project(name: $p) { id } }", "{}", nil,
            "of required type \"String!\" was not provided"
        ),
        ("query Q($p: String!) { project(name: $p) { id } }", #"{"p": null}"#, nil, "must not be null"),
        ("query { viewer { ...Missing } }", "{}", nil, "Unknown fragment \"Missing\"."),
        (
            "query { viewer { ...A } } fragment A on User { ...A }", "{}", nil,
            "Cannot spread fragment \"A\" within itself."
        ),
        ("query { viewer { id(x: \"unterminated) } }", "{}", nil, "Syntax Error: Unterminated string."),
        ("query { viewer { photoUrl } }", "{}", nil, "Cannot query field \"photoUrl\" on type \"User\"."),
        (
            "query { project(name: \"p\", entityName: \"e\", owner: \"x\") { id } }", "{}", nil,
            "Unknown argument \"owner\" on field \"Query.project\"."
        ),
        (
            "query { project(name: \"p\") { runs(first: \"ten\") { pageInfo { hasNextPage } } } }", "{}", nil,
            "Int cannot represent non-integer value: \"ten\""
        ),
        ("query Q($unused: String) { viewer { id } }", "{}", nil, "Variable \"$unused\" is never used"),
        ("query { viewer }", "{}", nil, "must have a selection of subfields"),
    ]

    @Test("a document that does not parse or validate is 400 with errors and no data", arguments: documentErrors)
    func documentError(_ error: (query: String, variables: String, operationName: String?, message: String))
        async throws
    {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            var body = #"{"query": \#(JSONValue.quoted(error.query)), "variables": \#(error.variables)"#
            if let name = error.operationName { body += #", "operationName": "\#(name)""# }
            let reply = try await harness.graphql(body: Data((body + "}").utf8))
            #expect(reply.status == 400)
            #expect(reply.json?["data"] == nil)
            #expect(reply.firstError?.contains(error.message) == true, "\(reply.firstError ?? "no error")")
        }
    }

    @Test("syntax errors carry the line and column")
    func syntaxErrorLocation() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let reply = try await harness.graphql("query {\n  viewer { id ! }\n}")
            #expect(
                reply.errors.first?["locations"] == .array([.object([("line", .number(2)), ("column", .number(15))])]))
        }
    }

    @Test("an empty or non-JSON body is 400 with W&B's {\"error\"} body")
    func unreadableBody() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            let empty = try await harness.graphql(body: Data())
            #expect(empty.status == 400)
            #expect(empty.json == .object([("error", .string("EOF"))]))
            let garbage = try await harness.graphql(body: Data("query { viewer { id } }".utf8))
            #expect(garbage.status == 400)
            #expect(Fixture.text(garbage.json, "error") != nil)
            let noQuery = try await harness.graphql(body: Data(#"{"variables": {}}"#.utf8))
            #expect(noQuery.status == 400)
            #expect(noQuery.firstError == "Must provide query string.")
        }
    }

    // MARK: - Faults

    @Test("an injected 429 has W&B's body and RateLimit headers counting down to the rule's end")
    func rateLimited() async throws {
        let faults: [JSONValue] = [
            .object([
                ("route", .string("wandb.graphql")), ("from", .string("0s")), ("until", .string("3s")),
                ("count", .number(1)), ("status", .number(429)),
            ]),
            .object([
                ("route", .string("wandb.graphql")), ("from", .string("10s")), ("count", .number(1)),
                ("status", .number(429)), ("headers", .object([("RateLimit-Reset", .string("7"))])),
            ]),
        ]
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(faults: faults)) { harness in
            let before = await harness.state.now
            let limited = try await harness.graphql("{ viewer { id } }")
            let after = await harness.state.now
            #expect(limited.status == 429)
            #expect(limited.json == .object([("error", .string("rate limit exceeded"))]))
            #expect(limited.headers["ratelimit-limit"] == "1000")
            #expect(limited.headers["ratelimit-remaining"] == "0")
            // Real seconds from the request to the rule's end (3 scenario seconds at timeScale 0.001 is
            // 3000 real seconds, far more than any test run), bounded by the scenario times read
            // around the request.
            let reset = try #require(limited.headers["ratelimit-reset"].flatMap { Int($0) })
            func realSeconds(from time: Double) -> Int { max(1, Int(((3 - time) / 0.001).rounded(.up))) }
            #expect((realSeconds(from: after)...realSeconds(from: before)).contains(reset))
            let nextStatus = try await harness.graphql("{ viewer { id } }").status
            #expect(nextStatus == 200, "count 1: the next request passes")

            await harness.state.advance(by: 10)
            let explicit = try await harness.graphql("{ viewer { id } }")
            #expect(explicit.status == 429)
            #expect(explicit.headers["ratelimit-reset"] == "7", "the rule's own header wins")
            #expect(explicit.headers["ratelimit-limit"] == "1000")
        }
    }
}

extension JSONValue {
    /// An object's keys in document order.
    fileprivate var keysInOrder: [String] {
        if case .object(let members) = self { return members.map(\.key) }
        return []
    }
}
