import Foundation
import LaunchWatchCore

/// One finished watch as the history keeps it: one JSON object per line of
/// `$XDG_STATE_HOME/launchwatch/history.ndjson`.
///
/// Times are seconds from the watch's start, so launches of different days compare directly. The
/// message is redacted before it is stored, like everything launchwatch prints.
struct HistoryRecord: Codable, Sendable, Equatable {
    /// One stage reached in the launch.
    struct StageTime: Codable, Sendable, Equatable {
        var stage: String
        /// Seconds from the start of the watch to when the stage was reached.
        var seconds: Double
        /// The provider that saw it.
        var source: String
        /// True when a later stage was seen and this one was skipped over.
        var inferred: Bool
    }

    /// The format of this record; a reader skips versions it does not know.
    var version: Int = 1
    /// When the watch started (RFC 3339).
    var startedAt: String
    /// The pipeline's `name`.
    var pipeline: String
    /// The `--var queue` of the launch, if it had one.
    var queue: String?
    /// The `--var name` of the launch, if it had one.
    var name: String?
    /// `success`, `failure`, `deadline` or `interrupted`.
    var outcome: String
    /// The stage that decided the outcome (or the last stage reached).
    var stage: String?
    /// The failure detail's message, if there was one.
    var message: String?
    var elapsedSeconds: Double
    var stages: [StageTime]

    init(
        result: WatchResult, pipeline: Pipeline, startedAt: Date, queue: String?, name: String?,
        redactor: SecretRedactor
    ) {
        self.startedAt = RFC3339.string(from: startedAt)
        self.pipeline = pipeline.name
        self.queue = queue
        self.name = name
        self.outcome = result.outcome.rawValue
        self.stage = result.stage?.id
        self.message = result.detail.map { redactor.redact($0.message) }
        self.elapsedSeconds = Self.rounded(result.at.timeIntervalSince(startedAt))
        self.stages = result.timeline.map {
            StageTime(
                stage: $0.stage.id, seconds: Self.rounded($0.at.timeIntervalSince(startedAt)), source: $0.source,
                inferred: $0.inferred)
        }
    }

    /// The record as one line of JSON (no newline inside: the encoder escapes it).
    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A line of the history file, or nil for a line that is not a record of a known version (a
    /// line cut by a crash, a newer launchwatch's format): the history is a cache, not a ledger.
    static func parse(line: Substring) -> HistoryRecord? {
        guard let record = try? JSONDecoder().decode(HistoryRecord.self, from: Data(line.utf8)), record.version == 1
        else { return nil }
        return record
    }

    private static func rounded(_ seconds: Double) -> Double { (max(0, seconds) * 1000).rounded() / 1000 }
}
