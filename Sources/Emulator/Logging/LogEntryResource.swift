import LaunchWatchCore

/// A Cloud Logging `LogEntry` as `entries:list` writes it (`google/logging/v2/log_entry.proto` in its
/// JSON mapping): lowerCamelCase names, fields at their default left out (no `labels` when there are
/// none, no `severity` for `DEFAULT`, whose enum value is 0), timestamps with nanosecond precision.
struct LogEntryResource: Encodable, Sendable {
    var insertId: String
    /// The payload is a `oneof`: `jsonPayload` (a `google.protobuf.Struct`) or `textPayload`.
    /// `jsonPayload` is the scenario's own JSON, any shape, so it stays `JSONValue`.
    var jsonPayload: JSONValue?
    var textPayload: String?
    var resource: MonitoredResource
    var timestamp: String
    var severity: String?
    var labels: StringMap?
    var logName: String
    var receiveTimestamp: String

    /// `google.api.MonitoredResource`.
    struct MonitoredResource: Encodable, Sendable {
        var type: String
        var labels: StringMap?
    }
}

/// `ListLogEntriesResponse`: a page of entries and the token of the next one, each left out when
/// empty.
struct ListLogEntriesResponse: Encodable, Sendable {
    var entries: [LogEntryResource]?
    var nextPageToken: String?
}

extension LogEntry {
    /// The REST representation, as `entries:list` returns it.
    var resource: LogEntryResource {
        LogEntryResource(
            insertId: insertId, jsonPayload: spec.jsonPayload,
            textPayload: spec.jsonPayload == nil ? spec.textPayload ?? "" : nil,
            resource: .init(
                type: spec.resourceType, labels: spec.resourceLabels.isEmpty ? nil : StringMap(spec.resourceLabels)),
            timestamp: timestampKey.text, severity: severityName == "DEFAULT" ? nil : severityName,
            labels: spec.labels.isEmpty ? nil : StringMap(spec.labels), logName: spec.logName,
            receiveTimestamp: LogTimestamp(receiveTimestamp).text)
    }
}

extension LogEntryResource {
    /// The entry as JSON, for `LogFilter`: the service's filter reads an entry by the field paths of
    /// its JSON form (`jsonPayload.message`, `labels."k"`), and a global restriction searches all of
    /// its values, so the filter reads what a client receives.
    var json: JSONValue {
        // Strings, string maps and JSON always encode; an entry that somehow did not matches as an
        // empty object.
        (try? JSONValueEncoder().encode(self)) ?? .object([])
    }
}
