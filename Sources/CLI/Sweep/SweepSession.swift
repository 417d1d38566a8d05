import Foundation
import LaunchWatchCore
import ServiceLifecycle

/// `launchwatch run PIPELINE --targets FILE`: every launch of a sweep in one process, one
/// `SweepWatcher`. With `--json`, one NDJSON stream whose events each carry `target`; otherwise a
/// line per stage reached and a table at the end. Ctrl-C/SIGTERM end every watch with what is known.
struct SweepSession {
    let targets: [SweepTarget]
    let environment: [String: String]
    let startedAt: Date
    let json: Bool
    let redactor: SecretRedactor

    /// Runs the sweep as a service that SIGINT and SIGTERM shut down (see `Interruption`); each
    /// target's result (in order) and the signal that interrupted it, if one did.
    func run() async throws -> ([WatchResult], Int32?) {
        let interruption = Interruption()
        let results = try await interruption.run { await sweep() }
        return (results, interruption.received)
    }

    /// Runs the sweep within a service of the group `run` starts: the group's graceful
    /// shutdown ends every watch `interrupted`, then the table or the `sweep` line is written.
    private func sweep() async -> [WatchResult] {
        let stdout = Output.standardOutput(redactor)
        let watcher = SweepWatcher(
            targets: targets, clock: ContinuousClock(), startedAt: startedAt, environment: environment)
        let pipeline = targets[0].pipeline
        // The group traps signals before the first line is written (as for `WatchSession`).
        async let ended = cancelWhenGracefulShutdown { await watcher.run() }
        if json {
            write(
                [
                    ("type", .string("started")), ("pipeline", .string(pipeline.name)),
                    ("at", .string(RFC3339.string(from: startedAt))),
                    ("targets", .array(targets.map { .string($0.name) })),
                    ("providers", .array(pipeline.providers.map { .string($0.id) })),
                    ("stages", .array(pipeline.stages.map { .string($0.id) })),
                ], to: stdout)
        } else {
            stdout.line("Watching \(targets.count) launches of \"\(pipeline.name)\"")
        }
        let width = min(32, targets.map(\.name.count).max() ?? 8)
        for await item in watcher.events {
            if json {
                guard var members = NDJSONReporter.members(of: item.event, startedAt: startedAt) else { continue }
                members.insert(("target", .string(item.target)), at: 1)
                write(members, to: stdout)
            } else if let line = Self.line(for: item, width: width, startedAt: startedAt) {
                stdout.line(line)
            }
        }
        let results = await ended
        let counts = Dictionary(grouping: results, by: \.outcome).mapValues(\.count)
        if json {
            write(
                [
                    ("type", .string("sweep")), ("succeeded", .number(Double(counts[.success] ?? 0))),
                    ("failed", .number(Double(counts[.failure] ?? 0))),
                    ("deadline", .number(Double(counts[.deadline] ?? 0))),
                    ("interrupted", .number(Double(counts[.interrupted] ?? 0))),
                    ("at", .string(RFC3339.string(from: Date()))),
                ], to: stdout)
        } else {
            stdout.line("")
            for (target, result) in zip(targets, results) {
                let name = target.name.padding(toLength: width, withPad: " ", startingAt: 0)
                let stage = (result.stage?.id ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0)
                let outcome = result.outcome.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                let message = result.detail.map { String($0.message.prefix(100)) } ?? ""
                stdout.line("\(name)  \(stage)  \(outcome)  \(message)")
            }
            stdout.line(
                "\(counts[.success] ?? 0) succeeded, \(counts[.failure] ?? 0) failed, \(counts[.deadline] ?? 0) "
                    + "out of time, \(counts[.interrupted] ?? 0) interrupted")
        }
        return results
    }

    private func write(_ members: [(String, JSONValue)], to output: Output) {
        output.line(redactor.redact(JSONValue.object(members.map { (key: $0.0, value: $0.1) })).jsonText)
    }

    /// A plain line for the events a person follows: stages, outcomes, degraded providers.
    static func line(for item: SweepEvent, width: Int, startedAt: Date) -> String? {
        let name = item.target.padding(toLength: width, withPad: " ", startingAt: 0)
        let time = String(format: "+%6.1fs", item.event.at.timeIntervalSince(startedAt))
        switch item.event {
        case .stage(let reached) where !reached.inferred:
            return "\(time)  \(name)  \(reached.stage.title) (\(reached.source))"
        case .provider(let change) where change.health == .degraded:
            return "\(time)  \(name)  \(change.provider) degraded: \(change.message)"
        case .finished(let result):
            let why = result.detail.map { ": \($0.message)" } ?? ""
            return "\(time)  \(name)  \(result.outcome.rawValue)\(why)"
        default:
            return nil
        }
    }

    /// 0 when every launch succeeded, 1 when any failed, 2 when any ran out of time (and none
    /// failed); 130/143 when a signal interrupted the sweep.
    static func exitCode(_ results: [WatchResult], signal: Int32?) -> Int32 {
        if let signal { return 128 + signal }
        if results.contains(where: { $0.outcome == .failure }) { return ExitStatus.launchFailed }
        if results.contains(where: { $0.outcome == .deadline }) { return ExitStatus.deadline }
        if results.contains(where: { $0.outcome == .interrupted }) { return ExitStatus.interrupted }
        return ExitStatus.success
    }
}
