import ArgumentParser
import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore
import ServiceLifecycle
import Synchronization

/// `launchwatch launch [--pipeline FILE] -- COMMAND [ARGS...]`: runs the user's launch command and
/// watches that launch, from the moment the command starts.
///
/// The launch is followed by its name (see `LaunchName`), so nothing the command prints needs to be
/// read: the name is fixed before the command starts, given to the pipeline as `--var name=…` and
/// to the command as `LAUNCHWATCH_LAUNCH_NAME`. The default pipeline is the seed flow followed by
/// name (`Examples/pipelines/wandb-launch-by-name.json`).
///
/// The command's output is passed on as it comes: its standard output to standard output (to
/// standard error with `--json`, which keeps standard output NDJSON), its standard error to standard
/// error. The watch is shown as plain lines, never redrawn in place, so that nothing the command
/// prints is overwritten. When the command exits non-zero the watch stops, the end of the command's
/// standard error is shown again, and `launch` exits with the command's code (nothing was launched,
/// so nothing is recorded in the history). Otherwise `launch` exits when both the watch and the
/// command have ended, with the watch's code.
struct LaunchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Run a launch command and watch that launch.",
        discussion: """
            Example: launchwatch launch -- wandb launch --docker-image IMAGE --queue Q --entity E --project P
            The launch's name is the command's own --name; for `wandb launch` without one, a unique \
            name (the image or job name and a random suffix) is added as --name; otherwise --var name, \
            or a generated one. The pipeline gets it as --var name, the command as \
            LAUNCHWATCH_LAUNCH_NAME (give it to launch_add(name=...)). For `wandb launch`, its \
            --entity, --queue and --project become --var entity, queue and wandbProject unless given.
            Exit codes: the command's own when it fails; else those of `run`.
            """
    )

    @Option(
        help: ArgumentHelp(
            "The pipeline file (JSON); by default the bundled W&B Launch -> Vertex AI pipeline, followed by name.",
            valueName: "file"))
    var pipeline: String?

    @OptionGroup var variables: VariableOptions

    @Flag(help: "Write NDJSON events to standard output (the command's output goes to standard error).")
    var json = false

    @Option(help: ArgumentHelp("End the watch after this long (overrides finish.deadline).", valueName: "duration"))
    var deadline: String?

    @OptionGroup var history: HistoryOptions

    @OptionGroup var allowedHosts: AllowHostOptions

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The launch command, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty {
            throw ValidationError(
                "give the launch command after --, such as: launchwatch launch -- wandb launch --docker-image IMAGE "
                    + "--queue QUEUE --entity ENTITY --project PROJECT")
        }
        if let deadline {
            guard let duration = DurationText.parse(deadline), duration > .zero else {
                throw ValidationError(
                    "--deadline \(deadline): not a positive duration; write a number and a unit, such as 20m or 90s")
            }
        }
    }

    func run() async throws {
        let given = try variables.parsed()
        let launch = LaunchName(command: command, variables: given)
        let pipelineVariables = given.merging(launch.variables) { $1 }.merging(["name": launch.name]) { $1 }
        let setup = WatchSetup(allowedHosts: allowedHosts, variables: pipelineVariables, deadline: deadline)
        let stdout = Output.standardOutput(setup.redactor)
        let stderr = setup.stderr
        let file = pipeline ?? "the bundled pipeline (W&B Launch -> Vertex AI, by name)"
        let loaded = try load(setup, readFromCommand: Set(launch.variables.keys), file: file)

        var childEnvironment = setup.environment
        childEnvironment["LAUNCHWATCH_LAUNCH_NAME"] = launch.name
        let child = LaunchedCommand(command: launch.command, environment: childEnvironment)
        let info = json ? stderr : stdout
        info.line("launch \(launch.name): \(launch.command.joined(separator: " "))")
        let failed = CommandFailure()
        let session = setup.session(
            loaded.pipeline, json: json, record: nil, history: history, queue: pipelineVariables["queue"],
            name: launch.name, skipHistory: { failed.status != nil }, allowsLiveView: false)
        let commandOutput = json ? stderr : stdout
        // The command is a service beside the watch: its failure shuts the watch down gracefully (as
        // Ctrl-C does, with the summary so far); otherwise it waits for the watch to end before it
        // returns, and a graceful shutdown leaves it waiting for the command to exit.
        let commandService = ClosureService {
            let status: Int32
            do throws(LaunchedCommand.NotStarted) {
                status = try await child.run(output: commandOutput, errors: stderr)
            } catch {
                // /usr/bin/env itself could not be started (a missing command is env's exit 127).
                failed.set(127)
                throw LaunchedCommandFailure(status: 127, notStarted: error.reason)
            }
            if status != 0 {
                // Nothing was launched (or the launch cannot be trusted): stop watching.
                failed.set(status)
                throw LaunchedCommandFailure(status: status, notStarted: nil)
            }
            try? await gracefulShutdown()
        }
        let watchCode: Int32
        do {
            let (result, signal) = try await session.run(beside: [
                .init(service: commandService, failureTerminationBehavior: .gracefullyShutdownGroup)
            ])
            watchCode = ExitStatus.code(for: result, signal: signal)
        } catch let failure as LaunchedCommandFailure {
            if let reason = failure.notStarted {
                stderr.line("Error: cannot start \(command[0]): \(reason)")
                throw ExitCode(127)
            }
            var lines = [
                "", "launch: the command exited with code \(failure.status): \(launch.command.joined(separator: " "))",
            ]
            let tail = child.tail
            if !tail.isEmpty {
                lines.append("the end of its standard error:")
                lines += tail.map { "  | " + $0 }
            }
            stderr.line(lines.joined(separator: "\n"))
            throw ExitCode(failure.status)
        }
        if watchCode != 0 { throw ExitCode(watchCode) }
    }

    /// Loads the pipeline with the launch's variables (those of `setup`). A variable read from the
    /// command that the pipeline does not declare is left out (a user's own pipeline may not need the
    /// queue); a pipeline that does not declare `name` cannot follow the launch.
    private func load(_ setup: WatchSetup, readFromCommand: Set<String>, file: String) throws -> PipelineLoader.Loaded {
        let source: WatchSetup.Source = pipeline.map { .file($0) } ?? .bundled(BundledPipeline.byName)
        var loaded = try setup.load(source, reportedAs: file)
        let dropped = Set(loaded.undeclaredVariables).intersection(readFromCommand)
        if !dropped.isEmpty {
            let variables = setup.options.variables.filter { !dropped.contains($0.key) }
            loaded = try setup.load(source, reportedAs: file, variables: variables)
        }
        if !loaded.pipeline.variables.contains(where: { $0.name == "name" }) {
            setup.stderr.line(
                "Error: \(file) declares no variable \"name\": launch follows a launch by its name "
                    + "(${var.name}); declare it, or use `launchwatch run` with the item id")
            throw ExitCode(ExitStatus.usage)
        }
        try setup.check(loaded, file: file)
        return loaded
    }
}

/// The launch command exited non-zero, or could not be started: `launch` exits with its status.
private struct LaunchedCommandFailure: Error {
    var status: Int32
    /// Why the command could not be started, when it could not.
    var notStarted: String?
}

/// The failed command's exit status, set once, read when the watch ends.
final class CommandFailure: Sendable {
    private let value = Mutex<Int32?>(nil)
    var status: Int32? { value.withLock { $0 } }
    func set(_ status: Int32) { value.withLock { $0 = status } }
}
