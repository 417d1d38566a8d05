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
        let setup = WatchSetup(allowedHosts: allowedHosts, variables: try variables.parsed(), deadline: deadline)
        let stderr = setup.stderr
        // --debug: the providers the watch makes take this logger in their context.
        let logger = debug ? DebugLogHandler.logger { stderr.line($0) } : DebugLogHandler.disabled
        try await DebugLogHandler.$current.withValue(logger) {
            try await watch(setup)
        }
    }

    private func watch(_ setup: WatchSetup) async throws {
        if let targets {
            try await runSweep(targets, setup: setup)
            return
        }
        let loaded = try setup.load(.file(pipeline), reportedAs: pipeline)
        try setup.check(loaded, file: pipeline)
        let given = setup.options.variables
        let session = setup.session(
            loaded.pipeline, json: json, record: record, history: history, queue: given["queue"], name: given["name"])
        let (result, signal) = try await session.run()
        let code = ExitStatus.code(for: result, signal: signal)
        if code != 0 { throw ExitCode(code) }
    }
}

extension RunCommand {
    /// `--targets`: loads the pipeline once per target (its line's values over `--var`), then runs
    /// them all in one `SweepSession`. A target's warnings are not printed: they would repeat the
    /// same lines once per target.
    func runSweep(_ path: String, setup: WatchSetup) async throws {
        let file: TargetsFile
        do {
            file = try TargetsFile(contentsOf: path)
        } catch {
            setup.stderr.line("Error: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        var sweep: [SweepTarget] = []
        for target in file.targets {
            let location = "\(pipeline) (\(path):\(target.line))"
            let loaded = try setup.load(
                .file(pipeline), reportedAs: location,
                variables: setup.options.variables.merging(target.variables) { $1 })
            try setup.requireDeclaredVariables(loaded, at: "\(path):\(target.line)")
            try setup.checkProviders(loaded, file: location)
            sweep.append(SweepTarget(name: target.name, pipeline: loaded.pipeline))
        }
        let session = SweepSession(
            targets: sweep, environment: setup.environment, startedAt: setup.startedAt, json: json,
            redactor: setup.redactor)
        let (results, signal) = try await session.run()
        let code = SweepSession.exitCode(results, signal: signal)
        if code != 0 { throw ExitCode(code) }
    }
}
