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
