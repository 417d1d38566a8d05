import Foundation
import LaunchWatchCore
import Synchronization

/// Kind `replay`: plays back a recording (`launchwatch run --record FILE`) at its recorded offsets.
///
/// Re-run a past launch offline, try a pipeline's stages and policies without a network, or drive
/// the runner end to end in tests. Each entry's raw `status` is replayed; the pipeline's `map` places
/// it if it can, else the entry's recorded `stage` (or a status that is itself a declared stage id),
/// so a recording needs no map. Recorded errors are replayed as failed polls, at their own times.
///
/// ```json
/// {"id": "replay", "type": "replay", "config": {"file": "../recordings/demo-success.ndjson"}}
/// ```
public struct ReplayProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        /// The recording, relative to the pipeline file's folder.
        public var file: String
        /// Only entries recorded from this provider id.
        public var provider: String?
        /// Plays back this many times faster (2 = twice as fast).
        public var speed: Double?
    }

    public static let kind = "replay"
    public static let summary = "Plays back a recorded watch (launchwatch run --record FILE) at its recorded offsets."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("file", .string, required: true, "the NDJSON recording, relative to the pipeline file"),
        ConfigurationField("provider", .string, "replay only the entries recorded from this provider id"),
        ConfigurationField("speed", .number, default: "1", "play back this many times faster"),
    ]
    /// Recordings name the stage each observation reached, so statuses that are stage ids need no map.
    public static let statusesNameStages = true
    /// A recording may carry any fact.
    public static let publishedFacts: [String]? = nil

    private let entries: [RecordingEntry]
    private let speed: Double
    private let cursor = Cursor()

    public init(configuration: Configuration, context: ProviderContext) throws {
        let speed = configuration.speed ?? 1
        guard speed.isFinite, speed > 0, speed <= 1_000_000 else {
            throw ProviderError(code: .badConfig, message: "speed must be a number above 0")
        }
        let url = context.resolve(path: configuration.file)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ProviderError(code: .unreadable, message: "cannot read the recording \(configuration.file)")
        }
        var entries = try RecordingEntry.parse(lines: text)
        if let only = configuration.provider { entries.removeAll { $0.provider != only } }
        self.entries = entries
        self.speed = speed
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        let elapsed = context.now.timeIntervalSince(context.startedAt)
        let (due, failure, next) = cursor.position.withLock { cursor -> ([RecordingEntry], RecordingEntry?, Double?) in
            var due: [RecordingEntry] = []
            var failure: RecordingEntry?
            while cursor < entries.count, entries[cursor].at / speed <= elapsed + 1e-9 {
                let entry = entries[cursor]
                if entry.error != nil {
                    // A failed poll answers nothing else: hand over what came before it first.
                    if due.isEmpty {
                        failure = entry
                        cursor += 1
                    }
                    break
                }
                due.append(entry)
                cursor += 1
            }
            let next = cursor < entries.count ? entries[cursor].at / speed : nil
            return (due, failure, next)
        }
        let nextChange = next.map { Duration.seconds(double: $0 - elapsed) }
        if let failure, let error = failure.error {
            // The next entry's time replaces the backoff, so playback keeps the recorded timeline.
            throw ProviderError(code: error.code, message: error.message, nextPollAfter: nextChange)
        }
        let observations = due.map { entry in
            Observation(
                status: entry.status ?? entry.stage ?? "",
                subject: entry.subject,
                backendTime: entry.backendAt.map { context.startedAt.addingTimeInterval($0 / speed) },
                detail: entry.detail,
                facts: entry.facts ?? [:],
                recordedStage: entry.stage)
        }
        return PollResult(observations, nextChangeAfter: nextChange)
    }
}

/// How far playback has come; shared by copies of the provider value.
private final class Cursor: Sendable {
    let position = Mutex(0)
}
