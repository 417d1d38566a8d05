import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import Testing

@testable import LaunchWatchCloudLogging
@testable import LaunchWatchCloudRun
@testable import LaunchWatchWandb

/// Every provider's response reader against mutated responses: the answer is parsed (strictly) and
/// read, or rejected — never a crash or a hang. Seeds are real-shaped answers of each API.
@Suite("Fuzzing: provider responses", .timeLimit(.minutes(5)))
struct ResponseFuzzTests {
    static let vertexJob = #"""
        {"name": "projects/123/locations/us-central1/customJobs/456", "displayName": "train", "state": "JOB_STATE_FAILED",
         "createTime": "2026-11-30T10:00:00.123456Z", "startTime": "2026-11-30T10:00:05Z", "endTime": "2026-11-30T10:01:00Z",
         "updateTime": "2026-11-30T10:01:00Z", "labels": {"wandb-run-id": "abc"},
         "error": {"code": 3, "message": "Replicas low on disk: workerpool0."},
         "jobSpec": {"workerPoolSpecs": [{"machineSpec": {"machineType": "n1-standard-8"}, "replicaCount": "1"}]}}
        """#
    static let logEntry = #"""
        {"logName": "projects/p/logs/workerpool0-0", "resource": {"type": "ml_job", "labels": {"job_id": "456"}},
         "timestamp": "2026-11-30T10:00:31.000000001Z", "receiveTimestamp": "2026-11-30T10:00:31.3Z", "severity": "ERROR",
         "insertId": "emu000001", "jsonPayload": {"message": "Traceback (most recent call last):\n torch.OutOfMemoryError: CUDA out of memory"}}
        """#
    static let execution = #"""
        {"name": "projects/p/locations/us-central1/jobs/agent/executions/e-1", "createTime": "2026-11-30T10:00:00Z",
         "conditions": [{"type": "Completed", "state": "CONDITION_FAILED", "message": "Task agent-0 failed with exit code 1",
                         "lastTransitionTime": "2026-11-30T10:00:05Z"}]}
        """#

    static var cases: Int {
        (ProcessInfo.processInfo.environment["LAUNCHWATCH_FUZZ_CASES"].flatMap(Int.init) ?? 20_000) / 4
    }

    /// Parses each mutation of `seed` and, when it is JSON, hands it to `read`. It yields every 100
    /// cases: a long loop that never does would hold one of the (on CI, two) threads every other test
    /// shares, and tests that wait for a server or a timeout would wait for this one.
    func fuzz(_ seed: String, salt: UInt64, _ read: (JSONValue) -> Void) async -> (parsed: Int, rejected: Int) {
        var mutator = Mutator(seed: 0xF022 ^ salt)
        var parsed = 0
        var rejected = 0
        for index in 0..<Self.cases {
            if index % 100 == 99 { await Task.yield() }
            let input = mutator.mutate(Array(seed.utf8))
            guard let json = try? JSONParser.parse(Data(input)) else {
                rejected += 1
                continue
            }
            parsed += 1
            read(json)
        }
        return (parsed, rejected)
    }

    @Test("Vertex AI jobs: read or rejected, and a job that reads keeps its state")
    func vertexJobs() async {
        let result = await fuzz(Self.vertexJob, salt: 1) { json in
            if let job = VertexCustomJob(json: json) {
                #expect(!job.state.isEmpty)
                _ = job.observation
            }
        }
        #expect(result.parsed > 0 && result.rejected > 0)
    }

    @Test("Cloud Logging entries: read or skipped")
    func logEntries() async {
        let result = await fuzz(Self.logEntry, salt: 2) { json in
            // The page reads whatever the entry is; the entry as read becomes an observation or none.
            let page = ListLogEntriesResponse(json: .object([("entries", .array([json]))]))
            #expect(page.list.count == 1)
            if let entry = page.list.first,
                let observation = CloudLoggingProvider.observation(entry, timestamp: "2026-11-30T10:00:31Z")
            {
                #expect(observation.detail?.message.isEmpty == false)
            }
        }
        #expect(result.parsed > 0 && result.rejected > 0)
    }

    @Test("Cloud Run executions: read or rejected")
    func executions() async {
        let result = await fuzz(Self.execution, salt: 3) { json in
            _ = try? CloudRunExecutionProvider.observation(json)
        }
        #expect(result.parsed > 0 && result.rejected > 0)
    }
}
