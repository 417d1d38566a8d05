import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchVertexREST
import Testing

/// `vertex-rest` sweeps (`poll(batch:)`) against the emulator, which holds to the filter fields the
/// reference documents for `customJobs.list`: the listing uses labels OR'ed in batches and
/// `create_time` only, learns what the server refuses, and keeps within its request budget.
@Suite("vertex-rest sweeps")
struct VertexRESTBatchTests {
    typealias F = VertexRESTFixture

    /// `count` jobs labelled `wandb-run-id=run<k>`: the odd ones fail with their own message.
    static func timeline(_ count: Int) -> [JSONValue] {
        var steps: [JSONValue] = []
        for k in 0..<count {
            steps.append(F.createJob(id: F.jobID(k + 1), displayName: "sweep", labels: ["wandb-run-id": "run\(k)"]))
            if k % 2 == 1 {
                steps.append(F.failJob(at: "2s", id: F.jobID(k + 1), code: 3, message: "trial \(k) diverged"))
            } else {
                steps.append(F.setState(at: "2s", id: F.jobID(k + 1), "JOB_STATE_RUNNING"))
            }
        }
        return steps
    }

    static func scenario(_ count: Int, faults: [JSONValue] = [], rejecting: [String] = []) -> String {
        guard case .object(var members) = try? JSONParser.parse(Data(F.scenario(timeline: timeline(count)).utf8))
        else { return "" }
        if !faults.isEmpty { members.append(("faults", .array(faults))) }
        if !rejecting.isEmpty {
            members.append(("vertex", .object([("rejectFilterFields", .array(rejecting.map { .string($0) }))])))
        }
        return JSONValue.object(members).jsonText
    }

    static func providers(_ harness: EmulatorHarness, _ count: Int) throws -> [VertexRESTProvider] {
        try (0..<count).map { k in
            try F.provider(harness, match: .object([("labels", F.object(["wandb-run-id": "run\(k)"]))]))
        }
    }

    static func poll(
        _ batch: [VertexRESTProvider], _ memory: BatchMemory, budget: Int? = 60
    ) async -> [Result<PollResult, ProviderError>] {
        await VertexRESTProvider.poll(
            batch: batch, memory: memory,
            PollContext(now: Date(), startedAt: Date(), attempt: 0, requestsPerMinute: budget))
    }

    /// The `filter` of every `customJobs.list` the emulator served.
    static func filters(_ harness: EmulatorHarness) async -> [String] {
        await harness.state.requestLog().filter { $0.route == "vertex.list" }.compactMap { $0.query["filter"] }
    }

    /// Fails the test for a filter naming anything but `labels.K=V`, `create_time>=`.
    static func expectDocumentedOnly(_ filters: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for filter in filters {
            for word in ["update_time", "updateTime", "start_time", "end_time", "!="] {
                #expect(!filter.contains(word), "\(filter)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("20 launches against a Vertex that refuses update_time: every target its own outcome, no 400")
    func twentyLaunches() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(20)) { harness in
            let batch = try Self.providers(harness, 20)
            let memory = BatchMemory()
            await harness.state.advance(by: 1)
            var statuses = Array(repeating: "", count: 20)
            var messages = Array(repeating: "", count: 20)
            for tick in 0..<3 {
                if tick == 1 { await harness.state.advance(by: 2) }
                for (k, answer) in await Self.poll(batch, memory).enumerated() {
                    let result = try answer.get()
                    if let observation = result.observations.first {
                        statuses[k] = observation.status
                        messages[k] = observation.detail?.message ?? ""
                    }
                }
            }
            for k in 0..<20 {
                #expect(statuses[k] == (k % 2 == 1 ? "JOB_STATE_FAILED" : "JOB_STATE_RUNNING"), "run\(k)")
                #expect(messages[k] == (k % 2 == 1 ? "trial \(k) diverged" : ""), "run\(k)")
            }
            let log = await harness.state.requestLog().filter { $0.route == "vertex.list" }
            #expect(log.allSatisfy { $0.status == 200 }, "\(log.map(\.status))")
            #expect(log.count == 3, "one request a tick for 20 launches")
            Self.expectDocumentedOnly(await Self.filters(harness))
            #expect(await Self.filters(harness).allSatisfy { $0.contains("create_time>=") })
        }
    }

    @Test("a Vertex that refuses create_time too: dropped for good with one notice, the tick still answers")
    func createTimeRefused() async throws {
        let scenario = Self.scenario(4, rejecting: ["create_time"])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let batch = try Self.providers(harness, 4)
            let memory = BatchMemory()
            await harness.state.advance(by: 3)
            var notices: [String] = []
            for _ in 0..<3 {
                let answers = await Self.poll(batch, memory)
                for answer in answers { notices += try answer.get().notices.filter { $0.contains("create_time") } }
                #expect(try answers[1].get().observations.first?.detail?.message == "trial 1 diverged")
            }
            #expect(notices.count == 1, "\(notices)")
            let filters = await Self.filters(harness)
            #expect(filters.count == 4, "one refused, then one a tick: \(filters)")
            #expect(filters.dropFirst().allSatisfy { !$0.contains("create_time") })
        }
    }

    @Test("one target against a Vertex that refuses create_time: the job is still found, one notice, then get")
    func singleTargetCreateTimeRefused() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(2, rejecting: ["create_time"])) { harness in
            let provider = try Self.providers(harness, 2)[1]
            await harness.state.advance(by: 3)
            let found = try await F.poll(provider)
            #expect(found.observations.first?.detail?.message == "trial 1 diverged")
            #expect(found.notices.filter { $0.contains("create_time") }.count == 1)
            #expect(try await F.poll(provider).notices.isEmpty)
            let log = await harness.state.requestLog().filter { $0.route.hasPrefix("vertex.") }
            #expect(log.map(\.route) == ["vertex.list", "vertex.list", "vertex.get"])
            #expect(log.map(\.status) == [400, 200, 200])
        }
    }

    @Test("a Vertex that refuses pageSize=1000 (400 naming page_size): asked again with gcloud's 100, for good")
    func pageSizeRefused() async throws {
        let refusal = JSONValue.object([
            (
                "error",
                .object([
                    ("code", .number(400)), ("status", .string("INVALID_ARGUMENT")),
                    ("message", .string("Invalid page_size: 1000; it must be at most 100.")),
                ])
            )
        ])
        let fault = F.fault("vertex.list", [("count", .number(1)), ("status", .number(400)), ("body", refusal)])
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(2, faults: [fault])) { harness in
            await harness.state.advance(by: 3)
            let providers = try Self.providers(harness, 2)
            let answers = await Self.poll(providers, BatchMemory())
            #expect(try answers.map { try $0.get().observations.first?.detail?.message } == [nil, "trial 1 diverged"])
            let notices = try answers.flatMap { try $0.get().notices }
            #expect(!notices.contains { $0.contains("launches") }, "not taken for a batch too large: \(notices)")
            _ = await Self.poll(providers, BatchMemory())
            let lists = await harness.state.requestLog().filter { $0.route == "vertex.list" }
            #expect(lists.map(\.status) == [400, 200, 200])
            #expect(lists.compactMap { $0.query["pageSize"] } == ["1000", "100", "100"])
        }
    }

    @Test(
        "a 400, 413 or 414 for a long filter halves the batch and retries in the same tick", arguments: [400, 413, 414])
    func halvesOnRefusal(_ status: Int) async throws {
        let fault = F.fault("vertex.list", [("count", .number(1)), ("status", .number(Double(status)))])
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(150, faults: [fault])) { harness in
            let batch = try Self.providers(harness, 150)
            let memory = BatchMemory()
            await harness.state.advance(by: 3)
            let answers = await Self.poll(batch, memory)
            let results = try answers.map { try $0.get() }
            #expect(results.allSatisfy { $0.observations.count == 1 }, "every target answered in the refused tick")
            #expect(results[0].notices.contains { $0.contains("asking for 50 a request") }, "\(results[0].notices)")
            // The refused request named 100; then 50, 50, 50.
            let sizes = await Self.filters(harness).map { $0.components(separatedBy: " OR ").count }
            #expect(sizes == [100, 50, 50, 50], "\(sizes)")
            _ = await Self.poll(batch, memory)
            let next = await Self.filters(harness).dropFirst(4).map { $0.components(separatedBy: " OR ").count }
            #expect(next == [50, 50, 50], "the smaller batch is kept")
        }
    }

    @Test("a tick of several requests asks for a later next poll within the budget, and says so once")
    func slowsTheTickWithinBudget() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(250)) { harness in
            let batch = try Self.providers(harness, 250)
            let memory = BatchMemory()
            await harness.state.advance(by: 3)
            let first = try await Self.poll(batch, memory, budget: 60).map { try $0.get() }
            // 3 requests (100 + 100 + 50) at 60 a minute: no sooner than 3 s.
            #expect(first.allSatisfy { $0.retryAfter == .seconds(3) })
            #expect(first[0].notices.contains { $0.contains("3 requests") && $0.contains("60 requests a minute") })
            let second = try await Self.poll(batch, memory, budget: 30).map { try $0.get() }
            #expect(second[0].retryAfter == .seconds(6))
            #expect(!second[0].notices.contains { $0.contains("requests this tick") }, "said once")
            let small = try await Self.poll(Array(batch.prefix(10)), BatchMemory()).map { try $0.get() }
            #expect(small.allSatisfy { $0.retryAfter == nil }, "one request a tick needs no hint")
        }
    }
}
