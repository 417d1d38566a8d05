import ArgumentParser
import Foundation
import LaunchWatchCore
import ServiceLifecycle

/// One watch as the command line runs it: the reporters `run` and `demo` share (terminal or NDJSON,
/// and a recording), the watcher on the real clock, run as a service that Ctrl-C/SIGTERM shut down.
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

    /// Runs the watch to its end as a service of its own group, beside `others` (`launch`'s command);
    /// the result and the signal that interrupted it, if one did. SIGINT and SIGTERM end the watch
    /// `interrupted`, with its summary (see `Interruption`).
    func run(beside others: [ServiceGroupConfiguration.ServiceConfiguration] = []) async throws -> (
        WatchResult, Int32?
    ) {
        let interruption = Interruption()
        let result = try await interruption.run(beside: others) { try await watch(interruption: interruption) }
        return (result, interruption.received)
    }

    /// Runs the watch to its end within a service of a group `interruption` runs (`demo` runs it
    /// beside its emulator): the group's graceful shutdown interrupts the watch, which then ends
    /// with the summary so far.
    func watch(interruption: Interruption) async throws -> WatchResult {
        let reporters = try makeReporters()
        let watcher = Watcher(
            pipeline: pipeline, clock: ContinuousClock(), startedAt: startedAt, environment: environment)
        // The group traps signals before this first line is written: whoever reads `started` (a
        // person, a script) can interrupt from then on and always gets the summary and the
        // `interrupted` event.
        for reporter in reporters { reporter.started(pipeline: pipeline) }
        // Only the live view animates; plain and NDJSON output change only on events.
        let animates = !json && Output.standardOutput(redactor).isTerminal && allowsLiveView
        async let ended = cancelWhenGracefulShutdown { await watcher.run() }
        await withTaskGroup(of: Void.self) { group in
            if animates {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(100))
                        for reporter in reporters { reporter.tick() }
                    }
                }
            }
            // The stream ends when the watch does.
            for await event in watcher.events {
                for reporter in reporters { reporter.handle(event) }
            }
            group.cancelAll()
        }
        let result = await ended
        let signal = interruption.received
        for reporter in reporters { reporter.finished(result, signal: signal) }
        return result
    }

    /// The reporters this watch writes to: terminal or NDJSON, and a recording and the history when asked.
    private func makeReporters() throws -> [any Reporter] {
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
        return chosen
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
