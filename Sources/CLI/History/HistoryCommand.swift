import ArgumentParser
import Foundation
import LaunchWatchCore

/// `launchwatch history`: past launches, newest last, and the p50/p90 time to each stage per
/// pipeline and queue.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List past launches and the usual time to each stage.",
        discussion: """
            Every `run` and `launch` records its launch in $XDG_STATE_HOME/launchwatch/history.ndjson \
            (default ~/.local/state/launchwatch/); --no-history or LAUNCHWATCH_NO_HISTORY=1 turns that \
            off. Times are seconds from the start of the watch; p50 and p90 are over the launches that \
            reached the stage, per pipeline and queue. With --json: one object \
            {"launches": [...], "estimates": [{"pipeline", "queue", "launches", "stages": [{"stage", \
            "p50", "p90", "count"}]}]}.
            """
    )

    @Option(help: ArgumentHelp("Only launches of the pipeline with this name.", valueName: "name"))
    var pipeline: String?

    @Option(help: ArgumentHelp("Only the newest N launches (after --pipeline).", valueName: "N"))
    var last: Int?

    @Flag(help: "Write one JSON object to standard output.")
    var json = false

    func validate() throws {
        if let last, last < 1 { throw ValidationError("--last \(last): must be 1 or more") }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let redactor = SecretRedactor(environment: environment)
        let stdout = Output.standardOutput(redactor)
        let stderr = Output.standardError(redactor)
        // Reading ignores LAUNCHWATCH_NO_HISTORY: it stops recording, not looking at what is there.
        guard
            let history = LaunchHistory.located(environment: environment.filter { $0.key != "LAUNCHWATCH_NO_HISTORY" })
        else {
            stderr.line("Error: no history: neither XDG_STATE_HOME nor HOME is set to an absolute path")
            throw ExitCode(ExitStatus.usage)
        }
        var records: [HistoryRecord]
        do {
            records = try history.records()
        } catch {
            stderr.line("Error: \(error)")
            throw ExitCode(1)
        }
        if let pipeline {
            let names = Set(records.map(\.pipeline))
            records = records.filter { $0.pipeline == pipeline }
            if records.isEmpty, !names.isEmpty {
                var message = "--pipeline \(pipeline): no launch of a pipeline named \"\(pipeline)\" in the history"
                if let suggestion = NameSuggestion.nearest(to: pipeline, in: names.sorted()) {
                    message += "; did you mean \"\(suggestion)\"?"
                }
                stderr.line("Error: \(message)")
                throw ExitCode(ExitStatus.usage)
            }
        }
        if let last { records = Array(records.suffix(last)) }
        let groups = Self.groups(records)
        if json {
            stdout.line(Self.json(records, groups: groups).jsonText)
        } else {
            stdout.write(Self.text(records, groups: groups, file: history.file.path))
        }
    }

    /// Estimates per pipeline and queue, in the order each group first appears.
    struct Group {
        var pipeline: String
        var queue: String?
        var launches: Int
        var estimates: [StageEstimate]
    }

    static func groups(_ records: [HistoryRecord]) -> [Group] {
        var keys: [String] = []
        var members: [String: [HistoryRecord]] = [:]
        for record in records {
            let key = record.pipeline + "\u{0}" + (record.queue ?? "")
            if members[key] == nil { keys.append(key) }
            members[key, default: []].append(record)
        }
        return keys.compactMap { key in
            guard let group = members[key], let first = group.first else { return nil }
            // Declared order is not stored; the order stages were first reached in stands in for it.
            var order: [String] = []
            for record in group {
                for time in record.stages.sorted(by: { $0.seconds < $1.seconds }) where !order.contains(time.stage) {
                    order.append(time.stage)
                }
            }
            return Group(
                pipeline: first.pipeline, queue: first.queue, launches: group.count,
                estimates: StageEstimate.estimates(from: group, stages: order))
        }
    }

    static func json(_ records: [HistoryRecord], groups: [Group]) -> JSONValue {
        let launches: [JSONValue] = records.map { record in
            .object([
                (key: "startedAt", value: .string(record.startedAt)),
                (key: "pipeline", value: .string(record.pipeline)),
                (key: "queue", value: record.queue.map { .string($0) } ?? .null),
                (key: "name", value: record.name.map { .string($0) } ?? .null),
                (key: "outcome", value: .string(record.outcome)),
                (key: "stage", value: record.stage.map { .string($0) } ?? .null),
                (key: "message", value: record.message.map { .string($0) } ?? .null),
                (key: "elapsedSeconds", value: .number(record.elapsedSeconds)),
                (
                    key: "stages",
                    value: .array(
                        record.stages.map {
                            .object([
                                (key: "stage", value: .string($0.stage)), (key: "seconds", value: .number($0.seconds)),
                                (key: "source", value: .string($0.source)),
                                (key: "inferred", value: .bool($0.inferred)),
                            ])
                        })
                ),
            ])
        }
        let estimates: [JSONValue] = groups.map { group in
            .object([
                (key: "pipeline", value: .string(group.pipeline)),
                (key: "queue", value: group.queue.map { .string($0) } ?? .null),
                (key: "launches", value: .number(Double(group.launches))),
                (
                    key: "stages",
                    value: .array(
                        group.estimates.map {
                            .object([
                                (key: "stage", value: .string($0.stage)), (key: "p50", value: .number($0.p50)),
                                (key: "p90", value: .number($0.p90)), (key: "count", value: .number(Double($0.count))),
                            ])
                        })
                ),
            ])
        }
        return .object([(key: "launches", value: .array(launches)), (key: "estimates", value: .array(estimates))])
    }

    static func text(_ records: [HistoryRecord], groups: [Group], file: String) -> String {
        guard !records.isEmpty else {
            return "No launches recorded yet (\(file)). `launchwatch run` and `launch` record each launch.\n"
        }
        var lines: [String] = []
        for record in records {
            let queue = record.queue.map { " queue \($0)" } ?? ""
            let name = record.name.map { " \($0)" } ?? ""
            var line =
                "\(record.startedAt)  \(record.pipeline)\(queue)\(name)  \(record.outcome)"
                + (record.stage.map { " at \($0)" } ?? "")
                + " after \(TerminalReporter.format(seconds: record.elapsedSeconds))"
            if let message = record.message {
                line += ": " + (message.split(separator: "\n").first.map(String.init) ?? "")
            }
            lines.append(line)
            let stages = record.stages.map {
                "\($0.stage) +\(TerminalReporter.format(seconds: $0.seconds)) (\($0.source)\($0.inferred ? ", inferred" : ""))"
            }
            if !stages.isEmpty { lines.append("    " + stages.joined(separator: ", ")) }
        }
        for group in groups {
            lines.append("")
            lines.append(
                "\(group.pipeline)\(group.queue.map { ", queue \($0)" } ?? ""): \(group.launches) launch"
                    + (group.launches == 1 ? "" : "es"))
            let width = group.estimates.map(\.stage.count).max() ?? 0
            for estimate in group.estimates {
                lines.append(
                    "  \(estimate.stage.padding(toLength: width, withPad: " ", startingAt: 0))  "
                        + "p50 \(TerminalReporter.format(seconds: estimate.p50))  p90 \(TerminalReporter.format(seconds: estimate.p90))  "
                        + "(\(estimate.count) reached)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
