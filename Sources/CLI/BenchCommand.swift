import ArgumentParser
import Foundation
import LaunchWatchBench
import LaunchWatchCore
import LaunchWatchEmulator

/// `launchwatch bench`: detection lag and cost of several pipelines side by side, each watching the
/// same emulator scenarios over real loopback HTTP, written as Markdown and JSON. The command reads
/// and checks its options; the benchmark itself is `Benchmark`, in the LaunchWatchBench module.
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

    @Option(help: ArgumentHelp("Scenarios to play, comma-separated.", valueName: "names"))
    var scenarios: String = Benchmark.defaultScenarios.joined(separator: ",")

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
        let out = URL(fileURLWithPath: self.out)
        let benchmark = Benchmark(
            scenarios: scenarioNames, pipelines: try selectedPipelines(),
            texts: .init(
                seedFlow: BundledPipeline.seedFlow, logsOnly: BundledPipeline.logsOnly,
                seedCadence: BundledPipeline.seedCadence),
            speed: speed, out: out, gcloud: gcloud, sweeps: sweeps.split(separator: ",").compactMap { Int($0) },
            executable: try Benchmark.ownExecutable())
        let markdown = try await benchmark.run { stdout.line($0) }
        stdout.line("")
        stdout.line(markdown)
        stdout.line("Written to \(out.appendingPathComponent("bench.md").path) and bench.json.")
    }
}
