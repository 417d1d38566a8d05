import Foundation
import LaunchWatchCore

extension LogEntry {
    /// When the entry happened, exactly as its JSON says.
    var timestampKey: LogTimestamp { LogTimestamp(timestamp) }

    /// The order of `entries:list` with `timestamp asc`; `insertId` breaks ties, which is what makes
    /// the `(timestamp, insertId)` cursor of an incremental reader exact.
    static func ascending(_ lhs: LogEntry, _ rhs: LogEntry) -> Bool {
        let (left, right) = (lhs.timestampKey, rhs.timestampKey)
        return left != right ? left < right : lhs.insertId < rhs.insertId
    }

    /// The severity name as the API writes it (`DEFAULT` for an unknown name in a scenario).
    var severityName: String {
        let upper = spec.severity.uppercased()
        return LogSeverity.rank(ofName: upper) == nil ? "DEFAULT" : upper
    }

    /// The REST representation, as `entries:list` returns it: `insertId`, the payload, `resource`,
    /// `timestamp` and `receiveTimestamp` (nanosecond precision), `severity`, `labels`, `logName`.
    ///
    /// Fields at their default are left out, as Google's JSON mapping does: no `labels` when there are
    /// none, and no `severity` for `DEFAULT` (its enum value is 0).
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("insertId", .string(insertId))]
        if let jsonPayload = spec.jsonPayload {
            members.append(("jsonPayload", jsonPayload))
        } else {
            members.append(("textPayload", .string(spec.textPayload ?? "")))
        }
        var resource: [(key: String, value: JSONValue)] = [("type", .string(spec.resourceType))]
        if !spec.resourceLabels.isEmpty {
            resource.append(("labels", Self.object(spec.resourceLabels)))
        }
        members.append(("resource", .object(resource)))
        members.append(("timestamp", .string(timestampKey.text)))
        if severityName != "DEFAULT" { members.append(("severity", .string(severityName))) }
        if !spec.labels.isEmpty { members.append(("labels", Self.object(spec.labels))) }
        members.append(("logName", .string(spec.logName)))
        members.append(("receiveTimestamp", .string(LogTimestamp(receiveTimestamp).text)))
        return .object(members)
    }

    private static func object(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }
}

/// `LogSeverity`: the names in order, and the numbers the API gives them (`DEFAULT` 0 ... `EMERGENCY` 800).
enum LogSeverity {
    static let names = ["DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"]

    static func rank(ofName name: String) -> Int? {
        names.firstIndex(of: name.uppercased()).map { $0 * 100 }
    }

    /// The number a filter value stands for: a name in any case (`ERROR`, `"error"`) or a number (`500`).
    static func rank(ofFilterValue value: String) -> Int? {
        if let rank = rank(ofName: value) { return rank }
        return Int(value)
    }
}
