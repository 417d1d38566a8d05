import Foundation
import LaunchWatchCore
import LaunchWatchEmulator

/// The sweep rows of the benchmark: `launchwatch run --targets` watching N launches at 1 Hz for
/// half a minute (jobs start at 1 s, run from 2 s and succeed at 30 s), N = 1, 10, 100, 1000.
enum SweepBench {
    struct Row {
        var count: Int
        /// Vertex AI requests per second of watching, i.e. per 1 Hz tick.
        var requestsPerTick: Double
        var cpuShare: Double
        var peakResidentBytes: Int
        var succeeded: Int
        /// Effective lag per launch: each stage event's `lagSeconds` (from the job's own timestamp
        /// to the event), p50 and p95 over every launch's stages.
        var lagP50: Double? = nil
        var lagP95: Double? = nil
        /// The most Vertex AI requests in any 60 s, as the provider's budget and the quota count.
        var busiestMinute: Int = 0
    }

    static let pipeline = """
        {"name": "sweep (vertex-rest at 1 Hz)",
         "variables": {"runId": {}, "endpoint": {}},
         "stages": [{"id": "submitted"}, {"id": "running"}, {"id": "succeeded", "outcome": "success"},
                    {"id": "failed", "outcome": "failure"}],
         "providers": [{"id": "vertex", "type": "vertex-rest",
                        "config": {"project": "launchwatch-demo", "region": "us-central1", "endpoint": "${var.endpoint}",
                                   "match": {"labels": {"wandb-run-id": "${var.runId}"}}},
                        "schedule": {"every": "1s", "adaptive": false}}],
         "finish": {"on": ["succeeded"], "deadline": "2m"}}
        """

    /// Each job changes a millisecond after the one before (spread over at most a second), as real
    /// launches do.
    static func scenario(_ count: Int) -> String {
        var steps: [String] = []
        for index in 0..<count {
            let offset = "\(index % 1000)ms"
            let id = String(format: "91000000000000%05d", index)
            steps.append(
                #"{"at": "1s", "do": "createJob", "id": "\#(id)", "displayName": "trial", "labels": {"wandb-run-id": "r\#(index)"}}"#
            )
            steps.append(
                #"{"at": "2s\#(offset)", "do": "setJobState", "id": "\#(id)", "state": "JOB_STATE_RUNNING"}"#)
            steps.append(
                #"{"at": "30s\#(offset)", "do": "setJobState", "id": "\#(id)", "state": "JOB_STATE_SUCCEEDED"}"#)
        }
        return """
            {"name": "sweep-\(count)", "timeScale": 1, "project": "launchwatch-demo", "projectNumber": "123456789012",
             "region": "us-central1", "timeline": [\(steps.joined(separator: ",\n"))]}
            """
    }

    static func measure(count: Int, executable: String, folder: URL) async throws -> Row {
        let scenario = try Scenario(json: Data(scenario(count).utf8))
        let pipelineFile = folder.appendingPathComponent("sweep.json")
        try pipeline.write(to: pipelineFile, atomically: true, encoding: .utf8)
        let targets = folder.appendingPathComponent("targets-\(count).txt")
        try (0..<count).map { "runId=r\($0)" }.joined(separator: "\n").write(
            to: targets, atomically: true, encoding: .utf8)
        let emulator = Emulator(scenario: scenario)
        let (result, log) = try await emulator.serving { url in
            await emulator.state.reset()
            let child = MeasuredChild(
                executable: executable,
                arguments: [
                    "run", pipelineFile.path, "--targets", targets.path, "--json", "--var",
                    "endpoint=\(url.absoluteString)",
                ],
                environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "bench-access-token", "NO_COLOR": "1"])
            let result = try await child.run()
            return (result, await emulator.state.requestLog().filter { $0.route.hasPrefix("vertex.") })
        }
        let seconds = result.ended.timeIntervalSince(result.started)
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
        let succeeded = lines.filter {
            $0.contains(#""type":"finished""#) && $0.contains(#""outcome":"success""#)
        }.count
        var lags: [Double] = []
        for line in lines where line.contains(#""type":"stage""#) {
            if case .number(let lag)? = (try? JSONParser.parse(Data(line.utf8)))?["lagSeconds"] { lags.append(lag) }
        }
        lags.sort()
        let times = log.map(\.time).sorted()
        var busiest = 0
        var first = 0
        for last in times.indices {
            while times[last] - times[first] >= 60 { first += 1 }
            busiest = max(busiest, last - first + 1)
        }
        func percentile(_ p: Double) -> Double? {
            lags.isEmpty ? nil : lags[min(lags.count - 1, Int((Double(lags.count - 1) * p).rounded()))]
        }
        return Row(
            count: count, requestsPerTick: Double(log.count) / max(seconds, 1),
            cpuShare: result.cpuSeconds / max(seconds, 0.001), peakResidentBytes: result.peakResidentBytes,
            succeeded: succeeded, lagP50: percentile(0.5), lagP95: percentile(0.95), busiestMinute: busiest)
    }
}
