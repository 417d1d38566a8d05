import ArgumentParser
import Foundation
import LaunchWatchCore
import LaunchWatchEmulator

/// `launchwatch emulate`: runs the local emulator of Vertex AI, W&B, Cloud Logging, Cloud Run and
/// Google's token endpoints, playing a scenario, until stopped.
struct EmulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Run the local cloud emulator, playing a scenario, until stopped (Ctrl-C).",
        discussion: """
            Prints "listening on http://127.0.0.1:PORT" once it serves. Point clients at it:
              gcloud:  CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM=http://127.0.0.1:PORT/
              W&B:     WANDB_BASE_URL=http://127.0.0.1:PORT
              a pipeline: "endpoint" / "baseURL" in a provider's config
            Bundled scenarios: \(Scenario.bundledNames.joined(separator: ", ")).
            """
    )

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = 0

    @Option(help: ArgumentHelp("A bundled scenario's name or a scenario file.", valueName: "name|file"))
    var scenario: String = "success"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port): must be between 0 and 65535") }
        _ = try loadScenario()
    }

    func loadScenario() throws -> Scenario {
        do {
            if let bundled = try Scenario.bundled(scenario) { return bundled }
        } catch {
            throw ValidationError("--scenario \(scenario): the bundled scenario is invalid:\n\(error)")
        }
        let looksLikeFile = scenario.contains("/") || scenario.hasSuffix(".json")
        guard looksLikeFile, FileManager.default.fileExists(atPath: scenario) else {
            var message = "--scenario \(scenario): no bundled scenario or file of that name"
            if let suggestion = NameSuggestion.nearest(to: scenario, in: Scenario.bundledNames) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            throw ValidationError(message + " (bundled: \(Scenario.bundledNames.joined(separator: ", ")))")
        }
        do {
            return try Scenario(json: Data(contentsOf: URL(fileURLWithPath: scenario)))
        } catch let error as ScenarioError {
            throw ValidationError("--scenario \(scenario): invalid scenario:\n\(error)")
        } catch {
            throw ValidationError("--scenario \(scenario): cannot be read")
        }
    }

    func run() async throws {
        let emulator = Emulator(scenario: try loadScenario(), port: port)
        let output = Output.standardOutput(SecretRedactor(environment: [:]))
        // Ctrl-C or SIGTERM stops the server; that is how `emulate` ends, so it exits 0.
        try await Interruption().run([
            .init(
                service: EmulatorService(
                    emulator: emulator,
                    onListening: { url in
                        output.line("listening on \(url.absoluteString)")
                        let name = await emulator.state.scenario.name
                        output.line("scenario \"\(name)\" started; Ctrl-C stops")
                    }))
        ])
    }
}
