import Foundation
import LaunchWatchCore

/// Timestamps as W&B's GraphQL API writes them: UTC, whole seconds, no zone (`2025-11-05T17:46:35`).
enum WandbTimestamp {
    static func string(_ date: Date) -> String {
        String(RFC3339.string(wholeSeconds: Int64(date.timeIntervalSince1970.rounded(.down))).dropLast())
    }

    /// `date` cut to whole seconds, as the API shows it (so that a filter on a shown value agrees
    /// with what was shown).
    static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// Reads RFC 3339 (`Z` or an offset, with or without fractional seconds), W&B's zone-less form
    /// (read as UTC) or a bare date (`2025-11-17`, midnight UTC).
    static func date(_ text: String) -> Date? {
        if let date = RFC3339.date(from: text) { return date }
        let zoned: String
        if text.count == 10 {
            zoned = text + "T00:00:00Z"
        } else if let last = text.last, last.isNumber, !text.dropFirst(10).contains("+"),
            !text.dropFirst(10).contains("-")
        {
            zoned = text + "Z"
        } else if text.range(of: #"[+-]\d{4}$"#, options: .regularExpression) != nil {
            // An offset without a colon: +0000.
            var withColon = text
            withColon.insert(":", at: withColon.index(withColon.endIndex, offsetBy: -2))
            zoned = withColon
        } else {
            return nil
        }
        return RFC3339.date(from: zoned)
    }
}
