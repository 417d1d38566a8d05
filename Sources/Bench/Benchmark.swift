import Foundation
import LaunchWatchCore
import LaunchWatchEmulator

/// The benchmark `launchwatch bench` runs: detection lag and cost of several pipelines side by side,
/// each watching the same emulator scenarios over real loopback HTTP, then one poll in-process, the
/// start of `launchwatch run`, and sweeps; written as Markdown and JSON.
///
/// Every scenario is played by an emulator of its own in this process and watched by a
/// `launchwatch run` child (`executable`) per pipeline, all at once, so that each watch's CPU time
/// and peak memory are its own.
package struct Benchmark: Sendable {
    /// The scenarios played by default.
    package static let defaultScenarios = [
        "success", "vertex-disk-too-small", "agent-fails-before-vertex", "runtime-crash-logs-only",
        "two-launches-overlap",
    ]

    /// The pipelines' texts, as the command line bundles them.
    package struct Pipelines: Sendable {
        /// The shipped seed pipeline (`default`; `fixed` is derived from it).
        package var seedFlow: String
        package var logsOnly: String
        /// The seed cadence; its gcloud variable's default is replaced by `gcloud`.
        package var seedCadence: String

        package init(seedFlow: String, logsOnly: String, seedCadence: String) {
            self.seedFlow = seedFlow
            self.logsOnly = logsOnly
            self.seedCadence = seedCadence
        }
    }

    package var scenarios: [String]
    package var pipelines: [BenchPipeline]
    package var texts: Pipelines
    /// Plays the scenarios this many times faster.
    package var speed: Double
    /// Where bench.md and bench.json are written.
    package var out: URL
    /// The gcloud executable for the seed-cadence pipeline.
    package var gcloud: String
    /// Sweep sizes to measure (`run --targets` at 1 Hz).
    package var sweeps: [Int]
    /// The `launchwatch` executable whose `run` each watch is.
    package var executable: String

    package init(
        scenarios: [String], pipelines: [BenchPipeline], texts: Pipelines, speed: Double, out: URL, gcloud: String,
        sweeps: [Int], executable: String
    ) {
        self.scenarios = scenarios
        self.pipelines = pipelines
        self.texts = texts
        self.speed = speed
        self.out = out
        self.gcloud = gcloud
        self.sweeps = sweeps
        self.executable = executable
    }

    /// Runs the benchmark, telling `progress` what it does, and writes bench.md and bench.json
    /// under `out`; the Markdown.
    package func run(progress: @escaping @Sendable (String) -> Void) async throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("launchwatch-bench-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let token = folder.appendingPathComponent("gcloud-token")
        try "bench-token\n".write(to: token, atomically: true, encoding: .utf8)
        let runner = BenchRunner(
            executable: executable, folder: folder, speed: speed,
            gcloudEnvironment: [
                "CLOUDSDK_CONFIG": folder.appendingPathComponent("gcloud").path,
                "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE": token.path, "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            ])
        var files: [BenchPipeline: URL] = [:]
        for (pipeline, text) in [
            (BenchPipeline.adaptive, texts.seedFlow), (.logsOnly, texts.logsOnly),
            (
                .seedCadence,
                texts.seedCadence.replacingOccurrences(
                    of: #""default": "gcloud""#, with: "\"default\": \(JSONValue.string(gcloud).jsonText)")
            ),
        ] {
            let file = folder.appendingPathComponent("\(pipeline.rawValue).json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            files[pipeline] = file
        }
        let selected = pipelines
        let seedFlow = texts.seedFlow
        progress(
            "Benchmark: \(scenarios.count) scenarios × \(selected.count) pipelines, at speed \(speed), all at once…")

        let runs = try await withThrowingTaskGroup(of: [BenchRun].self) { group in
            for scenario in scenarios {
                for pipeline in selected where pipeline != .fixed {
                    guard let file = files[pipeline] else { continue }
                    group.addTask {
                        let first = try await runner.run(scenarioName: scenario, pipeline: pipeline, pipelineFile: file)
                        guard pipeline == .adaptive, selected.contains(.fixed) else { return [first] }
                        // The fixed-interval twin spends what the adaptive watch spent, per provider.
                        let twin = folder.appendingPathComponent("fixed-\(scenario).json")
                        try Self.fixedPipeline(seedFlow, spending: first).write(
                            to: twin, atomically: true, encoding: .utf8)
                        let second = try await runner.run(scenarioName: scenario, pipeline: .fixed, pipelineFile: twin)
                        return [first, second]
                    }
                }
            }
            var all: [BenchRun] = []
            for try await runs in group {
                for run in runs {
                    progress(
                        "  \(run.scenario) · \(run.pipeline.rawValue): \(run.outcome ?? "no outcome") in "
                            + String(format: "%.1fs", run.duration))
                    if run.outcome == nil || run.status > 2 { progress("    stderr: \(run.stderrTail)") }
                }
                all += runs
            }
            return all
        }
        progress("  one poll in-process (vertex-rest against the emulator, 300 times)…")
        var poll = try await PollCostBench.measure()
        poll.startToFirstRequest = try await PollCostBench.startToFirstRequest(executable: executable, folder: folder)
        var sweepRows: [SweepBench.Row] = []
        for size in sweeps where size > 0 {
            progress("  sweep of \(size) launches at 1 Hz…")
            sweepRows.append(try await SweepBench.measure(count: size, executable: executable, folder: folder))
        }
        let report = BenchReport(
            runs: runs, pipelines: selected, scenarios: scenarios, speed: speed, poll: poll, sweeps: sweepRows)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let markdown = report.markdown()
        try markdown.write(to: out.appendingPathComponent("bench.md"), atomically: true, encoding: .utf8)
        try (report.json().jsonText + "\n").write(
            to: out.appendingPathComponent("bench.json"), atomically: true, encoding: .utf8)
        return markdown
    }

    /// The seed pipeline with every provider at a fixed interval: the one at which it would have sent
    /// as many requests as in `run` over the time it was polling (providers that never polled keep
    /// their interval, fixed).
    static func fixedPipeline(_ seedFlow: String, spending run: BenchRun) throws -> String {
        let document = try JSONParser.parse(Data(seedFlow.utf8))
        guard case .object(var root) = document, let index = root.firstIndex(where: { $0.key == "providers" }),
            case .array(let providers) = root[index].value
        else { throw MeasuredChild.SpawnError(description: "the seed pipeline has no providers") }
        root[index].value = .array(
            providers.map { provider in
                guard case .object(var fields) = provider, case .string(let id)? = provider["id"] else {
                    return provider
                }
                var every = 1.0
                if case .string(let text)? = provider["schedule"]?["every"], let given = DurationText.parse(text) {
                    every = given.seconds
                }
                if let times = run.requests[id], let first = times.first, !times.isEmpty {
                    every = max(0.1, (run.duration - first) / Double(times.count))
                }
                let schedule = JSONValue.object([
                    ("every", .string("\(Int((every * 1000).rounded()))ms")),
                    ("backoff", .object([("max", .string("30s"))])), ("adaptive", .bool(false)),
                ])
                fields.removeAll { $0.key == "schedule" }
                fields.append((key: "schedule", value: schedule))
                return .object(fields)
            })
        return JSONValue.object(root).jsonText
    }

    /// The running program's own executable: each watch is its `run`.
    package static func ownExecutable() throws -> String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MeasuredChild.SpawnError(description: "cannot find the launchwatch executable (\(path))")
        }
        return path
    }
}
