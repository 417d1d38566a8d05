import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

/// The official `wandb` client reads the emulated W&B API: `Conformance/wandb_client.py` logs in
/// (`wandb.Api` verifies the key through wandb-core), lists runs with a filter and page by page, reads
/// one run, a queued run's item and a queue's items, pushes a launch spec with the launch API, and
/// tries a wrong key; it prints what it read as one JSON object.
@Suite("wandb client conformance")
struct WandbConformanceTests {
    typealias Fixture = WandbFixture

    @Test("wandb.Api reads runs (filtered, paged), a run, a queued run's item, a push, and retries a 429")
    func officialClient() async throws {
        let rateLimited: JSONValue = .object([
            ("route", .string("wandb.graphql")), ("count", .number(1)), ("status", .number(429)),
        ])
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(faults: [rateLimited])) { harness in
            // Item claimed with run claimed1 (40 s), its run created (45 s), the other item failed (50 s).
            await harness.state.advance(by: 50)
            let environment = [
                "WANDB_KEY": Fixture.apiKey, "WANDB_ENTITY": Fixture.entity, "WANDB_PROJECT": Fixture.project,
                "WANDB_FILTERS":
                    #"{"$and": [{"state": {"$in": ["running", "finished"]}}, {"display_name": {"$regex": "^baseline"}}]}"#,
                "WANDB_RUN": "run00002", "WANDB_QUEUE": Fixture.queue, "WANDB_ITEM": Fixture.item,
                "WANDB_PUSH_QUEUE": Fixture.emptyQueue,
            ]
            let baseURL = harness.baseURL
            guard
                let output = try await Conformance.detached({
                    try Conformance.python("wandb_client.py", emulator: baseURL, environment: environment)
                })
            else { return }
            #expect(output.status == 0, "stderr: \(output.stderr)")
            let result = try JSONParser.parse(output.stdout)

            #expect(
                result["viewer"]
                    == .object([("username", .string(Fixture.username)), ("entity", .string(Fixture.entity))]))

            let filtered = Fixture.list(result, "filtered")
            #expect(filtered.compactMap { Fixture.text($0, "id") } == ["run00001", "run00002"])
            #expect(filtered.compactMap { Fixture.text($0, "name") } == ["baseline-1", "baseline-2"])
            #expect(filtered.first?["config"] == .object([("lr", .number(0.1)), ("optimizer", .string("sgd"))]))
            #expect(filtered.first?["summary"] == .object([("loss", .number(0.5))]))
            #expect(filtered.first?["tags"] == .array([.string("baseline")]))

            // One run per page, newest first: the client followed every cursor.
            #expect(
                Fixture.list(result, "all").compactMap { Fixture.text($0) }
                    == ["claimed1", "run00004", "run00003", "run00002", "run00001"])
            #expect(result["runCount"] == .number(5))

            let run = try #require(result["run"])
            #expect(Fixture.text(run, "id") == "run00002")
            #expect(Fixture.text(run, "state") == "running")
            #expect(run["config"]?["optimizer"] == .string("adam"))
            let epoch = await harness.state.epoch
            let createdAt = try #require(Fixture.text(run, "createdAt").flatMap { RFC3339.date(from: $0 + "Z") })
            #expect(abs(createdAt.timeIntervalSince(epoch) - 1) < 1.001)
            #expect(result["missingRun"] != .null, "a run that does not exist raises")

            #expect(result["item"] == .object([("state", .string("claimed")), ("runId", .string("claimed1"))]))
            #expect(result["queueItems"] == .array([.string(Fixture.item), .string(Fixture.failingItem)]))

            let pushed = try #require(result["pushed"])
            #expect(Fixture.text(pushed, "state") == "pending")
            #expect(Fixture.text(pushed, "spec", "name") == "conformance-push")
            let pushedID = try #require(Fixture.text(pushed, "id"))
            let item = try await harness.graphql(
                WandbGraphQLTests.queueItemQuery,
                variables: WandbGraphQLTests.itemVariables(pushedID, queue: Fixture.emptyQueue))
            #expect(Fixture.text(item.data, "project", "runQueue", "runQueueItem", "state") == "PENDING")

            #expect(result["badKey"] == .string("AuthenticationError"))

            // The 429 came first; the client retried and everything after it was answered.
            let statuses = await harness.state.requestLog().filter { $0.route == "wandb.graphql" }.map(\.status)
            #expect(statuses.first == 429)
            #expect(statuses.dropFirst().allSatisfy { $0 == 200 || $0 == 401 })
            #expect(statuses.filter { $0 == 401 }.count >= 1, "the wrong key was refused")
            let refused = await harness.state.graphQLLog().filter { !$0.isValid }
            #expect(refused.isEmpty, "every document the official client sent validated: \(refused)")
        }
    }

    @Test(
        "against a stricter, older server (only id/state/associatedRunId, no runQueueItem(id:)) the client falls back to the listing"
    )
    func officialClientOnOlderServer() async throws {
        let server: [(key: String, value: JSONValue)] = [
            ("strictQueueItems", .bool(true)), ("runQueueItemById", .bool(false)),
        ]
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(server: server)) { harness in
            await harness.state.advance(by: 50)
            let environment = [
                "WANDB_KEY": Fixture.apiKey, "WANDB_ENTITY": Fixture.entity, "WANDB_PROJECT": Fixture.project,
                "WANDB_QUEUE": Fixture.queue, "WANDB_ITEM": Fixture.item, "WANDB_ITEM_ONLY": "1",
            ]
            let baseURL = harness.baseURL
            guard
                let output = try await Conformance.detached({
                    try Conformance.python("wandb_client.py", emulator: baseURL, environment: environment)
                })
            else { return }
            #expect(output.status == 0, "stderr: \(output.stderr)")
            let result = try JSONParser.parse(output.stdout)
            #expect(result["item"] == .object([("state", .string("claimed")), ("runId", .string("claimed1"))]))
            // The client asked for runQueueItem(id:), was refused in the server's words, and listed.
            let log = await harness.state.graphQLLog()
            let refused = log.filter { !$0.isValid }
            #expect(refused.count >= 1)
            #expect(
                refused.allSatisfy {
                    $0.errors.first?.hasPrefix(#"Cannot query field "runQueueItem" on type "RunQueue"."#) == true
                }, "\(refused)")
        }
    }
}
