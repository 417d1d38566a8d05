import Foundation
import LaunchWatchCore

/// An instant as Cloud Logging keeps it: whole seconds since 1970 and nanoseconds.
///
/// Entry timestamps are written and compared in this integer form, never as `Double`, so that a
/// timestamp a client read from an entry and sends back in a filter (`timestamp="T" AND
/// insertId>"ID"`, the gapless incremental query) names exactly that entry again.
struct LogTimestamp: Comparable, Hashable, Sendable {
    var seconds: Int64
    /// 0 ..< 1_000_000_000.
    var nanos: Int

    init(seconds: Int64, nanos: Int) {
        self.seconds = seconds + Int64(nanos / 1_000_000_000)
        self.nanos = nanos % 1_000_000_000
        if self.nanos < 0 {
            self.nanos += 1_000_000_000
            self.seconds -= 1
        }
    }

    init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        // `interval - whole` is exact; only the scaling to nanoseconds rounds.
        self.init(seconds: Int64(whole), nanos: Int(((interval - whole) * 1e9).rounded()))
    }

    static func < (lhs: LogTimestamp, rhs: LogTimestamp) -> Bool {
        (lhs.seconds, lhs.nanos) < (rhs.seconds, rhs.nanos)
    }

    /// This instant moved by `interval` seconds (millisecond steps stay exact).
    func adding(_ interval: Double) -> LogTimestamp {
        let whole = interval.rounded(.down)
        return LogTimestamp(
            seconds: seconds + Int64(whole), nanos: nanos + Int(((interval - whole) * 1e9).rounded()))
    }

    /// Seconds from `other` to this instant.
    func interval(since other: LogTimestamp) -> Double {
        Double(seconds - other.seconds) + Double(nanos - other.nanos) / 1e9
    }

    /// RFC 3339 in UTC the way Google's JSON mapping writes a `Timestamp`: `Z`, and 0, 3, 6 or 9
    /// fractional digits — as many as the value needs.
    var text: String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = RFC3339.civil(fromDays: days)
        var text = String(
            format: "%04lld-%02d-%02dT%02d:%02d:%02d", year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60,
            secondOfDay % 60)
        if nanos != 0 {
            if nanos % 1_000_000 == 0 {
                text += String(format: ".%03d", nanos / 1_000_000)
            } else if nanos % 1000 == 0 {
                text += String(format: ".%06d", nanos / 1000)
            } else {
                text += String(format: ".%09d", nanos)
            }
        }
        return text + "Z"
    }

    /// Reads RFC 3339: `2025-11-17T10:00:00Z`, any 1 to 9 fraction digits, and a zone written `Z`,
    /// `+00:00` or `+0000` (the last is how google-cloud-logging's Python client writes its default
    /// "last 24 hours" bound).
    static func parse(_ text: String) -> LogTimestamp? {
        let characters = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= characters.count else { return nil }
            var value = 0
            for character in characters[index..<index + count] {
                guard character >= 48, character <= 57 else { return nil }
                value = value * 10 + Int(character - 48)
            }
            index += count
            return value
        }
        func expect(_ allowed: String) -> Bool {
            guard index < characters.count, allowed.utf8.contains(characters[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        var nanos = 0
        if index < characters.count, characters[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < characters.count, characters[index] >= 48, characters[index] <= 57 {
                guard digits < 9 else { return nil }
                nanos = nanos * 10 + Int(characters[index] - 48)
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else if index < characters.count,
            characters[index] == UInt8(ascii: "+") || characters[index] == UInt8(ascii: "-")
        {
            let sign = characters[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            _ = expect(":")
            guard let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard index == characters.count else { return nil }
        let dayCount = RFC3339.days(fromYear: year, month: month, day: day)
        let seconds = dayCount * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offset)
        return LogTimestamp(seconds: seconds, nanos: nanos)
    }
}
