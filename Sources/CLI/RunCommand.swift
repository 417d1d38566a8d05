import ArgumentParser
import Foundation
import LaunchWatchCore

/// `launchwatch run PIPELINE`: watches one launch until it succeeds, fails, runs out of time or is
/// interrupted.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Watch a launch as the pipeline file describes it.",
        discussion: """
            Shows a live view when standard output is a terminal, plain timestamped lines otherwise \
            (NO_COLOR turns colours off). With --json, writes one JSON event per line instead.
            Exit codes: 0 succeeded, 1 failed, 2 deadline, 64 usage, 65 invalid pipeline, \
            130 interrupted, 143 terminated.
            With --targets FILE, watches every launch of a sweep (one line of NAME=value pairs per \
            launch, over the --var values) in one process: 0 if all succeeded, 1 if any failed, 2 if \
            any ran out of time.
            """
    )

    @Argument(help: "The pipeline file (JSON).")
    var pipeline: String

    @OptionGroup var variables: VariableOptions

    @OptionGroup var allowedHosts: AllowHostOptions

    @Flag(help: "Write NDJSON events to standard output, one per line.")
    var json = false

    @Option(help: ArgumentHelp("End the watch after this long (overrides finish.deadline).", valueName: "duration"))
    var deadline: String?

    @Option(
        help: ArgumentHelp(
            "Record what the providers saw to this NDJSON file, for the replay provider.",
            valueName: "file"))
    var record: String?

    @Option(
        help: ArgumentHelp(
            "Watch a sweep: one launch per line of this file, as NAME=value pairs over the --var values.",
            valueName: "file"))
    var targets: String?

    @OptionGroup var history: HistoryOptions

    @Flag(
        help: """
            Write each HTTP request and answer and each gcloud call to standard error, with secrets \
            redacted (credential headers, key and token parameters; no request bodies).
            """)
    var debug = false

    func validate() throws {
        if targets != nil, record != nil {
            throw ValidationError("--record records one launch; it cannot be combined with --targets")
        }
        if let deadline {
            guard let duration = DurationText.parse(deadline) else {
                throw ValidationError(
                    "--deadline \(deadline): not a duration; write a number and a unit, such as 20m, 90s or 1h30m")
            }
            guard duration > .zero else { throw ValidationError("--deadline \(deadline): must be longer than 0s") }
        }
    }

    func run() async throws {
        let environment = allowedHosts.applied(to: ProcessInfo.processInfo.environment)
        let redactor = SecretRedactor(environment: environment)
        let stderr = Output.standardError(redactor)
        // --debug: the providers the watch makes take this logger in their context.
        let logger = debug ? DebugLogHandler.logger { stderr.line($0) } : DebugLogHandler.disabled
        try await DebugLogHandler.$current.withValue(logger) {
            try await watch(environment: environment, redactor: redactor, stderr: stderr)
        }
    }

    private func watch(environment: [String: String], redactor: SecretRedactor, stderr: Output) async throws {
        let startedAt = Date()
        let given = try variables.parsed()
        let options = PipelineLoader.Options(
            variables: given, environment: environment, startedAt: startedAt, requireValues: true,
            deadline: deadline.flatMap(DurationText.parse))
        let loader = PipelineLoader(registry: LaunchWatchCLI.registry)
        if let targets {
            try await runSweep(targets, loader: loader, given: given, options: options, stderr: stderr)
            return
        }
        let loaded: PipelineLoader.Loaded
        do {
            loaded = try loader.load(contentsOf: URL(fileURLWithPath: pipeline), options: options)
        } catch {
            report(error, file: pipeline, to: stderr)
            throw ExitCode(ExitStatus.invalidPipeline)
        }
        if let message = loaded.undeclaredVariableMessage() {
            stderr.line("Error: \(message)")
            throw ExitCode(ExitStatus.usage)
        }
        for warning in loaded.warnings {
            stderr.line("\(pipeline): warning: \(warning)")
        }
        let providerIssues = loaded.pipeline.checkProviders(environment: environment, startedAt: startedAt)
        if !providerIssues.isEmpty {
            report(PipelineError(issues: providerIssues), file: pipeline, to: stderr)
            throw ExitCode(ExitStatus.invalidPipeline)
        }

        let session = WatchSession(
            pipeline: loaded.pipeline, environment: environment, startedAt: startedAt, json: json, record: record,
            redactor: redactor,
            history: LaunchHistory.located(environment: environment, disabled: history.disabled).map {
                HistoryContext(store: $0, queue: given["queue"], name: given["name"])
            })
        let (result, signal) = try await session.run()
        let code = ExitStatus.code(for: result, signal: signal)
        if code != 0 { throw ExitCode(code) }
    }
}

extension RunCommand {
    /// `--targets`: loads the pipeline once per target (its line's values over `--var`), then runs
    /// them all in one `SweepSession`.
    func runSweep(
        _ path: String, loader: PipelineLoader, given: [String: String], options: PipelineLoader.Options,
        stderr: Output
    ) async throws {
        let file: TargetsFile
        do {
            file = try TargetsFile(contentsOf: path)
        } catch {
            stderr.line("Error: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        var sweep: [SweepTarget] = []
        for target in file.targets {
            var targetOptions = options
            targetOptions.variables = given.merging(target.variables) { $1 }
            let location = "\(pipeline) (\(path):\(target.line))"
            do {
                let loaded = try loader.load(contentsOf: URL(fileURLWithPath: pipeline), options: targetOptions)
                if let message = loaded.undeclaredVariableMessage() {
                    stderr.line("Error: \(path):\(target.line): \(message)")
                    throw ExitCode(ExitStatus.usage)
                }
                let issues = loaded.pipeline.checkProviders(
                    environment: options.environment, startedAt: options.startedAt)
                if !issues.isEmpty {
                    report(PipelineError(issues: issues), file: location, to: stderr)
                    throw ExitCode(ExitStatus.invalidPipeline)
                }
                sweep.append(SweepTarget(name: target.name, pipeline: loaded.pipeline))
            } catch let error as PipelineError {
                report(error, file: location, to: stderr)
                throw ExitCode(ExitStatus.invalidPipeline)
            }
        }
        let session = SweepSession(
            targets: sweep, environment: options.environment, startedAt: options.startedAt, json: json,
            redactor: SecretRedactor(environment: options.environment))
        let (results, signal) = try await session.run()
        let code = SweepSession.exitCode(results, signal: signal)
        if code != 0 { throw ExitCode(code) }
    }
}
