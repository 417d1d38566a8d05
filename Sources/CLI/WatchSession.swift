import ArgumentParser
import Foundation
import LaunchWatchCore

/// One watch as the command line runs it: the reporters `run` and `demo` share (terminal or NDJSON,
/// and a recording), the watcher on the real clock, and Ctrl-C/SIGTERM turned into an interruption.
struct WatchSession {
    let pipeline: Pipeline
    let environment: [String: String]
    let startedAt: Date
    let json: Bool
    let record: String?
    let redactor: SecretRedactor

    /// Runs the watch to its end; the result and the signal that interrupted it, if one did.
    func run() async throws -> (WatchResult, Int32?) {
        let stdout = Output.standardOutput(redactor)
        let stderr = Output.standardError(redactor)
        var reporters: [any Reporter] = []
        if json {
            reporters.append(NDJSONReporter(output: stdout, startedAt: startedAt, redactor: redactor))
        } else {
            let colour = environment["NO_COLOR"].map(\.isEmpty) ?? true
            let live = stdout.isTerminal && environment["TERM"] != "dumb"
            reporters.append(
                TerminalReporter(
                    pipeline: pipeline, output: stdout, startedAt: startedAt, live: live, colour: colour && live,
                    redactor: redactor))
        }
        if let record {
            do {
                reporters.append(
                    try RecordingReporter(
                        path: record, pipeline: pipeline, startedAt: startedAt, redactor: redactor,
                        warn: { stderr.line("warning: \($0)") }))
            } catch {
                stderr.line("error: --record \(record): \(error)")
                throw ExitCode(ExitStatus.usage)
            }
        }

        let watcher = Watcher(
            pipeline: pipeline, clock: ContinuousClock(), startedAt: startedAt, environment: environment)
        // Signals are caught before the first line is written: whoever reads `started` (a person, a
        // script) can interrupt from then on and always gets the summary and the `interrupted` event.
        let interruption = SignalInterruption()
        let watch = Task { await watcher.run() }
        interruption.install { watch.cancel() }
        for reporter in reporters { reporter.started(pipeline: pipeline) }
        // Only the live view animates; plain and NDJSON output change only on events.
        let animates = !json && stdout.isTerminal
        let ticker = Task {
            while animates, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                for reporter in reporters { reporter.tick() }
            }
        }
        for await event in watcher.events {
            for reporter in reporters { reporter.handle(event) }
        }
        let result = await watch.value
        ticker.cancel()
        let signal = interruption.received
        for reporter in reporters { reporter.finished(result, signal: signal) }
        return (result, signal)
    }
}
