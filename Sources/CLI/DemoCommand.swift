import ArgumentParser
import Foundation
import LaunchWatchCore
import LaunchWatchEmulator

/// `launchwatch demo`: the seed flow's pipeline watching a launch played by the built-in emulator —
/// no cloud account, credentials, files or network beyond loopback.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch a launch played by the built-in emulator (no account or network needed).",
        discussion: """
            Starts the emulator in this process with a bundled scenario and runs the W&B Launch -> \
            Vertex AI pipeline (Examples/pipelines/wandb-launch-vertex.json) against it. Exit codes as \
            for run: vertex-disk-too-small (the default) exits 1 with Vertex AI's message; success exits 0.
            Scenarios: \(Scenario.bundledNames.joined(separator: ", ")).
            """
    )

    @Option(help: ArgumentHelp("The bundled scenario to play.", valueName: "name"))
    var scenario: String = "vertex-disk-too-small"

    @Flag(help: "Write NDJSON events instead of the terminal view.")
    var json = false

    @Option(
        help: ArgumentHelp("Play the scenario this many times faster (polling stays real-time).", valueName: "factor"))
    var speed: Double = 1

    @Option(help: ArgumentHelp("End the watch after this long (overrides the pipeline's 20m).", valueName: "duration"))
    var deadline: String?

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp("Sets a pipeline variable, such as finishOn=succeeded.", valueName: "NAME=value"))
    var assignments: [String] = []

    func validate() throws {
        guard Scenario.bundledNames.contains(scenario) else {
            var message = "--scenario \(scenario): no bundled scenario of that name"
            if let suggestion = NameSuggestion.nearest(to: scenario, in: Scenario.bundledNames) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            throw ValidationError(message + " (bundled: \(Scenario.bundledNames.joined(separator: ", ")))")
        }
        _ = try VariableOptions(assignments: assignments).parsed()
        if let deadline, (DurationText.parse(deadline) ?? .zero) <= .zero {
            throw ValidationError("--deadline \(deadline): not a duration above 0s, such as 60s or 5m")
        }
        guard speed > 0, speed <= 1000 else {
            throw ValidationError("--speed \(speed): must be above 0 and at most 1000")
        }
    }

    func run() async throws {
        guard var bundled = try Scenario.bundled(self.scenario) else { throw ExitCode(ExitStatus.usage) }
        bundled.timeScale *= speed
        let scenario = bundled
        let redactor = SecretRedactor(environment: ProcessInfo.processInfo.environment)
        let stderr = Output.standardError(redactor)
        let emulator = Emulator(scenario: scenario)
        // The emulator and the watch are services of one group: the watch's end (or Ctrl-C, which
        // ends the watch first) stops the emulator.
        let interruption = Interruption()
        let code = try await interruption.run(beside: [.init(service: EmulatorService(emulator: emulator))]) {
            try await watch(scenario, on: emulator, interruption: interruption, stderr: stderr, redactor: redactor)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// Loads the seed flow's pipeline for the emulator's address and watches the scenario's launch;
    /// the exit code.
    private func watch(
        _ scenario: Scenario, on emulator: Emulator, interruption: Interruption, stderr: Output,
        redactor: SecretRedactor
    ) async throws -> Int32 {
        let base = try await emulator.baseURL().absoluteString
        await emulator.state.reset()

        // Everything the pipeline needs comes from the scenario: no real credentials are read.
        let launch = DemoLaunch(scenario)
        var variables = [
            "entity": launch.entity, "queue": launch.queue, "item": launch.item, "name": launch.name,
            "wandbProject": launch.wandbProject,
            "project": scenario.project, "region": scenario.region, "wandbBaseURL": base, "vertexEndpoint": base,
            "loggingEndpoint": base,
        ]
        for (name, value) in try VariableOptions(assignments: assignments).parsed() { variables[name] = value }
        let environment = [
            "GOOGLE_OAUTH_ACCESS_TOKEN": "demo-access-token",
            "WANDB_API_KEY": "demo-wandb-api-key-for-the-built-in-emulator-000000",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "",
            "NO_COLOR": ProcessInfo.processInfo.environment["NO_COLOR"] ?? "",
            "TERM": ProcessInfo.processInfo.environment["TERM"] ?? "",
        ].filter { !$0.value.isEmpty }
        let startedAt = Date()
        let loader = PipelineLoader(registry: LaunchWatchCLI.registry)
        let loaded: PipelineLoader.Loaded
        do {
            loaded = try loader.load(
                Data(BundledPipeline.seedFlow.utf8), baseDirectory: URL(fileURLWithPath: "/"),
                options: .init(
                    variables: variables, environment: environment, startedAt: startedAt,
                    deadline: deadline.flatMap(DurationText.parse)))
        } catch {
            report(error, file: "the demo pipeline", to: stderr)
            throw ExitCode(ExitStatus.invalidPipeline)
        }
        if !json {
            Output.standardOutput(redactor).line(
                "Demo: scenario \"\(scenario.name)\" on the built-in emulator at \(base)\n  \(scenario.description ?? "")\n"
            )
        }
        let session = WatchSession(
            pipeline: loaded.pipeline, environment: environment, startedAt: startedAt, json: json, record: nil,
            redactor: redactor)
        let result = try await session.watch(interruption: interruption)
        if !json,
            let comparison = launch.logsOnlyComparison(
                result: result, startedAt: startedAt, timeScale: scenario.timeScale)
        {
            Output.standardOutput(redactor).line(comparison)
        }
        return ExitStatus.code(for: result, signal: interruption.received)
    }
}

/// What the demo reads from a scenario: the launch's names, and when its failure reached the logs.
struct DemoLaunch {
    var entity: String
    var queue: String
    var item: String
    /// The launch spec's name: the Vertex job's display name, matched while W&B is down.
    var name: String
    var wandbProject: String
    /// When the failure's log entry became readable (scenario seconds), if the scenario writes one.
    var failureReadableInLogs: Double?
    var ingestionDelay: Double

    init(_ scenario: Scenario) {
        entity = scenario.wandb.entity
        queue = "vertex-gpu"
        item = "item"
        name = "launch"
        wandbProject = "project"
        ingestionDelay = scenario.logIngestionDelay
        for step in scenario.timeline {
            switch step.action {
            case .enqueueItem(let id, let queue, let entity, _, let name, _) where item == "item":
                item = id
                self.queue = queue
                self.name = name
                if let entity { self.entity = entity }
            case .createRun(_, _, let project, _, _, _) where wandbProject == "project":
                wandbProject = project
            case .writeLog(let spec)
            where failureReadableInLogs == nil && ["ERROR", "CRITICAL", "ALERT", "EMERGENCY"].contains(spec.severity):
                failureReadableInLogs = step.at + (spec.ingestionDelay ?? scenario.logIngestionDelay)
            default:
                break
            }
        }
    }

    /// "A logs-only watch would have shown this failure at +3m09s; launchwatch showed it at +9.4s."
    func logsOnlyComparison(result: WatchResult, startedAt: Date, timeScale: Double) -> String? {
        guard result.outcome == .failure, let scenarioTime = failureReadableInLogs else { return nil }
        let readable = scenarioTime / timeScale
        let shown = result.timeline.last { $0.stage.outcome == .failure }?.at ?? result.at
        let ours = shown.timeIntervalSince(startedAt)
        return "A logs-only watch would have shown this failure at +\(TerminalReporter.format(seconds: readable)) "
            + "(the logs' ingestion delay is \(TerminalReporter.format(seconds: ingestionDelay / timeScale))); launchwatch showed it at "
            + "+\(TerminalReporter.format(seconds: ours))."
    }
}
