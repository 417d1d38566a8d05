import Foundation
import LaunchWatchCore
import LaunchWatchEmulator

/// The pipelines the benchmark puts side by side.
package enum BenchPipeline: String, CaseIterable, Sendable {
    /// The shipped seed pipeline with its default (adaptive) schedules.
    case adaptive = "default"
    /// The same pipeline, each provider at a fixed interval that spends what `default` spent.
    case fixed
    /// gcloud every 5 s and a log read every 1 s, as the seed study proposed.
    case seedCadence = "seed-cadence"
    /// Cloud Logging alone.
    case logsOnly = "logs-only"

    var title: String {
        switch self {
        case .adaptive: "default (adaptive)"
        case .fixed: "fixed interval, same requests"
        case .seedCadence: "seed cadence (gcloud 5 s + logs 1 s)"
        case .logsOnly: "logs only"
        }
    }
}

/// One watch of one scenario by one pipeline: the emulator in this process, the watch a
/// `launchwatch run` child, so that its CPU time and peak memory are its own.
struct BenchRun: Sendable {
    var scenario: String
    var pipeline: BenchPipeline
    var status: Int32
    var outcome: String?
    /// Stage id → seconds from the scenario's own moment to the stage event (real seconds).
    var stageLag: [String: Double]
    /// Seconds from the failure to its message (a `detail` event).
    var detailLag: Double?
    /// Provider id → its requests, as real seconds since the scenario started.
    var requests: [String: [Double]]
    var duration: Double
    var cpuSeconds: Double
    var peakResidentBytes: Int
    /// From starting the child to the emulator's first request.
    var startToFirstRequest: Double?
    var stderrTail: String

    /// The most requests `provider` sent in any 60 s (all of them, for a shorter run): what a
    /// per-minute quota counts.
    func busiestMinute(_ provider: String) -> Int {
        let times = requests[provider] ?? []
        var best = 0
        var first = 0
        for (index, time) in times.enumerated() {
            while time - times[first] >= 60 { first += 1 }
            best = max(best, index - first + 1)
        }
        return best
    }
}

/// Runs single watches for the benchmark.
struct BenchRunner: Sendable {
    var executable: String
    var folder: URL
    var speed: Double
    var gcloudEnvironment: [String: String]

    /// Plays `scenarioName` at `speed` and watches it with `pipeline` (written at `pipelineFile`).
    func run(
        scenarioName: String, pipeline: BenchPipeline, pipelineFile: URL
    ) async throws -> BenchRun {
        guard var scenario = try Scenario.bundled(scenarioName) else {
            throw MeasuredChild.SpawnError(description: "no bundled scenario \(scenarioName)")
        }
        scenario.timeScale *= speed
        // Each step comes a random fraction of a second late (in order): the scenarios' steps fall on
        // whole seconds, and a watch polling on the same grid would see every change just after it
        // happened, or just before — luck, not speed.
        var previous = 0.0
        for index in scenario.timeline.indices {
            let at = max(previous, scenario.timeline[index].at + Double.random(in: 0..<1) * scenario.timeScale)
            scenario.timeline[index].at = at
            previous = at
        }
        let launch = BenchLaunch(scenario)
        let emulator = Emulator(scenario: scenario)
        let (result, log, epoch) = try await emulator.serving { url in
            try await watch(launch, of: scenario, on: emulator, at: url.absoluteString, with: pipeline, pipelineFile)
        }

        // Scenario seconds → real seconds since the scenario started.
        let real = { (time: Double) in time / scenario.timeScale }
        var requests: [String: [Double]] = [:]
        for record in log where !record.route.hasPrefix("control.") {
            requests[Self.provider(of: record, pipeline: pipeline), default: []].append(real(record.time))
        }
        let events = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONParser.parse(Data($0.utf8))
        }
        var stageLag: [String: Double] = [:]
        var detailLag: Double?
        var outcome: String?
        for event in events {
            guard case .string(let type)? = event["type"] else { continue }
            let at = event["at"].flatMap { value -> Date? in
                if case .string(let text) = value { return RFC3339.date(from: text) }
                return nil
            }
            guard let seconds = at.map({ $0.timeIntervalSince(epoch) }) else { continue }
            switch type {
            case "stage":
                guard case .string(let stage)? = event["stage"], event["inferred"] != .bool(true),
                    let truth = launch.truth[stage]
                else { continue }
                stageLag[stage] = stageLag[stage] ?? seconds - real(truth)
            case "detail":
                if detailLag == nil, let failed = launch.truth["failed"] { detailLag = seconds - real(failed) }
            case "finished":
                if case .string(let text)? = event["outcome"] { outcome = text }
            default:
                break
            }
        }
        let firstRequest = log.filter { !$0.route.hasPrefix("control.") }.map(\.time).min()
        let stderr = String(decoding: result.stderr, as: UTF8.self)
        return BenchRun(
            scenario: scenarioName, pipeline: pipeline, status: result.status, outcome: outcome, stageLag: stageLag,
            detailLag: detailLag, requests: requests, duration: result.ended.timeIntervalSince(result.started),
            cpuSeconds: result.cpuSeconds, peakResidentBytes: result.peakResidentBytes,
            startToFirstRequest: firstRequest.map {
                epoch.addingTimeInterval(real($0)).timeIntervalSince(result.started)
            },
            stderrTail: String(stderr.suffix(400)))
    }

    /// Watches `launch` with a `launchwatch run` child against the emulator at `base`; what the child
    /// did, the emulator's requests, and the moment the scenario started.
    private func watch(
        _ launch: BenchLaunch, of scenario: Scenario, on emulator: Emulator, at base: String,
        with pipeline: BenchPipeline, _ pipelineFile: URL
    ) async throws -> (MeasuredChild.Result, [RequestRecord], Date) {
        await emulator.state.reset()
        let epoch = await emulator.state.date(0)
        let logsEnd = (launch.firstErrorReadable ?? launch.end) / scenario.timeScale
        let deadline: Double
        var variables: [String: String] = [
            "project": scenario.project, "loggingEndpoint": base,
        ]
        switch pipeline {
        case .adaptive, .fixed:
            variables.merge(
                [
                    "entity": launch.entity, "queue": launch.queue, "item": launch.item ?? "none", "name": launch.name,
                    "wandbProject": launch.wandbProject, "region": scenario.region, "wandbBaseURL": base,
                    "vertexEndpoint": base, "finishOn": "succeeded",
                ], uniquingKeysWith: { $1 })
            deadline = max(launch.end / scenario.timeScale, logsEnd) + 20
        case .seedCadence:
            variables.merge(
                ["region": scenario.region, "runId": launch.runId ?? "none", "finishOn": "succeeded"],
                uniquingKeysWith: { $1 })
            deadline = max(launch.end / scenario.timeScale, logsEnd) + 20
        case .logsOnly:
            deadline = logsEnd + 15
        }
        var environment = [
            "GOOGLE_OAUTH_ACCESS_TOKEN": "bench-access-token",
            "WANDB_API_KEY": "bench-wandb-api-key-for-the-built-in-emulator-00000",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1",
        ]
        if pipeline == .seedCadence {
            environment.merge(gcloudEnvironment, uniquingKeysWith: { $1 })
            environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM"] = base + "/"
            // The bench's own pipeline, and the gcloud its user named with --gcloud: theirs to run.
            environment[CommandAllowance.variable] = "1"
        }
        // Benchmark launches are not the user's: they stay out of the launch history.
        var arguments = [
            "run", pipelineFile.path, "--json", "--no-history", "--deadline", "\(Int(deadline.rounded(.up)))s",
        ]
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) { arguments += ["--var", "\(name)=\(value)"] }
        let child = MeasuredChild(executable: executable, arguments: arguments, environment: environment)
        let result = try await child.run()
        return (result, await emulator.state.requestLog(), epoch)

    }

    /// Which of the pipeline's providers sent a request, from its route (and GraphQL operation).
    static func provider(of record: RequestRecord, pipeline: BenchPipeline) -> String {
        switch record.route {
        case let route where route.hasPrefix("vertex."): "vertex"
        case let route where route.hasPrefix("logging."): "logs"
        case let route where route.hasPrefix("wandb."):
            ["Run", "Runs", "RunBatch"].contains(record.operation ?? "") ? "run" : "queue"
        default: record.route
        }
    }
}
