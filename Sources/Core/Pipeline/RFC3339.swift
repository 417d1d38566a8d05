import Foundation

/// RFC 3339 timestamps as the Google and W&B APIs write them (`2025-11-10T04:00:00.123Z`).
public enum RFC3339 {
    /// `date` in UTC with milliseconds: `2026-11-30T07:53:47.120Z`.
    public static func string(from date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Reads RFC 3339 with or without fractional seconds (any number of digits) and with `Z` or an
    /// offset.
    public static func date(from text: String) -> Date? {
        guard text.count >= 20, text.count <= 40 else { return nil }
        var text = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let digitsEnd = text[text.index(after: dot)...].firstIndex { !$0.isNumber } ?? text.endIndex
            let digits = text[text.index(after: dot)..<digitsEnd]
            guard !digits.isEmpty else { return nil }
            fraction = Double("0." + digits) ?? 0
            text.removeSubrange(dot..<digitsEnd)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)?.addingTimeInterval(fraction)
    }
}
