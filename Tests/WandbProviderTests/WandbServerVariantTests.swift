import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchWandb
import Testing

/// `wandb-launch` against W&B servers that refuse what the official client never asks for: the
/// critical path asks only `id state associatedRunId`; the extras (the agent's message, the queue
/// time) go in a separate request that a refusal switches off with one notice; a server without
/// `runQueueItem(id:)` is read through the queue's listing, as the official client does. Plus the
/// batch's recovery from a request refused as too large, and `Retry-After` as an HTTP date.
@Suite("W&B stricter and older servers")
struct WandbServerVariantTests {
    typealias W = WandbProviderTests
    typealias B = WandbBatchTests

    /// The items of `WandbBatchTests.itemSteps(count)` on a server with `keys` in its `wandb` object.
    static func scenario(_ count: Int, _ keys: String = "", faults: String = "") -> String {
        var text = WandbStateTests.scenario(B.itemSteps(count))
        if !keys.isEmpty {
            text = text.replacingOccurrences(of: #""entity": "team"}"#, with: #""entity": "team", \#(keys)}"#)
        }
        if !faults.isEmpty {
            text = text.replacingOccurrences(of: #""timeline": ["#, with: #""faults": [\#(faults)], "timeline": ["#)
        }
        return text
    }

    static let strict = #""strictQueueItems": true"#
    static let older = #""runQueueItemById": false"#

    @Test("a stricter server: FAILED without the message, one notice, then only the client's request")
    func strictServerSingle() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(4, Self.strict)) { emulator in
            await emulator.state.advance(by: 2)
            let provider = try B.launch("item-3", emulator)
            var first = PollResult()
            let sent = try await Self.requests(emulator) { first = try await W.poll(provider) }
            #expect(sent == ["GetRunQueueItem", "RunQueueItemDetail"])
            #expect(first.observations.map(\.status) == ["FAILED"])
            #expect(first.observations.first?.detail == nil)
            #expect(first.notices.count == 1)
            #expect(first.notices.first?.contains(#"Cannot query field "createdAt" on type "RunQueueItem""#) == true)
            var second = PollResult()
            let later = try await Self.requests(emulator) { second = try await W.poll(provider) }
            #expect(later == ["GetRunQueueItem"], "the extras are switched off for good")
            #expect(second.notices.isEmpty)
            #expect(second.observations.map(\.status) == ["FAILED"])
            let log = await emulator.state.graphQLLog()
            #expect(log.filter { !$0.isValid }.map(\.operation) == ["RunQueueItemDetail"])
        }
    }

    @Test("a stricter server: the batch answers every target, the extras are refused once per target")
    func strictServerBatch() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(8, Self.strict)) { emulator in
            await emulator.state.advance(by: 2)
            let providers = try (0..<8).map { try B.launch("item-\($0)", emulator) }
            let answers = await WandbLaunchProvider.poll(batch: providers, memory: BatchMemory(), B.context)
            let results = try answers.map { try $0.get() }
            #expect(
                results.map { $0.observations.map(\.status) }
                    == (0..<8).map {
                        [["PENDING", "LEASED", "CLAIMED", "FAILED"][$0 % 4]]
                    })
            #expect(results.map { $0.observations.first?.facts ?? [:] }[2] == ["run_id": "run-2"])
            let noticed = results.enumerated().filter { !$0.element.notices.isEmpty }.map(\.offset)
            #expect(noticed == [0, 3, 4, 7], "the PENDING and FAILED targets asked for the extras, once")
            let later = await Self.requests(emulator) {
                _ = await WandbLaunchProvider.poll(batch: providers, memory: BatchMemory(), B.context)
            }
            #expect(later == ["RunQueueItemBatch"])
        }
    }

    @Test("an older server without runQueueItem(id:): the item is read from the listing, with one notice")
    func olderServer() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(4, Self.older)) { emulator in
            await emulator.state.advance(by: 2)
            let single = try B.launch("item-2", emulator)
            var first = PollResult()
            let sent = try await Self.requests(emulator) { first = try await W.poll(single) }
            #expect(sent == ["GetRunQueueItem", "GetRunQueueItems"])
            #expect(first.observations.map(\.status) == ["CLAIMED"])
            #expect(first.observations.first?.facts == ["run_id": "run-2"])
            #expect(first.notices.count == 1)
            let later = try await Self.requests(emulator) { _ = try await W.poll(single) }
            #expect(later == ["GetRunQueueItems"])

            let batch = try (0..<4).map { try B.launch("item-\($0)", emulator) }
            let answers = await WandbLaunchProvider.poll(batch: batch, memory: BatchMemory(), B.context)
            let results = try answers.map { try $0.get() }
            #expect(
                results.map { $0.observations.map(\.status) } == [["PENDING"], ["LEASED"], ["CLAIMED"], ["FAILED"]])
            #expect(results[3].observations.first?.detail == FailureDetail(code: "run", message: "failure 3"))
            #expect(results.allSatisfy { $0.notices.count == 1 })
        }
    }

    @Test("a batch refused as too large (400, 413, 414) is halved and retried", arguments: [400, 413, 414])
    func halvedOnTooLarge(_ status: Int) async throws {
        let fault = #"{"route": "wandb.graphql", "count": 1, "status": \#(status)}"#
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(10, faults: fault)) { emulator in
            await emulator.state.advance(by: 2)
            let providers = try (0..<10).map { try B.launch("item-\($0)", emulator) }
            var answers: [Result<PollResult, ProviderError>] = []
            let sent = await Self.requests(emulator) {
                answers = await WandbLaunchProvider.poll(batch: providers, memory: BatchMemory(), B.context)
            }
            #expect(sent.filter { $0 == "RunQueueItemBatch" }.count == 3, "the whole, then each half")
            let statuses = try answers.map { try $0.get().observations.map(\.status) }
            #expect(statuses == (0..<10).map { [["PENDING", "LEASED", "CLAIMED", "FAILED"][$0 % 4]] })
        }
    }

    @Test("a batch every request of which is refused with 400 costs one request per halving, not one per item")
    func persistentRefusalIsNotHalvedToSingles() async throws {
        let fault = #"{"route": "wandb.graphql", "status": 400}"#
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(10, faults: fault)) { emulator in
            await emulator.state.advance(by: 2)
            let providers = try (0..<10).map { try B.launch("item-\($0)", emulator) }
            var answers: [Result<PollResult, ProviderError>] = []
            let sent = await Self.requests(emulator) {
                answers = await WandbLaunchProvider.poll(batch: providers, memory: BatchMemory(), B.context)
            }
            // 10, 5, 2, 1 aliases: each first half failed as the whole did, so the rest were not sent.
            #expect(sent.filter { $0 == "RunQueueItemBatch" }.count == 4)
            #expect(answers.allSatisfy { if case .failure(let error) = $0 { error.code == "http_400" } else { false } })
        }
    }

    @Test("W&B's Retry-After is read as seconds or as an HTTP date")
    func retryAfterDate() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date().addingTimeInterval(600))
        let fault = #"{"route": "wandb.graphql", "status": 503, "headers": {"Retry-After": "\#(date)"}}"#
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(1, faults: fault)) { emulator in
            let provider = try B.launch("item-0", emulator)
            let error = await #expect(throws: ProviderError.self) { try await W.poll(provider) }
            let seconds = try #require(error?.retryAfter).components.seconds
            // Read as a date 10 minutes ahead: whatever this (possibly loaded) machine took since, at most
            // 10 minutes (and well over 0: it was not read as seconds, nor ignored).
            #expect((60...600).contains(seconds), "\(seconds)")
        }
    }

    @Test("every document the W&B providers send validates against the emulator's W&B schema")
    func documentsValidate() async throws {
        let steps = B.itemSteps(4) + B.runSteps(4)
        try await EmulatorHarness.with(scenarioJSON: WandbStateTests.scenario(steps)) { emulator in
            await emulator.state.advance(by: 2)
            let items = try (0..<4).map { try B.launch("item-\($0)", emulator) }
            let runs = try (0..<4).map { try B.run("run-\($0)", emulator) }
            _ = await WandbLaunchProvider.poll(batch: items, memory: BatchMemory(), B.context)
            _ = await WandbRunProvider.poll(batch: runs, memory: BatchMemory(), B.context)
            for provider in try (0..<4).map({ try B.launch("item-\($0)", emulator) }) { _ = try await W.poll(provider) }
            for provider in runs { _ = try await W.poll(provider) }
            let byName = try W.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "name": "train-1", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            _ = try await W.poll(byName)
            let byDisplayName = try W.make(
                WandbRunProvider.self,
                #"{"entity": "team", "project": "proj", "displayName": "train-1", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            _ = try await W.poll(byDisplayName)
            let log = await emulator.state.graphQLLog()
            #expect(
                Set(log.compactMap(\.operation)).isSuperset(of: [
                    "RunQueueItemBatch", "RunQueueItemDetailBatch", "RunBatch", "GetRunQueueItem", "RunQueueItemDetail",
                    "Run", "RunQueueItems", "Runs",
                ]))
            #expect(log.filter { !$0.isValid }.map { "\($0.operation ?? "?"): \($0.errors)" } == [])
        }
    }

    /// The GraphQL operations `body` sends.
    static func requests(_ emulator: EmulatorHarness, during body: () async throws -> Void) async rethrows -> [String] {
        let before = await emulator.state.requestLog().count
        try await body()
        return await emulator.state.requestLog().dropFirst(before).filter { $0.route == "wandb.graphql" }
            .map { $0.operation ?? "" }
    }
}
