import ArgumentParser
import Foundation
import LaunchWatchCore

/// `launchwatch validate PIPELINE...`: checks pipeline files without touching the network.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files: every problem, with its JSON path. No network.",
        discussion: """
            Variables that have no value yet (${env.X} not set, ${var.X} without --var) are not \
            errors here; `run` requires them. Exit code 0 when every file is valid, 65 otherwise.
            """
    )

    @Argument(help: "Pipeline files to check.")
    var pipelines: [String]

    @OptionGroup var variables: VariableOptions

    @OptionGroup var allowedHosts: AllowHostOptions

    @Flag(help: "Also fail (exit 65) on warnings.")
    var strict = false

    func run() throws {
        let environment = allowedHosts.applied(to: ProcessInfo.processInfo.environment)
        let redactor = SecretRedactor(environment: environment)
        let stdout = Output.standardOutput(redactor)
        let stderr = Output.standardError(redactor)
        let loader = PipelineLoader(registry: LaunchWatchCLI.registry)
        let given = try variables.parsed()
        let options = PipelineLoader.Options(variables: given, environment: environment, requireValues: false)
        var invalid = 0
        for file in pipelines {
            do {
                let loaded = try loader.load(contentsOf: URL(fileURLWithPath: file), options: options)
                if let message = loaded.undeclaredVariableMessage() {
                    stderr.line("Error: \(file): \(message)")
                    throw ExitCode(ExitStatus.usage)
                }
                let providerIssues = loaded.pipeline.checkProviders(environment: environment)
                if !providerIssues.isEmpty { throw PipelineError(issues: loaded.warnings + providerIssues) }
                for warning in loaded.warnings {
                    stderr.line("\(file): warning: \(warning)")
                }
                if strict, !loaded.warnings.isEmpty {
                    invalid += 1
                    stderr.line("\(file): invalid pipeline (warnings count as errors with --strict)")
                    continue
                }
                let pipeline = loaded.pipeline
                stdout.line(
                    "\(file): valid — \"\(pipeline.name)\", \(pipeline.stages.count) stages, "
                        + "\(pipeline.providers.count) providers")
            } catch let error as PipelineError {
                invalid += 1
                report(error, file: file, to: stderr)
            }
        }
        if invalid > 0 { throw ExitCode(ExitStatus.invalidPipeline) }
    }
}
