import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

/// The official `google-cloud-logging` client (its HTTP path) reads entries from the emulator:
/// `Conformance/logging_client.py` lists every entry, a filtered listing, the entries newest first
/// and a bad filter, and prints what it read as one JSON object.
@Suite("google-cloud-logging conformance")
struct LoggingConformanceTests {
    typealias G = GoogleServices

    static let execution = "launch-agent-abc12"

    /// Readable 30 s after they are written; each call searches 20 s of log time.
    static let scenario = G.scenario(
        name: "logging-conformance",
        logs: .object([("ingestionDelay", .string("30s")), ("scanWindow", .string("20s"))]),
        auth: .object([("accessTokens", .array([.string(G.token)]))]),
        timeline: [
            G.log(at: "0s", id: "p1", severity: "INFO", resourceLabels: ["job_id": "42"], text: "Starting training"),
            G.step(
                "1s", "writeLog",
                [
                    ("insertId", .string("p2")), ("severity", .string("ERROR")),
                    ("resource", .object([("type", .string("ml_job")), ("labels", G.object(["job_id": "42"]))])),
                    (
                        "jsonPayload",
                        .object([("message", .string("Replicas low on disk: workerpool0")), ("replica", .number(0))])
                    ),
                ]),
            G.log(at: "20s", id: "p5", severity: "NOTICE", resource: "global", text: "heartbeat"),
            G.log(
                at: "40s", id: "p3", severity: "ERROR", resource: "cloud_run_job",
                resourceLabels: ["job_name": "launch-agent", "location": G.region],
                labels: ["run.googleapis.com/execution_name": execution], text: "agent failed: image not found",
                logName: "projects/\(G.project)/logs/run.googleapis.com%2Fstderr"),
            // Not readable yet when the client reads (written at 50 s, readable at 80 s).
            G.log(at: "50s", id: "p4", severity: "ERROR", resource: "cloud_run_job", text: "too late"),
        ])

    @Test("list_entries reads entries, follows pages without entries, filters, orders, and reports a bad filter")
    func listEntries() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            await harness.state.advance(by: 75)
            let environment = [
                "LOGGING_PROJECT": G.project, "LOGGING_TOKEN": G.token, "LOGGING_PAGE_SIZE": "1",
                "LOGGING_FILTER":
                    "resource.type=\"cloud_run_job\" AND labels.\"run.googleapis.com/execution_name\"=\"\(Self.execution)\"",
            ]
            let baseURL = harness.baseURL
            guard
                let output = try await Conformance.detached({
                    try Conformance.python("logging_client.py", emulator: baseURL, environment: environment)
                })
            else { return }
            #expect(output.status == 0, "stderr: \(output.stderr)")
            let result = try JSONParser.parse(output.stdout)

            let all = G.array(result["all"])
            #expect(all.compactMap { G.string($0["insertId"]) } == ["p1", "p2", "p5", "p3"])
            #expect(all.compactMap { G.string($0["type"]) } == ["TextEntry", "StructEntry", "TextEntry", "TextEntry"])
            #expect(all.compactMap { G.string($0["severity"]) } == ["INFO", "ERROR", "NOTICE", "ERROR"])
            let structured = try #require(all.dropFirst().first)
            #expect(
                structured["payload"]
                    == .object([("message", .string("Replicas low on disk: workerpool0")), ("replica", .number(0))]))
            #expect(
                structured["resource"]
                    == .object([("type", .string("ml_job")), ("labels", G.object(["job_id": "42"]))]))
            #expect(G.string(structured["loggerName"]) == "workerpool0-0")
            let epoch = await harness.state.epoch
            let timestamp = try #require(G.string(structured["timestamp"]).flatMap(RFC3339.date(from:)))
            #expect(abs(timestamp.timeIntervalSince(epoch) - 1) < 0.001)

            let filtered = G.array(result["filtered"])
            #expect(filtered.compactMap { G.string($0["insertId"]) } == ["p3"])
            let agent = try #require(filtered.first)
            #expect(G.string(agent["payload"]) == "agent failed: image not found")
            #expect(G.string(agent["logName"]) == "projects/\(G.project)/logs/run.googleapis.com%2Fstderr")
            // The client names the logger by the id as the log name writes it (URL-encoded).
            #expect(G.string(agent["loggerName"]) == "run.googleapis.com%2Fstderr")
            #expect(agent["labels"] == G.object(["run.googleapis.com/execution_name": Self.execution]))

            #expect(G.array(result["descending"]).compactMap { G.string($0) } == ["p3", "p5", "p2", "p1"])
            #expect(G.string(result["badFilter"]?["type"]) == "BadRequest")
            #expect(G.number(result["badFilter"]?["code"]) == 400)

            // Pages of one entry: 4 for "all", 3 for the filter (two of them empty, with a token),
            // 4 newest first, 1 refused. The client followed the empty pages.
            let calls = await harness.state.requestLog().filter { $0.route == "logging.list" }
            #expect(calls.count == 12)
            #expect(calls.filter { $0.status == 400 }.count == 1)
        }
    }
}
