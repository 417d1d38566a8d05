import ArgumentParser
import Foundation
import LaunchWatchCore

/// What `run` and `launch` set up before a watch, in one place: the environment (with
/// `--allow-host` and `--allow-commands` applied), its redactor and standard error, the start, one
/// pipeline loader with the watch's options (`--var`, `--deadline`), the checks made once the pipeline
/// is loaded, and the `WatchSession` itself.
///
/// The checks keep the commands' order, words and exit codes:
/// 1. a pipeline that does not load: its issues (`FILE: error: PATH: message`), exit 65;
/// 2. a `--var` it does not declare: `Error: …` with the nearest declared name, exit 64;
/// 3. its warnings, printed as `FILE: warning: …`;
/// 4. a provider that cannot be made here (credentials' destinations, commands not allowed): its
///    issues, exit 65.
struct WatchSetup {
    let environment: [String: String]
    let redactor: SecretRedactor
    let stderr: Output
    let startedAt: Date
    let loader = PipelineLoader(registry: LaunchWatchCLI.registry)
    /// The loader's options: the variables given, the environment, the start, `--deadline`; every
    /// variable must have a value.
    let options: PipelineLoader.Options

    /// Where a pipeline comes from.
    enum Source {
        /// A file, by its path.
        case file(String)
        /// A pipeline built into launchwatch (`launch`'s default), its text.
        case bundled(String)
    }

    init(allowedHosts: AllowHostOptions, variables: [String: String], deadline: String?) {
        environment = allowedHosts.applied(to: ProcessInfo.processInfo.environment)
        redactor = SecretRedactor(environment: environment)
        stderr = Output.standardError(redactor)
        startedAt = Date()
        options = PipelineLoader.Options(
            variables: variables, environment: environment, startedAt: startedAt, requireValues: true,
            deadline: deadline.flatMap(DurationText.parse))
    }

    /// Loads the pipeline with `variables` (by default those given). One that does not load is
    /// reported under `file` and ends the command with 65 (invalid pipeline).
    func load(
        _ source: Source, reportedAs file: String, variables: [String: String]? = nil
    ) throws -> PipelineLoader.Loaded {
        var options = options
        if let variables { options.variables = variables }
        do {
            switch source {
            case .file(let path):
                return try loader.load(contentsOf: URL(fileURLWithPath: path), options: options)
            case .bundled(let text):
                return try loader.load(Data(text.utf8), baseDirectory: URL(fileURLWithPath: "/"), options: options)
            }
        } catch {
            report(error, file: file, to: stderr)
            throw ExitCode(ExitStatus.invalidPipeline)
        }
    }

    /// The checks after loading, in order: every `--var` declared (64), the warnings printed under
    /// `file`, every provider makeable here (65).
    func check(_ loaded: PipelineLoader.Loaded, file: String) throws {
        try requireDeclaredVariables(loaded)
        for warning in loaded.warnings {
            stderr.line("\(file): warning: \(warning)")
        }
        try checkProviders(loaded, file: file)
    }

    /// A `--var` the pipeline does not declare ends the command with 64 (usage); `location` (a
    /// targets file's line) comes before the message.
    func requireDeclaredVariables(_ loaded: PipelineLoader.Loaded, at location: String? = nil) throws {
        guard let message = loaded.undeclaredVariableMessage() else { return }
        stderr.line("Error: " + (location.map { "\($0): " } ?? "") + message)
        throw ExitCode(ExitStatus.usage)
    }

    /// A provider that cannot be made with this environment (where its credentials would go, a
    /// command not allowed) is reported under `file` and ends the command with 65.
    func checkProviders(_ loaded: PipelineLoader.Loaded, file: String) throws {
        let issues = loaded.pipeline.checkProviders(environment: environment, startedAt: startedAt)
        guard issues.isEmpty else {
            report(PipelineError(issues: issues), file: file, to: stderr)
            throw ExitCode(ExitStatus.invalidPipeline)
        }
    }

    /// The watch of `pipeline`, recorded in the history unless `--no-history` (or
    /// `LAUNCHWATCH_NO_HISTORY`) turns it off.
    func session(
        _ pipeline: Pipeline, json: Bool, record: String?, history: HistoryOptions, queue: String?, name: String?,
        skipHistory: @escaping @Sendable () -> Bool = { false }, allowsLiveView: Bool = true
    ) -> WatchSession {
        WatchSession(
            pipeline: pipeline, environment: environment, startedAt: startedAt, json: json, record: record,
            redactor: redactor,
            history: LaunchHistory.located(environment: environment, disabled: history.disabled).map {
                HistoryContext(store: $0, queue: queue, name: name, skip: skipHistory)
            },
            allowsLiveView: allowsLiveView)
    }
}
