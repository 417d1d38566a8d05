import ArgumentParser
import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore

/// `launchwatch doctor [PIPELINE]`: checks, before any launch, that each provider of a pipeline will
/// work on the user's real accounts — its credentials, one cheap read-only call, the names it was
/// given — and says what to fix.
///
/// Variables need no value here: what is known only during a watch (`${fact.*}`, the queue item)
/// or not given is left out of the checks, and each line says so. A provider that fails decides the
/// exit code only when it is always active (the fast providers a watch relies on); a fallback that
/// fails is a warning.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that each provider of a pipeline will work on your accounts (credentials, access, names).",
        discussion: """
            Without PIPELINE, checks the bundled W&B Launch -> Vertex AI pipeline \
            (Examples/pipelines/wandb-launch-vertex.json). For each provider, in order, one line (with \
            --json, one JSON object): where its credentials come from (never the secret), one read-only \
            call with its latency, the permission and role to grant on a 403, the wrong name on a 404, \
            and quota notes. Exit codes: 0 every always-active provider works (a fallback that fails is a \
            warning), 1 one does not, 64 usage, 65 invalid pipeline.
            """
    )

    @Argument(help: "The pipeline file (JSON); default: the bundled seed pipeline.")
    var pipeline: String?

    @OptionGroup var variables: VariableOptions

    @OptionGroup var allowedHosts: AllowHostOptions

    @Flag(help: "Write one JSON object per provider, then a verdict, one per line (for CI).")
    var json = false

    func run() async throws {
        let environment = allowedHosts.applied(to: ProcessInfo.processInfo.environment)
        let redactor = SecretRedactor(environment: environment)
        let stdout = Output.standardOutput(redactor)
        let stderr = Output.standardError(redactor)
        let startedAt = Date()
        let options = PipelineLoader.Options(
            variables: try variables.parsed(), environment: environment, startedAt: startedAt, requireValues: false)
        let loader = PipelineLoader(registry: LaunchWatchCLI.registry)
        let file = pipeline ?? "the bundled seed pipeline"
        let loaded: PipelineLoader.Loaded
        do {
            if let pipeline {
                loaded = try loader.load(contentsOf: URL(fileURLWithPath: pipeline), options: options)
            } else {
                let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                loaded = try loader.load(Data(BundledPipeline.seedFlow.utf8), baseDirectory: here, options: options)
            }
        } catch {
            report(error, file: file, to: stderr)
            throw ExitCode(ExitStatus.invalidPipeline)
        }
        if let message = loaded.undeclaredVariableMessage() {
            stderr.line("Error: \(message)")
            throw ExitCode(ExitStatus.usage)
        }
        // A pipeline is shared content: doctor sends the same credentials a watch would, so it refuses
        // the same destinations, before any connection (exit 65, as `validate` and `run`).
        let refused = loaded.pipeline.checkCredentialDestinations(environment: environment, startedAt: startedAt)
        if !refused.isEmpty {
            report(PipelineError(issues: refused), file: file, to: stderr)
            throw ExitCode(ExitStatus.invalidPipeline)
        }
        let results = await Self.diagnose(loaded.pipeline, environment: environment, startedAt: startedAt)
        if !json {
            stdout.line("launchwatch doctor: \(loaded.pipeline.name) (\(file))")
            if let unset = Self.unsetVariables(loaded.pipeline, given: options.variables, environment: environment) {
                stdout.line(unset)
            }
        }
        for result in results {
            stdout.line(json ? redactor.redact(result.json).jsonText : result.line)
        }
        let verdict = DoctorVerdict(results)
        stdout.line(json ? redactor.redact(verdict.json).jsonText : verdict.line)
        if !verdict.passed { throw ExitCode(ExitStatus.launchFailed) }
    }

    /// `variables without a value: entity, item; project (its default ${env.GOOGLE_CLOUD_PROJECT}: set
    /// GOOGLE_CLOUD_PROJECT)`, so that a check that could not be made says how to make it; `nil` when
    /// every variable has a value.
    static func unsetVariables(_ pipeline: Pipeline, given: [String: String], environment: [String: String])
        -> String?
    {
        var unset: [String] = []
        for variable in pipeline.variables where given[variable.name] == nil {
            guard let fallback = variable.defaultValue else {
                unset.append(variable.name + (variable.optional ? " (optional)" : ""))
                continue
            }
            let missing = ((try? Template(fallback))?.references ?? []).filter {
                $0.namespace == "env" && environment[$0.name] == nil
            }
            if !missing.isEmpty {
                let names = missing.map(\.name).joined(separator: ", ")
                unset.append("\(variable.name) (its default \(fallback): set \(names) or give --var \(variable.name))")
            }
        }
        return unset.isEmpty ? nil : "variables without a value: " + unset.joined(separator: ", ")
    }

    /// Every provider's diagnosis, in the pipeline's order (they run at once).
    static func diagnose(_ pipeline: Pipeline, environment: [String: String], startedAt: Date) async
        -> [DoctorResult]
    {
        await withTaskGroup(of: (Int, DoctorResult).self) { group in
            for (index, spec) in pipeline.providers.enumerated() {
                group.addTask {
                    let every = max(spec.schedule.every.seconds, 0.001)
                    let context = DiagnosisContext(
                        id: spec.id, baseDirectory: pipeline.baseDirectory, environment: environment,
                        startedAt: startedAt,
                        requestsPerMinute: spec.schedule.requestsPerMinute ?? max(1, Int((60 / every).rounded(.down))))
                    let diagnosis = await spec.registration.diagnose?(
                        spec.configuration.substitutingFacts([:]), spec.configurationPath, context)
                    return (index, DoctorResult(spec: spec, diagnosis: diagnosis))
                }
            }
            var results: [DoctorResult?] = Array(repeating: nil, count: pipeline.providers.count)
            for await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
    }
}
