import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shipped Vertex pipelines, run by the built binary against `launchwatch emulate`.
@Suite("Vertex pipelines against launchwatch emulate", .launchWatchSlot)
struct VertexPipelineTests {
    static let restPipeline = Fixtures.repository.appendingPathComponent("Examples/pipelines/vertex-rest.json").path
    static let gcloudPipeline = Fixtures.repository.appendingPathComponent("Examples/pipelines/vertex-gcloud.json").path

    /// A sandbox that points the real gcloud at the emulator at `base`; `nil` (and, under CI, a
    /// recorded issue) when gcloud is not installed.
    private func gcloudSandbox(_ base: URL) throws -> GcloudSandbox? {
        guard let sandbox = try GcloudSandbox(emulator: base, token: "emulator-token") else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("CONFORMANCE NOT RUN: gcloud is not on the PATH")
            }
            return nil
        }
        return sandbox
    }

    @Test(
        "vertex-gcloud.json with the real gcloud: the seed failure (exit 1, full message) and its own job of two",
        arguments: [
            ("vertex-disk-too-small", "10s", "p7q2cd34", Int32(1), "7788990011223344556"),
            ("two-launches-overlap", "15s", "bbbb2222", Int32(0), "6660000000000000002"),
        ])
    func gcloudPipeline(scenario: String, advance: String, runId: String, status: Int32, jobId: String) async throws {
        try await LaunchWatchProcess.withEmulator(["--scenario", scenario]) { _, base in
            guard let sandbox = try gcloudSandbox(base) else { return }
            defer { sandbox.remove() }
            let environment = sandbox.environment
            #expect(
                try await LaunchWatchProcess.post(
                    base.appendingPathComponent("_emulator/advance"), #"{"by": "\#(advance)"}"#)
                    == 200)
            let result = try await LaunchWatchProcess.run(
                [
                    "run", Self.gcloudPipeline, "--json", "--debug", "--deadline", "60s", "--var",
                    "project=launchwatch-demo", "--var", "runId=\(runId)",
                ], environment: environment)
            #expect(result.status == status, "stderr: \(result.stderr)")
            // --debug: each gcloud call and how it ended, on standard error.
            #expect(result.stderr.contains("debug: gcloud → \(sandbox.gcloud) ai custom-jobs "), "\(result.stderr)")
            #expect(result.stderr.contains("debug: gcloud ← exit 0, "))
            let events = try #require(result.events)
            #expect(events.first { $0.string("name") == "job_id" }?.string("value") == jobId)
            if status == 1 {
                let detail = events.first { $0.type == "detail" }?.string("message")
                #expect(detail?.hasPrefix("Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb") == true)
            }
        }
    }

    /// Runs `pipeline` against the emulator playing `scenario`, after moving scenario time `advance`.
    private func watch(
        _ pipeline: String, scenario: String, advance: String, runId: String, extra: [String] = []
    ) async throws -> LaunchWatchProcess.Finished {
        try await LaunchWatchProcess.withEmulator(["--scenario", scenario]) { _, base in
            #expect(
                try await LaunchWatchProcess.post(
                    base.appendingPathComponent("_emulator/advance"), #"{"by": "\#(advance)"}"#)
                    == 200)
            return try await LaunchWatchProcess.run(
                [
                    "run", pipeline, "--json", "--deadline", "30s", "--var", "project=launchwatch-demo", "--var",
                    "runId=\(runId)", "--var", "endpoint=\(base.absoluteString)",
                ] + extra,
                environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "emulator-token"])
        }
    }

    @Test("vertex-rest.json against vertex-disk-too-small ends with exit 1 and the full disk message")
    func restPipelineReportsTheSeedFailure() async throws {
        let result = try await watch(
            Self.restPipeline, scenario: "vertex-disk-too-small", advance: "10s", runId: "p7q2cd34")
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        let detail = try #require(events.first { $0.type == "detail" })
        #expect(
            detail.string("message")
                == "Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb https://cloud.google.com/vertex-ai/docs/reference/rest/v1/DiskSpec and try again."
        )
        #expect(detail.string("code") == "8")
        #expect(!result.stdout.contains("emulator-token") && !result.stderr.contains("emulator-token"))
    }

    @Test(
        "vertex-rest.json against two-launches-overlap follows its own job, not the other",
        arguments: [("aaaa1111", Int32(1), "6660000000000000001"), ("bbbb2222", Int32(0), "6660000000000000002")])
    func restPipelineFollowsItsOwnJob(runId: String, status: Int32, jobId: String) async throws {
        let result = try await watch(
            Self.restPipeline, scenario: "two-launches-overlap", advance: "15s", runId: runId)
        #expect(result.status == status, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        let fact = try #require(events.first { $0.type == "fact" && $0.string("name") == "job_id" })
        #expect(fact.string("value") == jobId)
        let stages = events.filter { $0.type == "stage" }
        #expect(stages.allSatisfy { $0.string("subject")?.hasSuffix("/\(jobId)") ?? true })
    }

    @Test("--debug writes each request and answer to standard error, the token redacted where it is written")
    func debugOutput() async throws {
        let token = try #require(LaunchWatchProcess.sentinels["GOOGLE_OAUTH_ACCESS_TOKEN"])
        try await LaunchWatchProcess.withEmulator(["--scenario", "vertex-disk-too-small"]) { _, base in
            #expect(
                try await LaunchWatchProcess.post(base.appendingPathComponent("_emulator/advance"), #"{"by": "10s"}"#)
                    == 200)
            let result = try await LaunchWatchProcess.run(
                [
                    "run", Self.restPipeline, "--json", "--debug", "--deadline", "30s", "--var",
                    "project=launchwatch-demo",
                    "--var", "runId=p7q2cd34", "--var", "endpoint=\(base.absoluteString)",
                ],
                environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": token])
            #expect(result.status == 1, "stderr: \(result.stderr)")
            let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("debug: ") }
            #expect(
                lines.contains {
                    $0.hasPrefix("debug: http → GET \(base.absoluteString)/v1/projects/launchwatch-demo/")
                })
            #expect(lines.contains { $0.hasPrefix("debug: http ← 200, ") })
            // Redacted by the transport, not only by the output's last-line-of-defence redactor.
            #expect(lines.contains { $0.contains("Authorization: \(Redaction.mark)") }, "\(lines)")
            #expect(!result.stderr.contains("Bearer"))
            #expect(!result.stdout.contains("debug:"), "debug lines go to standard error only")
        }
    }
}
