import Foundation
import LaunchWatchCore

/// `--json`: one JSON object per line on standard output, written (and so flushed) line by line.
///
/// Types: `started`, `stage`, `provider`, `activated`, `fact`, `detail`, `notice`, `finished`;
/// `type` is always the first key, times are RFC 3339. Raw observations are not written (use
/// `--record`).
struct NDJSONReporter: Reporter {
    let output: Output
    let startedAt: Date
    /// Applied to every string before encoding: an escaped secret would no longer match afterwards.
    let redactor: SecretRedactor

    func started(pipeline: Pipeline) {
        write([
            ("type", .string("started")),
            ("pipeline", .string(pipeline.name)),
            ("at", .string(RFC3339.string(from: startedAt))),
            ("providers", .array(pipeline.providers.map { .string($0.id) })),
            ("stages", .array(pipeline.stages.map { .string($0.id) })),
        ])
    }

    func handle(_ event: WatchEvent) {
        guard let members = Self.members(of: event, startedAt: startedAt) else { return }
        write(members)
    }

    func finished(_ result: WatchResult, signal: Int32?) {}

    private func write(_ members: [(String, JSONValue)]) {
        output.line(redactor.redact(JSONValue.object(members.map { (key: $0.0, value: $0.1) })).jsonText)
    }

    /// The NDJSON form of an event; `nil` for the raw events it leaves out.
    static func members(of event: WatchEvent, startedAt: Date) -> [(String, JSONValue)]? {
        let at = ("at", JSONValue.string(RFC3339.string(from: event.at)))
        switch event {
        case .stage(let reached):
            return [
                ("type", .string("stage")), ("stage", .string(reached.stage.id)),
                ("title", .string(reached.stage.title)),
                ("outcome", .string(reached.stage.outcome.rawValue)), at, ("source", .string(reached.source)),
                ("inferred", .bool(reached.inferred)), ("lagSeconds", seconds(reached.lag)),
                ("subject", optional(reached.subject)), ("status", optional(reached.status)),
            ]
        case .provider(let change):
            return [
                ("type", .string("provider")), ("provider", .string(change.provider)),
                ("health", .string(change.health.rawValue)), ("message", .string(change.message)), at,
            ]
        case .activated(let provider, let reason, _):
            return [("type", .string("activated")), ("provider", .string(provider)), ("reason", .string(reason)), at]
        case .fact(let name, let value, let source, _):
            return [
                ("type", .string("fact")), ("name", .string(name)), ("value", .string(value)),
                ("source", .string(source)), at,
            ]
        case .detail(let detail, _):
            return [("type", .string("detail"))] + detailMembers(detail) + [at]
        case .notice(let provider, let message, _):
            return [("type", .string("notice")), ("provider", optional(provider)), ("message", .string(message)), at]
        case .finished(let result):
            return [
                ("type", .string("finished")), ("outcome", .string(result.outcome.rawValue)),
                ("stage", optional(result.stage?.id)),
                ("detail", result.detail.map { .object(detailMembers($0).map { (key: $0.0, value: $0.1) }) } ?? .null),
                at, ("elapsedSeconds", .number(rounded(result.at.timeIntervalSince(startedAt)))),
            ]
        case .observation, .pollFailed:
            return nil
        }
    }

    private static func detailMembers(_ detail: FailureDetail) -> [(String, JSONValue)] {
        [("message", .string(detail.message)), ("code", optional(detail.code)), ("source", optional(detail.source))]
    }

    private static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }

    private static func seconds(_ duration: Duration?) -> JSONValue {
        duration.map { .number(rounded($0.seconds)) } ?? .null
    }

    private static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
