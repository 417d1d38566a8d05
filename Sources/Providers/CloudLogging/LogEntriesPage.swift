import Foundation
import LaunchWatchCore

/// One page of Cloud Logging's `entries:list` answer (`google.logging.v2.ListLogEntriesResponse` as
/// REST JSON), with the fields the provider reads.
///
/// Read leniently, so that one odd field never hides the rest: a field of another type than the API
/// documents reads as absent (a `nextPageToken` that is not a string is no token). The provider
/// judges what is malformed: `entries` that is not a list, an entry without `timestamp` or `insertId`.
struct ListLogEntriesResponse: Sendable {
    /// The page's `entries` as the answer gave them (as `CloudRunExecution.Conditions` does).
    enum Entries: Sendable {
        /// A list, or none at all (proto3 JSON leaves out an empty list).
        case list([LogEntry])
        /// Given, but not a list (`null` included).
        case notAList
    }

    var entries = Entries.list([])
    var nextPageToken: String?

    /// The entries to read: none when `entries` is not a list.
    var list: [LogEntry] {
        guard case .list(let entries) = entries else { return [] }
        return entries
    }
}

/// A `google.logging.v2.LogEntry` as REST JSON: the fields that place it (cursor and key) and those
/// that make it a failure detail. Any field may be absent; an entry that is not an object reads as one
/// with no fields.
struct LogEntry: Sendable {
    /// `projects/P/logs/LOG_ID`.
    var logName: String?
    /// As sent (RFC 3339, nanoseconds): the cursor and the key of an entry use the text itself.
    var timestamp: String?
    var insertId: String?
    /// When Cloud Logging received the entry; `nil` when absent or not an RFC 3339 string.
    var receiveTimestamp: Date?
    /// `DEFAULT` ... `EMERGENCY`.
    var severity: String?
    var textPayload: String?
    /// Any JSON value as sent (`.null` for a `null`): the message when it has no string `message`.
    var jsonPayload: JSONValue?

    /// The entry's message: `jsonPayload.message`, else `textPayload`, else `jsonPayload` as JSON text.
    var message: String? {
        if case .string(let text)? = jsonPayload?["message"] { return text }
        if let textPayload { return textPayload }
        return jsonPayload?.jsonText
    }
}

extension ListLogEntriesResponse: Decodable {
    private enum CodingKeys: String, CodingKey { case entries, nextPageToken }

    /// Reads `json`; never fails (every field is optional and read leniently).
    init(json: JSONValue) {
        self = (try? JSONValueDecoder(rejectsUnknownKeys: false).decode(Self.self, from: json)) ?? Self()
    }

    init(from decoder: any Decoder) throws {
        // An answer that is not an object has no entries and no token.
        guard let container = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        if container.contains(.entries) {
            // LogEntry reads any value, so this fails only when `entries` is not a list.
            entries = (try? container.decode([LogEntry].self, forKey: .entries)).map(Entries.list) ?? .notAList
        }
        nextPageToken = try? container.decodeIfPresent(String.self, forKey: .nextPageToken)
    }
}

extension LogEntry: Decodable {
    private enum CodingKeys: String, CodingKey {
        case logName, timestamp, insertId, receiveTimestamp, severity, textPayload, jsonPayload
    }

    init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        func string(_ key: CodingKeys) -> String? { try? container.decodeIfPresent(String.self, forKey: key) }
        logName = string(.logName)
        timestamp = string(.timestamp)
        insertId = string(.insertId)
        receiveTimestamp = string(.receiveTimestamp).flatMap { RFC3339.date(from: $0) }
        severity = string(.severity)
        textPayload = string(.textPayload)
        // `decodeIfPresent` would read a `null` payload as absent; it is kept as the value it is.
        if container.contains(.jsonPayload) {
            jsonPayload = try? container.decode(JSONValue.self, forKey: .jsonPayload)
        }
    }
}
