import Foundation
import LaunchWatchCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Examples/command-providers: a `command` provider in Python with the official google-cloud-aiplatform
/// client, in a full watch by the built binary against `launchwatch emulate`.
@Suite("Python command provider against launchwatch emulate", .launchWatchSlot)
struct CommandProviderPipelineTests {
    static let pipeline = Fixtures.repository.appendingPathComponent("Examples/command-providers/vertex-job.json").path

    /// The python with google-cloud-aiplatform (the conformance virtualenv), as the emulator's
    /// conformance tests find it; `nil` (and, under CI, a recorded issue) when there is none.
    static func python() -> String? {
        let environment = ProcessInfo.processInfo.environment
        let candidates: [String?] = [
            environment["LAUNCHWATCH_CONFORMANCE_PYTHON"],
            Fixtures.repository.appendingPathComponent(".venv-conformance/bin/python").path,
        ]
        if let python = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        {
            return python
        }
        if environment["CI"] != nil {
            Issue.record("CONFORMANCE NOT RUN: no python with google-cloud-aiplatform (LAUNCHWATCH_CONFORMANCE_PYTHON)")
        }
        return nil
    }

    @Test(
        "vertex-job.json (vertex_job.py) ends with the job's outcome, its message and its job_id",
        arguments: [
            ("vertex-disk-too-small", "10s", "p7q2cd34", Int32(1), "7788990011223344556"),
            ("two-launches-overlap", "15s", "bbbb2222", Int32(0), "6660000000000000002"),
        ])
    func pythonProviderWatch(scenario: String, advance: String, runId: String, status: Int32, jobId: String)
        async throws
    {
        guard let python = Self.python() else { return }
        try await LaunchWatchProcess.withEmulator(["--scenario", scenario]) { _, base in
            #expect(
                try await LaunchWatchProcess.post(
                    base.appendingPathComponent("_emulator/advance"), #"{"by": "\#(advance)"}"#)
                    == 200)
            // "t" is replaced by the sentinel access token: the script sends it, and it must never be printed.
            let result = try await LaunchWatchProcess.run(
                [
                    "run", Self.pipeline, "--json", "--allow-commands", "--deadline", "180s", "--var",
                    "python=\(python)",
                    "--var",
                    "project=launchwatch-demo", "--var", "runId=\(runId)", "--var", "endpoint=\(base.absoluteString)",
                ], environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "t"])
            #expect(result.status == status, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
            let events = try #require(result.events)
            let fact = try #require(events.first { $0.type == "fact" && $0.string("name") == "job_id" })
            #expect(fact.string("value") == jobId)
            #expect(fact.string("source") == "vertex")
            let finished = try #require(events.last)
            #expect(finished.type == "finished")
            if status == 1 {
                #expect(finished.string("outcome") == "failure")
                #expect(finished.string("stage") == "failed")
                let detail = try #require(events.first { $0.type == "detail" })
                #expect(
                    detail.string("message")
                        == "Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb https://cloud.google.com/vertex-ai/docs/reference/rest/v1/DiskSpec and try again."
                )
                #expect(detail.string("code") == "8")
                #expect(detail.string("source") == "vertex")
            } else {
                #expect(finished.string("outcome") == "success")
                #expect(finished.string("stage") == "running")
            }
            let stages = events.filter { $0.type == "stage" }
            #expect(stages.allSatisfy { $0.string("subject")?.hasSuffix("/\(jobId)") ?? true })
        }
    }
}
