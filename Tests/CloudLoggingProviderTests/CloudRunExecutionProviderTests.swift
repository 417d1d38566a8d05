import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

@testable import LaunchWatchCloudRun

/// The `cloud-run-execution` provider against the emulator's Cloud Run Admin API over loopback.
@Suite("cloud-run-execution provider")
struct CloudRunExecutionProviderTests {
    typealias F = CloudLoggingFixture

    static let scenario = F.scenario(timeline: [
        .object([
            ("at", .string("1s")), ("do", .string("createExecution")), ("id", .string("agent-ok")),
            ("job", .string("launch-agent")),
        ]),
        .object([
            ("at", .string("1s")), ("do", .string("createExecution")), ("id", .string("agent-bad")),
            ("job", .string("launch-agent")),
        ]),
        .object([
            ("at", .string("5s")), ("do", .string("completeExecution")), ("id", .string("agent-ok")),
            ("succeeded", .bool(true)),
        ]),
        .object([
            ("at", .string("6s")), ("do", .string("completeExecution")), ("id", .string("agent-bad")),
            ("succeeded", .bool(false)), ("message", .string("Task agent-bad-task0 failed: exit code 1")),
        ]),
    ])

    static func provider(_ harness: EmulatorHarness, execution: String) async throws -> CloudRunExecutionProvider {
        let json = JSONValue.object([
            ("project", .string(F.project)), ("region", .string(F.region)), ("job", .string("launch-agent")),
            ("execution", .string(execution)), ("endpoint", .string(harness.baseURL.absoluteString)),
        ])
        let configuration = try JSONValueDecoder().decode(CloudRunExecutionProvider.Configuration.self, from: json)
        return try CloudRunExecutionProvider(configuration: configuration, context: await F.context(harness))
    }

    @Test("an execution goes from CONDITION_PENDING to CONDITION_SUCCEEDED, dated by lastTransitionTime")
    func pendingThenSucceeded() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            let provider = try await Self.provider(harness, execution: "agent-ok")
            let epoch = await harness.state.epoch
            await harness.state.advance(by: 2)
            let pending = try #require(try await F.poll(provider, harness).observations.first)
            #expect(pending.status == "CONDITION_PENDING")
            #expect(pending.detail == nil)
            #expect(
                pending.subject == "projects/\(F.project)/locations/\(F.region)/jobs/launch-agent/executions/agent-ok")
            #expect(abs(try #require(pending.backendTime).timeIntervalSince(epoch) - 1) < 0.001)
            await harness.state.advance(by: 4)
            let succeeded = try #require(try await F.poll(provider, harness).observations.first)
            #expect(succeeded.status == "CONDITION_SUCCEEDED")
            #expect(succeeded.detail == nil)
            #expect(abs(try #require(succeeded.backendTime).timeIntervalSince(epoch) - 5) < 0.001)
            #expect(CloudRunExecutionProvider.defaultStageMap["CONDITION_SUCCEEDED"] == .some(nil))
        }
    }

    @Test("a failed Completed condition is CONDITION_FAILED with the condition's message as detail")
    func failed() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            let provider = try await Self.provider(harness, execution: "agent-bad")
            let epoch = await harness.state.epoch
            await harness.state.advance(by: 3)
            #expect(try await F.poll(provider, harness).observations.map(\.status) == ["CONDITION_PENDING"])
            await harness.state.advance(by: 4)
            let failed = try #require(try await F.poll(provider, harness).observations.first)
            #expect(failed.status == "CONDITION_FAILED")
            #expect(
                failed.detail
                    == FailureDetail(code: "NON_ZERO_EXIT_CODE", message: "Task agent-bad-task0 failed: exit code 1"))
            #expect(abs(try #require(failed.backendTime).timeIntervalSince(epoch) - 6) < 0.001)
            #expect(CloudRunExecutionProvider.defaultStageMap["CONDITION_FAILED"] == .some("failed"))
        }
    }

    @Test("an execution without conditions (proto3 JSON leaves an empty list out) is \"not yet\", not malformed")
    func noConditionsYet() async throws {
        let name = "projects/\(F.project)/locations/\(F.region)/jobs/launch-agent/executions/agent-ok"
        // The service's answer before it has reconciled the execution: no `conditions` member at all.
        let fault = JSONValue.object([
            ("route", .string("cloudrun.execution")), ("count", .number(1)), ("status", .number(200)),
            ("body", .object([("name", .string(name)), ("createTime", .string("2026-01-01T00:00:00Z"))])),
        ])
        guard case .object(var members) = try JSONParser.parse(Data(Self.scenario.utf8)) else {
            Issue.record("the scenario is not an object")
            return
        }
        members.append(("faults", .array([fault])))
        try await EmulatorHarness.with(scenarioJSON: JSONValue.object(members).jsonText) { harness in
            let provider = try await Self.provider(harness, execution: "agent-ok")
            await harness.state.advance(by: 2)
            let early = try await F.poll(provider, harness)
            #expect(early.observations.isEmpty)
            #expect(try await F.poll(provider, harness).observations.map(\.status) == ["CONDITION_PENDING"])
        }
    }

    @Test("conditions that are not a list, an answer without a name, or one that is not an object, are malformed")
    func malformedConditions() async throws {
        let name = JSONValue.string("projects/\(F.project)/locations/\(F.region)/jobs/launch-agent/executions/agent-ok")
        for body: JSONValue in [
            .object([("name", name), ("conditions", .string("Completed"))]), .object([("unexpected", .number(1))]),
            .array([]),
        ] {
            let fault = JSONValue.object([
                ("route", .string("cloudrun.execution")), ("count", .number(1)), ("status", .number(200)),
                ("body", body),
            ])
            guard case .object(var members) = try JSONParser.parse(Data(Self.scenario.utf8)) else { return }
            members.append(("faults", .array([fault])))
            try await EmulatorHarness.with(scenarioJSON: JSONValue.object(members).jsonText) { harness in
                let provider = try await Self.provider(harness, execution: "agent-ok")
                await harness.state.advance(by: 2)
                let error = try await #require(throws: ProviderError.self) { try await F.poll(provider, harness) }
                #expect(error.code == "malformed_response", "\(body.jsonText)")
            }
        }
    }

    @Test("an odd field inside a condition is left out, not the execution; an element that is not an object is skipped")
    func oddConditionFields() throws {
        let name = "projects/p/locations/r/jobs/launch-agent/executions/agent-bad"
        let answer = try JSONParser.parse(
            Data(
                #"""
                {"name": "\#(name)", "generation": "1",
                 "conditions": [42, {"type": "Ready", "state": "CONDITION_SUCCEEDED"},
                                {"type": "Completed", "state": "CONDITION_FAILED", "message": 7,
                                 "executionReason": "NON_ZERO_EXIT_CODE", "lastTransitionTime": "2026-01-01T00:00:05Z"}]}
                """#.utf8))
        let observation = try #require(try CloudRunExecutionProvider.observation(answer))
        #expect(observation.status == "CONDITION_FAILED")
        #expect(observation.subject == name)
        #expect(observation.backendTime == RFC3339.date(from: "2026-01-01T00:00:05Z"))
        #expect(observation.detail?.message == "the launch agent's execution failed")
        #expect(observation.detail?.code == "NON_ZERO_EXIT_CODE")
        // A Completed condition without a state, and `conditions: null` (proto3 JSON's empty list).
        let stateless = try JSONParser.parse(Data(#"{"name": "\#(name)", "conditions": [{"type": "Completed"}]}"#.utf8))
        #expect(try CloudRunExecutionProvider.observation(stateless)?.status == "STATE_UNSPECIFIED")
        let none = try JSONParser.parse(Data(#"{"name": "\#(name)", "conditions": null}"#.utf8))
        #expect(try CloudRunExecutionProvider.observation(none) == nil)
        // What is malformed is named.
        for (text, message) in [
            (
                #"{"name": "\#(name)", "conditions": {"type": "Completed"}}"#,
                "Cloud Run sent conditions that are not a list"
            ),
            (#"{"name": "", "conditions": []}"#, "Cloud Run sent an answer that is not an execution (no name)"),
            (#"{"name": 5}"#, "Cloud Run sent an answer that is not an execution (no name)"),
            ("[]", "Cloud Run sent an answer that is not an execution (no name)"),
        ] {
            let error = try #require(throws: ProviderError.self) {
                try CloudRunExecutionProvider.observation(try JSONParser.parse(Data(text.utf8)))
            }
            #expect(error.message == message, "\(text)")
        }
    }

    @Test("an execution that does not exist is a provider error with the service's 404")
    func notFound() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            let provider = try await Self.provider(harness, execution: "agent-missing")
            await harness.state.advance(by: 2)
            let error = try await #require(throws: ProviderError.self) { try await F.poll(provider, harness) }
            #expect(error.code == "http_404")
            #expect(error.message.contains("agent-missing"))
        }
    }
}
