import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

@Suite("Fault injection and the request log")
struct FaultTests {
    typealias Fixture = VertexFixture

    static let jobs = [
        Fixture.createJob(id: Fixture.jobID(1), displayName: "one"),
        Fixture.createJob(id: Fixture.jobID(2), displayName: "two"),
    ]

    static func rule(_ route: String, _ fields: [(key: String, value: JSONValue)]) -> JSONValue {
        .object([("route", .string(route))] + fields)
    }

    @Test("a 429 fault answers RESOURCE_EXHAUSTED with ErrorInfo details and the rule's headers, for `count` requests")
    func status429() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs,
            faults: [
                Self.rule(
                    "vertex.list",
                    [
                        ("status", .number(429)), ("count", .number(2)),
                        ("headers", .object([("Retry-After", .string("7"))])),
                    ])
            ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            for _ in 0..<2 {
                let reply = try await harness.send("GET", Fixture.jobsPath)
                #expect(reply.status == 429)
                #expect(reply.headers["retry-after"] == "7")
                #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
                let error = try #require(reply.json?["error"])
                #expect(error["code"]?.asNumber == 429)
                #expect(error["status"]?.asString == "RESOURCE_EXHAUSTED")
                #expect(error["message"]?.asString?.contains("Quota exceeded") == true)
                let detail = try #require(error["details"]?.asArray.first)
                #expect(detail["@type"]?.asString == "type.googleapis.com/google.rpc.ErrorInfo")
                #expect(detail["reason"]?.asString == "RATE_LIMIT_EXCEEDED")
                #expect(detail["domain"]?.asString == "googleapis.com")
                #expect(detail["metadata"]?["quota_limit_value"]?.asString == "60")
            }
            let third = try await harness.send("GET", Fixture.jobsPath)
            #expect(third.status == 200)
            #expect(third.headers["retry-after"] == nil)
            #expect(third.json?["customJobs"]?.asArray.count == 2)
            // Other routes are untouched.
            #expect(try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1))).status == 200)
        }
    }

    @Test("a 503 fault answers UNAVAILABLE on every request while it is in force")
    func status503() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs, faults: [Self.rule("vertex.get", [("status", .number(503))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            for _ in 0..<3 {
                let reply = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1)))
                #expect(reply.status == 503)
                #expect(reply.errorStatus == "UNAVAILABLE")
                #expect(reply.json?["error"]?["code"]?.asNumber == 503)
            }
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 200)
        }
    }

    @Test("a fault with a body answers exactly that body")
    func customBody() async throws {
        let body: JSONValue = .object([
            ("error", .object([("code", .number(500)), ("message", .string("boom")), ("status", .string("INTERNAL"))]))
        ])
        let scenario = Fixture.scenario(
            timeline: Self.jobs, faults: [Self.rule("vertex.list", [("status", .number(500)), ("body", body)])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let reply = try await harness.send("GET", Fixture.jobsPath)
            #expect(reply.status == 500)
            #expect(reply.json == body)
        }
    }

    @Test("a fault applies from `from` until just before `until`, in scenario time")
    func window() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs,
            faults: [
                Self.rule(
                    "vertex.list", [("from", .string("10s")), ("until", .string("20s")), ("status", .number(429))])
            ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness async throws in
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 200)
            await harness.state.advance(by: 10)
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 429)
            await harness.state.advance(by: 9.5)
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 429)
            await harness.state.advance(by: 0.5)
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 200)
        }
    }

    @Test("latency delays the answer by that much, which is otherwise unchanged")
    func latency() async throws {
        let scenario = Fixture.scenario(
            timeScale: 1, timeline: Self.jobs, faults: [Self.rule("vertex.get", [("latency", .string("300ms"))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1)))
            let elapsed = start.duration(to: clock.now)
            #expect(reply.status == 200)
            #expect(reply.json?["displayName"]?.asString == "one")
            #expect(elapsed >= .milliseconds(290), "took \(elapsed)")
        }
    }

    @Test("a hang never answers: the client's own timeout ends the request, and the emulator serves on")
    func hang() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs,
            faults: [Self.rule("vertex.list", [("action", .string("hang")), ("count", .number(1))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness async throws in
            var request = HTTPTransport.Request(url: harness.url(Fixture.jobsPath))
            request.setValue("Bearer \(Fixture.token)", forHeader: "Authorization")
            // Long enough for the emulator of a loaded machine to take the request in, so that the
            // fault is spent on it and not on the next request (seen to take over 3 s with six builds
            // on two cores).
            let transport = HTTPTransport(timeout: .seconds(5))
            await #expect(throws: HTTPTransportError.timedOut) {
                _ = try await transport.send(request, timeout: .seconds(5))
            }
            let hung = await harness.state.requestLog().filter { $0.route == "vertex.list" }
            try #require(hung.map(\.status) == [0], "the hanging request reached the emulator")
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 200)
            let log = await harness.state.requestLog().filter { $0.route == "vertex.list" }
            #expect(log.map(\.status) == [0, 200])
        }
    }

    @Test("a reset closes the connection mid-body: the client sees a network error")
    func reset() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs,
            faults: [Self.rule("vertex.list", [("action", .string("reset")), ("count", .number(1))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness async throws in
            await #expect(throws: (any Error).self) {
                _ = try await harness.send("GET", Fixture.jobsPath)
            }
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 200)
        }
    }

    @Test("a malformed fault answers 200 with a body that is not JSON")
    func malformed() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs, faults: [Self.rule("vertex.get", [("action", .string("malformed"))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let reply = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1)))
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(!reply.body.isEmpty)
            #expect(reply.json == nil)
        }
    }

    @Test("a truncated fault answers a strict prefix of the real JSON body")
    func truncated() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs,
            faults: [Self.rule("vertex.list", [("action", .string("truncated")), ("count", .number(1))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let cut = try await harness.send("GET", Fixture.jobsPath)
            let whole = try await harness.send("GET", Fixture.jobsPath)
            #expect(cut.status == 200)
            #expect(whole.json?["customJobs"]?.asArray.count == 2)
            #expect(!cut.body.isEmpty)
            #expect(cut.body.count < whole.body.count)
            #expect(whole.body.starts(with: cut.body))
            #expect(cut.json == nil)
        }
    }

    @Test("the `*` route faults every service route but never the control API")
    func everyRoute() async throws {
        let scenario = Fixture.scenario(timeline: Self.jobs, faults: [Self.rule("*", [("status", .number(503))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 503)
            #expect(try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1))).status == 503)
            #expect(try await harness.send("POST", Fixture.jobPath(Fixture.jobID(1)) + ":cancel").status == 503)
            #expect(try await harness.send("GET", "/_emulator/health").status == 200)
            #expect(try await harness.send("GET", "/_emulator/requests").status == 200)
            let advance = try await harness.send("POST", "/_emulator/advance", json: .object([("by", .string("1s"))]))
            #expect(advance.status == 200)
            #expect(try await harness.send("POST", "/_emulator/reset").status == 200)
        }
    }

    @Test("the first rule in force wins; a rule that no longer applies gives way to the next")
    func ruleOrder() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs,
            faults: [
                Self.rule("vertex.list", [("status", .number(429)), ("count", .number(1))]),
                Self.rule("*", [("status", .number(503)), ("count", .number(1))]),
            ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness async throws in
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 429)
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 503)
            #expect(try await harness.send("GET", Fixture.jobsPath).status == 200)
        }
    }

    @Test("the request log counts requests per route, faulted ones included, control requests left out")
    func requestLog() async throws {
        let scenario = Fixture.scenario(
            timeline: Self.jobs, faults: [Self.rule("vertex.get", [("status", .number(429)), ("count", .number(1))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            _ = try await harness.send("GET", Fixture.jobsPath)
            _ = try await harness.send("GET", Fixture.jobsPath, query: [("pageSize", "1")])
            _ = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1)))
            _ = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(2)))
            _ = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(3)))
            _ = try await harness.send("GET", "/_emulator/health")
            _ = try await harness.send("GET", "/nowhere")

            let log = try await harness.send("GET", "/_emulator/requests")
            #expect(log.status == 200)
            let json = try #require(log.json)
            #expect(json["total"]?.asNumber == 6)
            #expect(
                json["byRoute"]
                    == .object([("unknown", .number(1)), ("vertex.get", .number(3)), ("vertex.list", .number(2))]))
            let requests = json["requests"]?.asArray ?? []
            #expect(requests.compactMap { $0["status"]?.asNumber } == [200, 200, 429, 200, 404, 404])
            #expect(requests.first?["method"]?.asString == "GET")
            #expect(requests.first?["path"]?.asString == Fixture.jobsPath)
            #expect(requests.allSatisfy { $0["time"]?.asNumber != nil })

            _ = try await harness.send("POST", "/_emulator/reset")
            let empty = try await harness.send("GET", "/_emulator/requests")
            #expect(empty.json?["total"]?.asNumber == 0)
            #expect(empty.json?["byRoute"] == .object([]))
        }
    }
}
