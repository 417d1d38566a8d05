import ArgumentParser
import Dispatch
import Foundation
import LaunchWatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
            """
    )

    @Argument(help: "The pipeline file (JSON).")
    var pipeline: String

    @OptionGroup var variables: VariableOptions

    @Flag(help: "Write NDJSON events to standard output, one per line.")
    var json = false

    @Option(help: ArgumentHelp("End the watch after this long (overrides finish.deadline).", valueName: "duration"))
    var deadline: String?

    @Option(
        help: ArgumentHelp(
            "Record what the providers saw to this NDJSON file, for the replay provider.",
            valueName: "file"))
    var record: String?

    func validate() throws {
        if let deadline {
            guard let duration = DurationText.parse(deadline) else {
                throw ValidationError(
                    "--deadline \(deadline): not a duration; write a number and a unit, such as 20m, 90s or 1h30m")
            }
            guard duration > .zero else { throw ValidationError("--deadline \(deadline): must be longer than 0s") }
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let redactor = SecretRedactor(environment: environment)
        let stderr = Output.standardError(redactor)
        let startedAt = Date()
        let given = try variables.parsed()
        let options = PipelineLoader.Options(
            variables: given, environment: environment, startedAt: startedAt, requireValues: true,
            deadline: deadline.flatMap(DurationText.parse))
        let loader = PipelineLoader(registry: BuiltinProviders.registry())
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
            redactor: redactor)
        let (result, signal) = try await session.run()
        let code = ExitStatus.code(for: result, signal: signal)
        if code != 0 { throw ExitCode(code) }
    }
}

/// Turns SIGINT and SIGTERM into a cancellation of the watch, so it ends with the summary so far.
final class SignalInterruption: @unchecked Sendable {
    private let lock = NSLock()
    private var signalNumber: Int32?
    private var sources: [any DispatchSourceSignal] = []

    /// The signal that interrupted the watch, if one did.
    var received: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return signalNumber
    }

    func install(_ interrupt: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                let first = self.signalNumber == nil
                if first { self.signalNumber = number }
                self.lock.unlock()
                if first {
                    interrupt()
                } else {
                    // A second Ctrl-C while the summary is being written: stop now.
                    exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
