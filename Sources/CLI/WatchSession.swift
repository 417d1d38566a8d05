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
    /// Where to record this launch and read the usual times from; nil: no history.
    var history: HistoryContext? = nil
    /// False: the plain line view even on a terminal (`launch`, whose command prints between the
    /// watch's lines: a redrawn view would overwrite them).
    var allowsLiveView = true

    /// Runs the watch to its end; the result and the signal that interrupted it, if one did.
    func run() async throws -> (WatchResult, Int32?) {
        let stdout = Output.standardOutput(redactor)
        let stderr = Output.standardError(redactor)
        var chosen: [any Reporter] = []
        var estimates: [String: StageEstimate] = [:]
        if let history {
            do {
                estimates = StageEstimate.hints(
                    for: pipeline, queue: history.queue, in: try history.store.records())
            } catch {
                stderr.line("warning: the launch history was not read: \(error)")
            }
        }
        if json {
            chosen.append(NDJSONReporter(output: stdout, startedAt: startedAt, redactor: redactor))
        } else {
            let colour = environment["NO_COLOR"].map(\.isEmpty) ?? true
            let live = allowsLiveView && stdout.isTerminal && environment["TERM"] != "dumb"
            chosen.append(
                TerminalReporter(
                    pipeline: pipeline, output: stdout, startedAt: startedAt, live: live, colour: colour && live,
                    redactor: redactor, estimates: estimates))
        }
        if let record {
            do {
                chosen.append(
                    try RecordingReporter(
                        path: record, pipeline: pipeline, startedAt: startedAt, redactor: redactor,
                        warn: { stderr.line("warning: \($0)") }))
            } catch {
                stderr.line("error: --record \(record): \(error)")
                throw ExitCode(ExitStatus.usage)
            }
        }

        if let history {
            chosen.append(
                HistoryReporter(
                    history: history.store, pipeline: pipeline, startedAt: startedAt, queue: history.queue,
                    name: history.name, redactor: redactor, skip: history.skip,
                    warn: { stderr.line("warning: \($0)") }))
        }

        let watcher = Watcher(
            pipeline: pipeline, clock: ContinuousClock(), startedAt: startedAt, environment: environment)
        let reporters = chosen
        // Signals are caught before the first line is written: whoever reads `started` (a person, a
        // script) can interrupt from then on and always gets the summary and the `interrupted` event.
        let interruption = SignalInterruption()
        let watch = Task { await watcher.run() }
        interruption.install { watch.cancel() }
        for reporter in reporters { reporter.started(pipeline: pipeline) }
        // Only the live view animates; plain and NDJSON output change only on events.
        let animates = !json && stdout.isTerminal && allowsLiveView
        let ticker = Task {
            while animates, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                for reporter in reporters { reporter.tick() }
            }
        }
        // Cancelling the caller's task interrupts the watch like Ctrl-C (`launch` does so when its
        // command fails).
        await withTaskCancellationHandler {
            for await event in watcher.events {
                for reporter in reporters { reporter.handle(event) }
            }
        } onCancel: {
            watch.cancel()
        }
        let result = await watch.value
        ticker.cancel()
        let signal = interruption.received
        for reporter in reporters { reporter.finished(result, signal: signal) }
        return (result, signal)
    }
}

/// The history a watch is recorded in, and what identifies its launch there.
struct HistoryContext: Sendable {
    var store: LaunchHistory
    /// `--var queue`: launches are compared per pipeline and queue (queues differ in how busy their
    /// agents are).
    var queue: String?
    /// `--var name`.
    var name: String?
    /// Asked when the watch ends: true leaves this watch out of the history (`launch` whose command
    /// failed: nothing was launched).
    var skip: @Sendable () -> Bool = { false }
}
