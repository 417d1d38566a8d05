// Full Foundation, not FoundationEssentials: trimmingCharacters(in:) is not in FoundationEssentials.
import Foundation

/// One line of a recording (`launchwatch run --record FILE`): an observation or a failed poll, at
/// its offset from the start of the watch. The `replay` provider plays recordings back.
///
/// ```json
/// {"at":1.25,"provider":"vertex","status":"JOB_STATE_RUNNING","stage":"running","backendAt":0.9}
/// {"at":3.5,"provider":"vertex","error":{"code":"http_503","message":"Service Unavailable"}}
/// ```
/// Times are offsets in seconds from the start, so a recording replays the same on any day.
/// `stage` is the stage the observation reached when recorded, if any.
package struct RecordingEntry: Sendable, Hashable, Codable {
    /// Seconds since the start of the watch.
    package var at: Double
    package var provider: String
    package var status: String?
    package var stage: String?
    package var subject: String?
    /// The backend's own timestamp, in seconds since the start (negative when before it).
    package var backendAt: Double?
    package var detail: FailureDetail?
    package var facts: [String: String]?
    package var error: RecordedError?

    /// A failed poll. `code` is stored as its raw string (`"http_503"`), so a replay throws the
    /// same code again.
    package struct RecordedError: Sendable, Hashable, Codable {
        package var code: ProviderError.Code
        package var message: String

        package init(code: ProviderError.Code, message: String) {
            self.code = code
            self.message = message
        }
    }

    package init(
        at: Double, provider: String, status: String? = nil, stage: String? = nil, subject: String? = nil,
        backendAt: Double? = nil, detail: FailureDetail? = nil, facts: [String: String]? = nil,
        error: RecordedError? = nil
    ) {
        self.at = at
        self.provider = provider
        self.status = status
        self.stage = stage
        self.subject = subject
        self.backendAt = backendAt
        self.detail = detail
        self.facts = facts
        self.error = error
    }

    /// The entry for an observation made in a watch that started at `startedAt`.
    package init(_ observation: Observation, stage: String?, startedAt: Date) {
        self.init(
            at: Self.round(observation.observedAt.timeIntervalSince(startedAt)), provider: observation.provider,
            status: observation.status, stage: stage, subject: observation.subject,
            backendAt: observation.backendTime.map { Self.round($0.timeIntervalSince(startedAt)) },
            detail: observation.detail, facts: observation.facts.isEmpty ? nil : observation.facts)
    }

    /// The entry for a failed poll.
    package init(failure: ProviderError, provider: String, at date: Date, startedAt: Date) {
        self.init(
            at: Self.round(date.timeIntervalSince(startedAt)), provider: provider,
            error: RecordedError(code: failure.code, message: failure.message))
    }

    private static func round(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// The entry as one line of JSON (no newline), keys sorted.
    package func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a recording: one entry per non-empty line. Errors name the line.
    package static func parse(lines text: String) throws(ProviderError) -> [RecordingEntry] {
        var entries: [RecordingEntry] = []
        // "\r\n" is one Character, so split on any newline: a recording saved with CRLF still reads.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                let value = try JSONParser.parse(trimmed)
                let entry = try JSONValueDecoder().decode(RecordingEntry.self, from: value)
                guard entry.at.isFinite, entry.at >= 0 else {
                    throw ProviderError(code: .badRecording, message: "line \(index + 1): \"at\" must be 0 or more")
                }
                guard entry.error != nil || entry.status != nil || entry.stage != nil else {
                    throw ProviderError(
                        code: .badRecording, message: "line \(index + 1): needs \"status\", \"stage\" or \"error\"")
                }
                entries.append(entry)
            } catch let error as ProviderError {
                throw error
            } catch let error as JSONParser.SyntaxError {
                throw ProviderError(code: .badRecording, message: "line \(index + 1): \(error.message)")
            } catch let error as JSONValueDecoder.Failures {
                let first = error.failures.first.map { "\($0.path): \($0.message)" } ?? "invalid"
                throw ProviderError(code: .badRecording, message: "line \(index + 1): \(first)")
            } catch {
                throw ProviderError(code: .badRecording, message: "line \(index + 1): \(error)")
            }
        }
        return entries.sorted { $0.at < $1.at }
    }
}
