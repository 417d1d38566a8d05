import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

@Suite("Scenarios: decoding and the control API")
struct ScenarioTests {
    typealias Fixture = VertexFixture

    /// The problems `text` is rejected with, as `path: message` lines; empty when it loads.
    static func problems(_ text: String) -> [String] {
        do {
            _ = try Scenario(json: Data(text.utf8))
            return []
        } catch {
            return error.problems.map { "\($0.path): \($0.message)" }
        }
    }

    @Test("a valid scenario decodes with its defaults and its timeline in time order")
    func decodes() throws {
        let scenario = try Scenario(
            json: Data(
                """
                {"$schema": "../scenario.schema.json", "name": "ok",
                 "timeline": [{"at": "1m30s", "do": "setJobState", "id": "1", "state": "JOB_STATE_RUNNING"},
                              {"at": "250ms", "do": "createJob", "id": "1", "displayName": "train"}],
                 "faults": [{"route": "vertex.list", "from": "1s", "until": "2s", "count": 3, "status": 429,
                             "headers": {"Retry-After": "2"}},
                            {"route": "*", "latency": "1.5s"}]}
                """.utf8))
        #expect(scenario.name == "ok")
        #expect(scenario.timeScale == 1)
        #expect(scenario.region == "us-central1")
        #expect(scenario.timeline.map(\.at) == [0.25, 90])
        #expect(scenario.faults.count == 2)
        #expect(scenario.faults[0].from == 1)
        #expect(scenario.faults[0].until == 2)
        #expect(scenario.faults[0].count == 3)
        #expect(scenario.faults[1].latency == 1.5)
        guard case .status(let code, let headers, let body) = scenario.faults[0].kind else {
            Issue.record("expected a status fault")
            return
        }
        #expect(code == 429)
        #expect(headers == ["Retry-After": "2"])
        #expect(body == nil)
    }

    @Test("every bundled scenario decodes")
    func bundled() throws {
        for name in Scenario.bundledNames {
            #expect(try Scenario.bundled(name) != nil, "\(name)")
        }
    }

    static let invalid: [(text: String, expected: [String])] = [
        (
            #"{"name": "x", "timeline": [{"at": "1s", "do": "createJbo", "id": "1", "displayName": "a"}]}"#,
            [#"timeline[0].do: unknown action "createJbo"; did you mean "createJob"?"#]
        ),
        (
            #"{"name": "x", "timeline": [{"at": "1s", "do": "explode"}]}"#,
            [#"timeline[0].do: unknown action "explode""#]
        ),
        (
            #"{"name": "x", "timeline": [{"at": "1s", "do": "createJob"}]}"#,
            [
                #"timeline[0].id: is required by "do": "createJob""#,
                #"timeline[0].displayName: is required by "do": "createJob""#,
            ]
        ),
        (
            #"{"name": "x", "timeline": [{"at": "1s", "do": "failJob", "id": "1"}]}"#,
            [#"timeline[0].message: is required by "do": "failJob""#]
        ),
        (
            #"{"name": "x", "timeline": [{"at": "5 sec", "do": "expireTokens"}, {"at": "-1s", "do": "expireTokens"}]}"#,
            [
                #"timeline[0].at: "5 sec" is not a duration such as "4s", "1m30s" or "250ms""#,
                #"timeline[1].at: "-1s" is not a duration such as "4s", "1m30s" or "250ms""#,
            ]
        ),
        (
            #"{"name": "x", "faults": [{"route": "vertex.list", "from": "soon", "until": "10", "latency": "1h1h"}]}"#,
            [
                #"faults[0].from: "soon" is not a duration such as "4s", "1m30s" or "250ms""#,
                #"faults[0].until: "10" is not a duration such as "4s", "1m30s" or "250ms""#,
                #"faults[0].latency: "1h1h" is not a duration such as "4s", "1m30s" or "250ms""#,
            ]
        ),
        (
            #"{"name": "x", "faults": [{"route": "vertex.list", "action": "explode"}]}"#,
            [
                #"faults[0].action: unknown fault "explode"; use hang, reset, malformed, truncated, oversize or "#
                    + "permissionDenied"
            ]
        ),
        (
            #"{"name": "x", "faults": [{"route": "vertex.list", "action": "hang", "status": 429}]}"#,
            [#"faults[0].status: cannot be combined with "action""#]
        ),
        (
            #"{"name": "x", "faults": [{"route": "vertex.list", "status": 99}]}"#,
            [#"faults[0].status: must be an HTTP status between 100 and 599"#]
        ),
        (#"{"name": "x", "timeScale": 0}"#, [#"timeScale: must be above 0 and at most 10000"#]),
        (
            #"{"name": "x", "timelne": []}"#,
            [#"timelne: is not a known key; did you mean "timeline"?"#]
        ),
        (
            #"{"name": "x", "timeline": [{"at": "1s", "do": "createJob", "id": "1", "displayName": "a", "lables": {}}]}"#,
            [#"timeline[0].lables: is not a known key; did you mean "labels"?"#]
        ),
        (
            #"{"name": "x", "faults": [{"route": "*", "stauts": 429}]}"#,
            [#"faults[0].stauts: is not a known key; did you mean "status"?"#]
        ),
        (#"{"timeline": []}"#, ["name: is required but missing"]),
        (
            #"{"name": "x", "agent": {"claim": "soon", "states": [{"after": "1x", "state": "JOB_STATE_RUNNING"}], "end": {"after": "later", "state": "JOB_STATE_FAILED"}}}"#,
            [
                #"agent.claim: "soon" is not a duration such as "4s", "1m30s" or "250ms""#,
                #"agent.states[0].after: "1x" is not a duration such as "4s", "1m30s" or "250ms""#,
                #"agent.end.after: "later" is not a duration such as "4s", "1m30s" or "250ms""#,
            ]
        ),
        (
            #"{"name": "x", "agent": {"clam": "2s"}}"#,
            [#"agent.clam: is not a known key; did you mean "claim"?"#]
        ),
    ]

    @Test("an invalid scenario is rejected with every problem and its JSON path", arguments: invalid)
    func rejects(_ text: String, expected: [String]) {
        #expect(Self.problems(text) == expected)
    }

    @Test("text that is not JSON is rejected at the root")
    func notJSON() {
        let problems = Self.problems("{\"name\": ")
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("$: not valid JSON") == true)
    }

    @Test("a wrong type names its path")
    func wrongType() {
        let problems = Self.problems(#"{"name": "x", "timeline": [{"at": 4, "do": "expireTokens"}]}"#)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("timeline[0].at: ") == true)
    }

    // MARK: - Control API

    @Test("POST /_emulator/scenario loads a scenario and starts it from time 0")
    func loadScenario() async throws {
        let first = Fixture.scenario(
            name: "first", timeline: [Fixture.createJob(id: Fixture.jobID(1), displayName: "a")])
        let second = Fixture.scenario(
            name: "second",
            timeline: [
                Fixture.createJob(at: "0s", id: Fixture.jobID(2), displayName: "b"),
                Fixture.createJob(at: "5s", id: Fixture.jobID(3), displayName: "c"),
            ])
        try await EmulatorHarness.with(scenarioJSON: first) { harness in
            await harness.state.advance(by: 30)
            #expect(try await harness.listJobs().jobs.count == 1)

            let loaded = try await harness.request("POST", "/_emulator/scenario", body: Data(second.utf8))
            #expect(loaded.status == 200)
            let health = try await harness.send("GET", "/_emulator/health")
            #expect(health.json?["ok"] == .bool(true))
            #expect(health.json?["scenario"]?.asString == "second")
            #expect((health.json?["time"]?.asNumber ?? 99) < 1)
            #expect(try await harness.listJobs().jobs.compactMap { $0["displayName"]?.asString } == ["b"])
            #expect(
                try await harness.send("GET", "/_emulator/requests").json?["byRoute"]
                    == .object([("vertex.list", .number(1))]))
        }
    }

    @Test("POST /_emulator/scenario with an invalid scenario is a 400 listing the problems, the old one stays")
    func loadInvalidScenario() async throws {
        let scenario = Fixture.scenario(name: "kept", timeline: [])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let body = #"{"name": "bad", "timeline": [{"at": "soon", "do": "createJbo"}]}"#
            let reply = try await harness.request("POST", "/_emulator/scenario", body: Data(body.utf8))
            #expect(reply.status == 400)
            let json = try JSONParser.parse(reply.body)
            #expect(json["ok"] == .bool(false))
            #expect(
                json["problems"]?.asArray.compactMap(\.asString) == [
                    #"timeline[0].at: "soon" is not a duration such as "4s", "1m30s" or "250ms""#,
                    #"timeline[0].do: unknown action "createJbo"; did you mean "createJob"?"#,
                ])
            #expect(try await harness.send("GET", "/_emulator/health").json?["scenario"]?.asString == "kept")
        }
    }

    @Test("POST /_emulator/reset starts the scenario again: time 0, created jobs gone, request log empty")
    func reset() async throws {
        let id = Fixture.jobID(1)
        let scenario = Fixture.scenario(timeline: [
            Fixture.createJob(at: "0s", id: id, displayName: "a"),
            Fixture.step("5s", "setJobState", [("id", .string(id)), ("state", .string("JOB_STATE_RUNNING"))]),
        ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let created = try await harness.send(
                "POST", Fixture.jobsPath,
                json: .object([("displayName", .string("extra")), ("jobSpec", .object([]))]))
            let createdID = try #require(created.json?["name"]?.asString?.split(separator: "/").last.map(String.init))
            #expect(try await harness.send("POST", Fixture.jobPath(createdID) + ":cancel").status == 200)
            await harness.state.advance(by: 6)
            #expect(try await harness.send("GET", Fixture.jobPath(id)).json?["state"]?.asString == "JOB_STATE_RUNNING")

            #expect(try await harness.send("POST", "/_emulator/reset").status == 200)
            #expect(await harness.state.requestLog().filter { !$0.route.hasPrefix("control.") }.isEmpty)
            #expect(await harness.state.now < 1)
            let jobs = try await harness.listJobs().jobs
            #expect(jobs.compactMap { $0["displayName"]?.asString } == ["a"])
            #expect(jobs.first?["state"]?.asString == "JOB_STATE_QUEUED")
        }
    }

    @Test("a cancellation pending at a reset does not touch the restarted scenario's job of the same id")
    func resetDropsPendingCancellation() async throws {
        let id = Fixture.jobID(1)
        let scenario = Fixture.scenario(timeline: [
            Fixture.createJob(at: "0s", id: id, displayName: "a", state: "JOB_STATE_RUNNING")
        ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness async throws in
            #expect(try await harness.send("POST", Fixture.jobPath(id) + ":cancel").status == 200)
            #expect(try await harness.send("POST", "/_emulator/reset").status == 200)
            await harness.state.advance(by: 5)
            #expect(try await harness.send("GET", Fixture.jobPath(id)).json?["state"]?.asString == "JOB_STATE_RUNNING")
        }
    }

    @Test("POST /_emulator/advance moves scenario time; a bad duration is a 400")
    func advance() async throws {
        let scenario = Fixture.scenario(timeline: [Fixture.createJob(at: "1m", id: Fixture.jobID(1), displayName: "a")])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let moved = try await harness.send("POST", "/_emulator/advance", json: .object([("by", .string("59s"))]))
            #expect(moved.status == 200)
            #expect(moved.json?["time"]?.asNumber.map { $0 >= 59 && $0 < 60 } == true)
            #expect(try await harness.listJobs().jobs.isEmpty)
            _ = try await harness.send("POST", "/_emulator/advance", json: .object([("by", .string("1s"))]))
            #expect(try await harness.listJobs().jobs.count == 1)

            for body: JSONValue in [.object([("by", .string("soon"))]), .object([("by", .number(5))]), .object([])] {
                let reply = try await harness.send("POST", "/_emulator/advance", json: body)
                #expect(reply.status == 400)
                #expect(reply.json?["ok"] == .bool(false))
            }
            let health = try await harness.send("GET", "/_emulator/health")
            #expect(health.json?["time"]?.asNumber.map { $0 >= 60 && $0 < 61 } == true)
        }
    }
}
