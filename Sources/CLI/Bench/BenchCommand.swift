import ArgumentParser
import Foundation
import LaunchWatchCore
import LaunchWatchEmulator

/// `launchwatch bench`: detection lag and cost of several pipelines side by side, each watching the
/// same emulator scenarios over real loopback HTTP, written as Markdown and JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure detection lag and cost side by side: default, fixed interval, seed cadence, logs only.",
        discussion: """
            Every scenario is played by an emulator of its own in this process and watched by a \
            `launchwatch run` child per pipeline, all at once, so that each watch's CPU time and peak \
            memory are its own. Lag is measured from the moment the scenario made the change to the \
            stage event. Takes about 4 minutes at --speed 1 (the logs' 3 minute ingestion delay); \
            --speed plays scenarios faster (lags then stay in real seconds, polling is real-time).
            """
    )

    static let defaultScenarios = [
        "success", "vertex-disk-too-small", "agent-fails-before-vertex", "runtime-crash-logs-only",
        "two-launches-overlap",
    ]

    @Option(help: ArgumentHelp("Scenarios to play, comma-separated.", valueName: "names"))
    var scenarios: String = defaultScenarios.joined(separator: ",")

    @Option(help: ArgumentHelp("Pipelines to compare, comma-separated.", valueName: "names"))
    var pipelines: String = BenchPipeline.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: ArgumentHelp("Play the scenarios this many times faster.", valueName: "factor"))
    var speed: Double = 1

    @Option(help: ArgumentHelp("Where to write bench.md and bench.json.", valueName: "folder"))
    var out: String = "bench-results"

    @Option(help: ArgumentHelp("The gcloud executable for the seed-cadence pipeline.", valueName: "path"))
    var gcloud: String = "gcloud"

    @Option(
        help: ArgumentHelp(
            "Sweep sizes to measure (run --targets at 1 Hz), comma-separated; 0 for none.", valueName: "sizes"))
    var sweeps: String = "1,10,100,1000"

    var scenarioNames: [String] { scenarios.split(separator: ",").map { String($0) } }

    func selectedPipelines() throws -> [BenchPipeline] {
        try pipelines.split(separator: ",").map { name in
            guard let pipeline = BenchPipeline(rawValue: String(name)) else {
                throw ValidationError(
                    "--pipelines: unknown pipeline \"\(name)\" (known: "
                        + BenchPipeline.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            return pipeline
        }
    }

    func validate() throws {
        for name in scenarioNames where !Scenario.bundledNames.contains(name) {
            var message = "--scenarios: no bundled scenario \"\(name)\""
            if let suggestion = NameSuggestion.nearest(to: name, in: Scenario.bundledNames) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            throw ValidationError(message + " (bundled: \(Scenario.bundledNames.joined(separator: ", ")))")
        }
        if try selectedPipelines().contains(.fixed), !(try selectedPipelines().contains(.adaptive)) {
            throw ValidationError("--pipelines: fixed spends what default spent, so it needs default too")
        }
        guard speed > 0, speed <= 100 else {
            throw ValidationError("--speed \(speed): must be above 0 and at most 100")
        }
    }

    func run() async throws {
        let stdout = Output.standardOutput(SecretRedactor(environment: [:]))
        let executable = try Self.ownExecutable()
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
            (BenchPipeline.adaptive, BundledPipeline.seedFlow), (.logsOnly, BundledPipeline.logsOnly),
            (
                .seedCadence,
                BundledPipeline.seedCadence.replacingOccurrences(
                    of: #""default": "gcloud""#, with: "\"default\": \(JSONValue.string(gcloud).jsonText)")
            ),
        ] {
            let file = folder.appendingPathComponent("\(pipeline.rawValue).json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            files[pipeline] = file
        }
        let selected = try selectedPipelines()
        stdout.line(
            "Benchmark: \(scenarioNames.count) scenarios × \(selected.count) pipelines, at speed \(speed), all at once…"
        )

        let runs = try await withThrowingTaskGroup(of: [BenchRun].self) { group in
            for scenario in scenarioNames {
                for pipeline in selected where pipeline != .fixed {
                    guard let file = files[pipeline] else { continue }
                    group.addTask {
                        let first = try await runner.run(scenarioName: scenario, pipeline: pipeline, pipelineFile: file)
                        guard pipeline == .adaptive, selected.contains(.fixed) else { return [first] }
                        // The fixed-interval twin spends what the adaptive watch spent, per provider.
                        let twin = folder.appendingPathComponent("fixed-\(scenario).json")
                        try Self.fixedPipeline(spending: first).write(to: twin, atomically: true, encoding: .utf8)
                        let second = try await runner.run(scenarioName: scenario, pipeline: .fixed, pipelineFile: twin)
                        return [first, second]
                    }
                }
            }
            var all: [BenchRun] = []
            for try await runs in group {
                for run in runs {
                    stdout.line(
                        "  \(run.scenario) · \(run.pipeline.rawValue): \(run.outcome ?? "no outcome") in "
                            + String(format: "%.1fs", run.duration))
                    if run.outcome == nil || run.status > 2 { stdout.line("    stderr: \(run.stderrTail)") }
                }
                all += runs
            }
            return all
        }
        stdout.line("  one poll in-process (vertex-rest against the emulator, 300 times)…")
        var poll = try await PollCostBench.measure()
        poll.startToFirstRequest = try await PollCostBench.startToFirstRequest(executable: executable, folder: folder)
        var sweepRows: [SweepBench.Row] = []
        for size in sweeps.split(separator: ",").compactMap({ Int($0) }) where size > 0 {
            stdout.line("  sweep of \(size) launches at 1 Hz…")
            sweepRows.append(try await SweepBench.measure(count: size, executable: executable, folder: folder))
        }
        let report = BenchReport(
            runs: runs, pipelines: selected, scenarios: scenarioNames, speed: speed, poll: poll, sweeps: sweepRows)
        let outFolder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        let markdown = report.markdown()
        try markdown.write(to: outFolder.appendingPathComponent("bench.md"), atomically: true, encoding: .utf8)
        try (report.json().jsonText + "\n").write(
            to: outFolder.appendingPathComponent("bench.json"), atomically: true, encoding: .utf8)
        stdout.line("")
        stdout.line(markdown)
        stdout.line("Written to \(outFolder.appendingPathComponent("bench.md").path) and bench.json.")
    }

    /// The seed pipeline with every provider at a fixed interval: the one at which it would have sent
    /// as many requests as in `run` over the time it was polling (providers that never polled keep
    /// their interval, fixed).
    static func fixedPipeline(spending run: BenchRun) throws -> String {
        let document = try JSONParser.parse(Data(BundledPipeline.seedFlow.utf8))
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

    static func ownExecutable() throws -> String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MeasuredChild.SpawnError(description: "cannot find the launchwatch executable (\(path))")
        }
        return path
    }
}
