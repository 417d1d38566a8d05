import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

@Suite("Cloud Run v2 executions.get")
struct CloudRunTests {
    typealias G = GoogleServices

    static func path(project: String = G.project, region: String = G.region, job: String, execution: String)
        -> String
    {
        "/v2/projects/\(project)/locations/\(region)/jobs/\(job)/executions/\(execution)"
    }

    /// The agent's execution starts at 2s and fails at 9s; another succeeds at 3s → 20s.
    static let scenario = G.scenario(
        auth: .object([("forbiddenTokens", .array([.string("ya29.forbidden")]))]),
        timeline: [
            G.step("2s", "createExecution", [("id", .string("launch-agent-x7k2p")), ("job", .string("launch-agent"))]),
            G.step("3s", "createExecution", [("id", .string("launch-agent-ok111")), ("job", .string("launch-agent"))]),
            G.step(
                "9s", "completeExecution",
                [
                    ("id", .string("launch-agent-x7k2p")), ("succeeded", .bool(false)),
                    ("message", .string("Task launch-agent-x7k2p-task0 failed: image not found")),
                ]),
            G.step("20s", "completeExecution", [("id", .string("launch-agent-ok111"))]),
        ])

    static func condition(_ execution: JSONValue?, _ type: String) -> JSONValue? {
        G.array(execution?["conditions"]).first { G.string($0["type"]) == type }
    }

    @Test("an execution is 404 until the scenario creates it")
    func notYetCreated() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            let reply = try await harness.googleCall(
                "GET", Self.path(job: "launch-agent", execution: "launch-agent-x7k2p"))
            #expect(reply.status == 404)
            #expect(reply.errorStatus == "NOT_FOUND")
            #expect(
                reply.errorMessage
                    == "Resource 'launch-agent-x7k2p' of kind 'EXECUTION' in region '\(G.region)' in project '\(G.project)' does not exist."
            )
        }
    }

    @Test("a running execution: Completed pending, resources available, started, one task running")
    func running() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            await harness.state.advance(by: 5)
            let reply = try await harness.googleCall(
                "GET", Self.path(job: "launch-agent", execution: "launch-agent-x7k2p"))
            #expect(reply.status == 200)
            let execution = try #require(reply.json)
            #expect(
                G.string(execution["name"])
                    == "projects/\(G.project)/locations/\(G.region)/jobs/launch-agent/executions/launch-agent-x7k2p")
            #expect(G.string(execution["job"]) == "launch-agent")
            let uid = try #require(G.string(execution["uid"]))
            #expect(UUID(uuidString: uid) != nil)
            #expect(Array(uid)[14] == "4")
            let createTime = try #require(G.string(execution["createTime"]))
            let epoch = await harness.state.epoch
            #expect(abs((RFC3339.date(from: createTime)?.timeIntervalSince(epoch) ?? 0) - 2) < 0.001)
            #expect(G.string(execution["startTime"]) == createTime)
            #expect(execution["completionTime"] == nil)
            #expect(G.number(execution["runningCount"]) == 1)
            #expect(execution["succeededCount"] == nil)
            #expect(execution["failedCount"] == nil)
            #expect(G.number(execution["taskCount"]) == 1)
            #expect(G.string(execution["generation"]) == "1")
            #expect(G.string(execution["logUri"])?.hasPrefix("https://console.cloud.google.com/logs/viewer?") == true)
            #expect(execution["etag"] != nil)

            let completed = try #require(Self.condition(execution, "Completed"))
            #expect(G.string(completed["state"]) == "CONDITION_PENDING")
            #expect(G.string(completed["lastTransitionTime"]) == createTime)
            for type in ["ResourcesAvailable", "Started"] {
                let condition = try #require(Self.condition(execution, type))
                #expect(G.string(condition["state"]) == "CONDITION_SUCCEEDED", "\(type)")
                #expect(G.string(condition["lastTransitionTime"]) == createTime)
                #expect(G.string(condition["message"])?.isEmpty == false)
            }
        }
    }

    @Test("a failed execution: Completed CONDITION_FAILED with the scenario's message, failedCount 1")
    func failed() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            let path = Self.path(job: "launch-agent", execution: "launch-agent-x7k2p")
            await harness.state.advance(by: 5)
            let running = try #require(try await harness.googleCall("GET", path).json)
            await harness.state.advance(by: 5)
            let execution = try #require(try await harness.googleCall("GET", path).json)
            let completed = try #require(Self.condition(execution, "Completed"))
            #expect(G.string(completed["state"]) == "CONDITION_FAILED")
            #expect(G.string(completed["message"]) == "Task launch-agent-x7k2p-task0 failed: image not found")
            #expect(G.string(completed["executionReason"]) == "NON_ZERO_EXIT_CODE")
            let completionTime = try #require(G.string(execution["completionTime"]))
            #expect(G.string(completed["lastTransitionTime"]) == completionTime)
            let epoch = await harness.state.epoch
            #expect(abs((RFC3339.date(from: completionTime)?.timeIntervalSince(epoch) ?? 0) - 9) < 0.001)
            #expect(G.number(execution["failedCount"]) == 1)
            #expect(execution["runningCount"] == nil)
            #expect(execution["succeededCount"] == nil)
            #expect(execution["uid"] == running["uid"])
            #expect(execution["etag"] != running["etag"])
        }
    }

    @Test("a succeeded execution: Completed CONDITION_SUCCEEDED, succeededCount 1")
    func succeeded() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            await harness.state.advance(by: 25)
            let reply = try await harness.googleCall(
                "GET", Self.path(project: G.projectNumber, job: "launch-agent", execution: "launch-agent-ok111"))
            #expect(reply.status == 200)
            let execution = try #require(reply.json)
            #expect(G.string(execution["name"])?.hasPrefix("projects/\(G.projectNumber)/") == true)
            let completed = try #require(Self.condition(execution, "Completed"))
            #expect(G.string(completed["state"]) == "CONDITION_SUCCEEDED")
            #expect(G.string(completed["message"]) == "Execution completed successfully in 17s.")
            #expect(completed["executionReason"] == nil)
            #expect(G.number(execution["succeededCount"]) == 1)
            #expect(execution["failedCount"] == nil)
        }
    }

    @Test("another job, region or project, and missing credentials, are the service's errors")
    func errors() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            await harness.state.advance(by: 5)
            let otherJob = try await harness.googleCall(
                "GET", Self.path(job: "other-job", execution: "launch-agent-x7k2p"))
            #expect(otherJob.status == 404)
            let otherRegion = try await harness.googleCall(
                "GET", Self.path(region: "us-east1", job: "launch-agent", execution: "launch-agent-x7k2p"))
            #expect(otherRegion.status == 404)
            let otherProject = try await harness.googleCall(
                "GET", Self.path(project: "someone-else", job: "launch-agent", execution: "launch-agent-x7k2p"))
            #expect(otherProject.status == 403)
            #expect(otherProject.errorStatus == "PERMISSION_DENIED")
            let path = Self.path(job: "launch-agent", execution: "launch-agent-x7k2p")
            let missing = try await harness.googleCall("GET", path, token: nil)
            #expect(missing.status == 401)
            #expect(missing.errorStatus == "UNAUTHENTICATED")
            #expect(try await harness.googleCall("GET", path, token: "ya29.forbidden").status == 403)
            let log = await harness.state.requestLog()
            #expect(log.count == 5)
            #expect(log.allSatisfy { $0.route == "cloudrun.execution" })
        }
    }
}
