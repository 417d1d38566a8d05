import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchWandb
import Testing

/// The W&B kinds' batch polls (`BatchPolling`) against the emulator: one GraphQL request per poll
/// of a whole sweep, and for every target what its own `poll` would have said.
@Suite("W&B batch polls")
struct WandbBatchTests {
    typealias W = WandbProviderTests

    /// Item `item-K` (K from 0): PENDING, LEASED, CLAIMED by `run-K`, or FAILED with "failure K",
    /// by K modulo 4 (from scenario time 1s).
    static func itemSteps(_ count: Int) -> [String] {
        (0..<count).flatMap { k -> [String] in
            var steps = [
                #"{"at": "0s", "do": "enqueueItem", "item": "item-\#(k)", "queue": "gpu", "entity": "team", "name": "train-\#(k)"}"#
            ]
            switch k % 4 {
            case 1: steps.append(#"{"at": "1s", "do": "setItemState", "item": "item-\#(k)", "state": "LEASED"}"#)
            case 2: steps.append(#"{"at": "1s", "do": "claimItem", "item": "item-\#(k)", "runId": "run-\#(k)"}"#)
            case 3:
                steps.append(
                    #"{"at": "1s", "do": "failItem", "item": "item-\#(k)", "stage": "run", "message": "failure \#(k)"}"#
                )
            default: break
            }
            return steps
        }
    }

    static let runStates = ["pending", "running", "preempting", "preempted", "finished", "failed", "crashed", "killed"]

    /// Run `run-K` (K from 0) in `runStates[K % 8]` (from scenario time 1s).
    static func runSteps(_ count: Int) -> [String] {
        (0..<count).flatMap { k -> [String] in
            [
                #"{"at": "0s", "do": "createRun", "runId": "run-\#(k)", "project": "proj", "entity": "team", "displayName": "train-\#(k)", "state": "pending"}"#,
                #"{"at": "1s", "do": "setRunState", "runId": "run-\#(k)", "state": "\#(runStates[k % 8])"}"#,
            ]
        }
    }

    static func launch(_ item: String, _ emulator: EmulatorHarness, key: String? = nil) throws -> WandbLaunchProvider {
        try W.make(
            WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "item": "\#(item)", "baseURL": "BASE"}"#,
            base: emulator.baseURL, environment: key.map { ["WANDB_API_KEY": $0] } ?? W.environment)
    }

    static func run(_ run: String, _ emulator: EmulatorHarness) throws -> WandbRunProvider {
        try W.make(
            WandbRunProvider.self, #"{"entity": "team", "project": "proj", "run": "\#(run)", "baseURL": "BASE"}"#,
            base: emulator.baseURL)
    }

    static var context: PollContext { PollContext(now: Date(), startedAt: W.startedAt, attempt: 0) }

    /// The GraphQL requests `body` sends, by operation name.
    static func requests(_ emulator: EmulatorHarness, during body: () async -> Void) async -> [String] {
        let before = await emulator.state.requestLog().count
        await body()
        return await emulator.state.requestLog().dropFirst(before).filter { $0.route == "wandb.graphql" }
            .map { $0.operation ?? "" }
    }

    @Test(
        "wandb-launch: one request per batch poll for 1, 10 or 50 items (and one for the optional details, once)",
        arguments: [1, 10, 50])
    func launchBatch(_ count: Int) async throws {
        try await EmulatorHarness.with(scenarioJSON: WandbStateTests.scenario(Self.itemSteps(count))) { emulator in
            await emulator.state.advance(by: 2)
            let providers = try (0..<count).map { try Self.launch("item-\($0)", emulator) }
            var answers: [Result<PollResult, ProviderError>] = []
            let sent = await Self.requests(emulator) {
                answers = await WandbLaunchProvider.poll(batch: providers, memory: BatchMemory(), Self.context)
            }
            // The critical fields, then once the optional details of the PENDING and FAILED items.
            #expect(sent == ["RunQueueItemBatch", "RunQueueItemDetailBatch"])
            try #require(answers.count == count)
            var again: [Result<PollResult, ProviderError>] = []
            let later = await Self.requests(emulator) {
                again = await WandbLaunchProvider.poll(batch: providers, memory: BatchMemory(), Self.context)
            }
            #expect(later == ["RunQueueItemBatch"], "the details are read once")
            #expect(try again.map { try $0.get().observations } == answers.map { try $0.get().observations })
            for (k, answer) in answers.enumerated() {
                let observations = try answer.get().observations
                let observation = try #require(observations.first)
                #expect(observations.count == 1)
                #expect(observation.subject == "item-\(k)")
                #expect(observation.status == ["PENDING", "LEASED", "CLAIMED", "FAILED"][k % 4])
                #expect(observation.facts == (k % 4 == 2 ? ["run_id": "run-\(k)"] : [:]))
                #expect(observation.detail == (k % 4 == 3 ? FailureDetail(code: "run", message: "failure \(k)") : nil))
                #expect(observation.backendTime != nil || k % 4 != 0, "a PENDING item carries its queue time")
                #expect(try await W.poll(providers[k]).observations == observations, "the same as its own poll")
            }
        }
    }

    @Test("wandb-run: one request per batch poll for 1, 10 or 50 runs in every state", arguments: [1, 10, 50])
    func runBatch(_ count: Int) async throws {
        try await EmulatorHarness.with(scenarioJSON: WandbStateTests.scenario(Self.runSteps(count))) { emulator in
            await emulator.state.advance(by: 2)
            let providers = try (0..<count).map { try Self.run("run-\($0)", emulator) }
            var answers: [Result<PollResult, ProviderError>] = []
            let sent = await Self.requests(emulator) {
                answers = await WandbRunProvider.poll(batch: providers, memory: BatchMemory(), Self.context)
            }
            #expect(sent == ["RunBatch"])
            try #require(answers.count == count)
            for (k, answer) in answers.enumerated() {
                let observations = try answer.get().observations
                #expect(observations.map(\.status) == [Self.runStates[k % 8]])
                #expect(observations.map(\.subject) == ["run-\(k)"])
                #expect(try await W.poll(providers[k]).observations == observations, "the same as its own poll")
            }
        }
    }

    @Test("a missing item or run is 'not yet' for its target only")
    func missingTarget() async throws {
        let steps = Self.itemSteps(4) + Self.runSteps(4)
        try await EmulatorHarness.with(scenarioJSON: WandbStateTests.scenario(steps)) { emulator in
            await emulator.state.advance(by: 2)
            let items = try ["item-0", "item-missing", "item-2", "item-3"].map { try Self.launch($0, emulator) }
            let itemAnswers = await WandbLaunchProvider.poll(batch: items, memory: BatchMemory(), Self.context)
            let itemResults = try itemAnswers.map { try $0.get() }
            #expect(itemResults.map { $0.observations.map(\.status) } == [["PENDING"], [], ["CLAIMED"], ["FAILED"]])
            #expect(itemResults[1].notices.isEmpty)
            #expect(try await W.poll(items[1]).observations.isEmpty, "as its own poll says")

            let runs = try ["run-0", "run-1", "run-later", "run-3"].map { try Self.run($0, emulator) }
            var runAnswers: [Result<PollResult, ProviderError>] = []
            let sent = await Self.requests(emulator) {
                runAnswers = await WandbRunProvider.poll(batch: runs, memory: BatchMemory(), Self.context)
            }
            #expect(sent == ["RunBatch"])
            let runResults = try runAnswers.map { try $0.get() }
            #expect(runResults.map { $0.observations.map(\.status) } == [["pending"], ["running"], [], ["preempted"]])
        }
    }

    @Test("a 429 fails every target of the request with the same error and retry hint")
    func rateLimited() async throws {
        let scenario = WandbStateTests.scenario(Self.itemSteps(3) + Self.runSteps(3)).replacingOccurrences(
            of: #""timeline": ["#,
            with:
                #""faults": [{"route": "wandb.graphql", "status": 429, "headers": {"RateLimit-Reset": "7"}}], "timeline": ["#
        )
        try await EmulatorHarness.with(scenarioJSON: scenario) { emulator in
            await emulator.state.advance(by: 2)
            let items = try (0..<3).map { try Self.launch("item-\($0)", emulator) }
            let runs = try (0..<3).map { try Self.run("run-\($0)", emulator) }
            var answers: [Result<PollResult, ProviderError>] = []
            let sent = await Self.requests(emulator) {
                answers = await WandbLaunchProvider.poll(batch: items, memory: BatchMemory(), Self.context)
                answers += await WandbRunProvider.poll(batch: runs, memory: BatchMemory(), Self.context)
            }
            #expect(sent == ["RunQueueItemBatch", "RunBatch"])
            let errors = answers.compactMap { answer -> ProviderError? in
                if case .failure(let error) = answer { return error }
                return nil
            }
            try #require(errors.count == 6)
            #expect(Set(errors).count == 1, "the same error for all")
            #expect(errors[0].code == "http_429")
            #expect(errors[0].retryAfter == .seconds(7))
        }
    }

    @Test("a GraphQL error under one alias fails that target only")
    func errorUnderAlias() async throws {
        let item =
            #"{"id": "item-0", "state": "CLAIMED", "associatedRunId": "run-0", "createdAt": "2026-01-01T00:00:00", "error": null}"#
        let body =
            #"{"data": {"i0": {"runQueue": {"runQueueItem": \#(item)}}, "i1": null}, "errors": [{"message": "permission denied", "path": ["i1"]}]}"#
        let scenario = WandbStateTests.scenario(Self.itemSteps(3)).replacingOccurrences(
            of: #""timeline": ["#,
            with: #""faults": [{"route": "wandb.graphql", "count": 1, "status": 200, "body": \#(body)}], "timeline": ["#
        )
        try await EmulatorHarness.with(scenarioJSON: scenario) { emulator in
            let items = try (0..<3).map { try Self.launch("item-\($0)", emulator) }
            let answers = await WandbLaunchProvider.poll(batch: items, memory: BatchMemory(), Self.context)
            try #require(answers.count == 3)
            let first = try answers[0].get().observations
            #expect(first.map(\.status) == ["CLAIMED"])
            #expect(first.map(\.facts) == [["run_id": "run-0"]])
            #expect(throws: ProviderError(code: "graphql", message: "W&B: permission denied")) {
                try answers[1].get()
            }
            #expect(try answers[2].get().observations.isEmpty, "absent from data: not found")
        }
    }

    @Test("targets found by name poll on their own; once found they join the batch")
    func byNameFallsBack() async throws {
        let steps =
            Self.itemSteps(2) + [
                #"{"at": "0s", "do": "enqueueItem", "item": "item-x", "queue": "gpu", "entity": "team", "name": "dup"}"#,
                #"{"at": "0s", "do": "enqueueItem", "item": "item-y", "queue": "gpu", "entity": "team", "name": "dup"}"#,
            ]
        try await EmulatorHarness.with(scenarioJSON: WandbStateTests.scenario(steps)) { emulator in
            await emulator.state.advance(by: 2)
            let byName = try W.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "name": "train-1", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            let ambiguous = try W.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "name": "dup", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            let batch = [try Self.launch("item-0", emulator), byName, ambiguous]
            var answers: [Result<PollResult, ProviderError>] = []
            let first = await Self.requests(emulator) {
                answers = await WandbLaunchProvider.poll(batch: batch, memory: BatchMemory(), Self.context)
            }
            #expect(
                first.sorted() == ["RunQueueItemBatch", "RunQueueItemDetailBatch", "RunQueueItems", "RunQueueItems"])
            let results = try answers.map { try $0.get() }
            #expect(results.map { $0.observations.map(\.subject) } == [["item-0"], ["item-1"], []])
            #expect(results[2].notices.first?.contains("2 queue items") == true)

            let second = await Self.requests(emulator) {
                answers = await WandbLaunchProvider.poll(batch: batch, memory: BatchMemory(), Self.context)
            }
            #expect(second.sorted() == ["RunQueueItemBatch", "RunQueueItems"], "item-1 is now followed by id")
            #expect(try answers[1].get().observations.map(\.status) == ["LEASED"])
        }
    }

    @Test("more than 200 targets are split over documents of at most 200 aliases")
    func splitAbove200() async throws {
        try await EmulatorHarness.with(scenarioJSON: WandbStateTests.scenario(Self.runSteps(8))) { emulator in
            await emulator.state.advance(by: 2)
            for (count, requests) in [(200, 1), (201, 2), (401, 3)] {
                let providers = try (0..<count).map { try Self.run("run-\($0 % 8)", emulator) }
                var answers: [Result<PollResult, ProviderError>] = []
                let sent = await Self.requests(emulator) {
                    answers = await WandbRunProvider.poll(batch: providers, memory: BatchMemory(), Self.context)
                }
                #expect(sent.count == requests)
                let statuses = try answers.map { try $0.get().observations.map(\.status) }
                #expect(statuses == (0..<count).map { [Self.runStates[$0 % 8]] })
            }
        }
    }

    @Test("targets with different API keys go in separate requests")
    func groupedByKey() async throws {
        let scenario = WandbStateTests.scenario(Self.itemSteps(4)).replacingOccurrences(
            of: #""apiKeys": ["sentinel-wandb-key-0123456789abcdefghijklmnopqrstuvwxyz0123"]"#,
            with:
                #""apiKeys": ["sentinel-wandb-key-0123456789abcdefghijklmnopqrstuvwxyz0123", "other-wandb-key-9876543210abcdefghijklmnopqrstuvwxyz0123"]"#
        )
        try await EmulatorHarness.with(scenarioJSON: scenario) { emulator in
            await emulator.state.advance(by: 2)
            let other = "other-wandb-key-9876543210abcdefghijklmnopqrstuvwxyz0123"
            let providers = try [
                Self.launch("item-0", emulator), Self.launch("item-1", emulator, key: other),
                Self.launch("item-2", emulator), Self.launch("item-3", emulator, key: other),
            ]
            var answers: [Result<PollResult, ProviderError>] = []
            let sent = await Self.requests(emulator) {
                answers = await WandbLaunchProvider.poll(batch: providers, memory: BatchMemory(), Self.context)
            }
            #expect(
                sent == [
                    "RunQueueItemBatch", "RunQueueItemBatch", "RunQueueItemDetailBatch", "RunQueueItemDetailBatch",
                ])
            let statuses = try answers.map { try $0.get().observations.map(\.status) }
            #expect(statuses == [["PENDING"], ["LEASED"], ["CLAIMED"], ["FAILED"]])
        }
    }
}
