import Foundation
import LaunchWatchCore
import Testing

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    /// Foundation's formatter, the reference the hand-written reader and writer must agree with.
    static func reference(_ date: Date, fraction: Bool) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = fraction ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    @Test("writes and reads 2,000 dates from 1900 to 2400 as ISO8601DateFormatter does")
    func agreesWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let seconds = Int64.random(in: -2_208_988_800...13_569_465_600, using: &generator)
            let milliseconds = Int64.random(in: 0..<1000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000)
            let whole = Date(timeIntervalSince1970: Double(seconds))
            #expect(RFC3339.string(wholeSeconds: seconds) == Self.reference(whole, fraction: false))
            let text = RFC3339.string(from: date)
            #expect(text.hasPrefix(String(Self.reference(whole, fraction: false).dropLast())))
            #expect(text.hasSuffix(String(format: ".%03dZ", milliseconds)), "\(text)")
            #expect(RFC3339.date(from: Self.reference(whole, fraction: false)) == whole)
            let read = RFC3339.date(from: text)?.timeIntervalSince1970 ?? .nan
            #expect(abs(read - date.timeIntervalSince1970) < 0.002, "\(text)")
        }
    }

    @Test("a time read from text is written back the same, at 3 and 6 digits, and never later than it is")
    func roundTrip() throws {
        for text in ["2026-11-30T14:57:10.123Z", "2026-11-30T14:57:10.999Z", "2026-11-30T14:57:10.000Z"] {
            #expect(RFC3339.string(from: try #require(RFC3339.date(from: text))) == text)
        }
        for text in ["2026-11-30T14:57:10.123456Z", "2026-11-30T14:57:10.000001Z", "2026-11-30T14:57:10.999999Z"] {
            #expect(RFC3339.string(from: try #require(RFC3339.date(from: text)), fractionDigits: 6) == text)
        }
        // Cut, not rounded: 0.1236 s is .123 at three digits.
        let date = try #require(RFC3339.date(from: "2026-11-30T14:57:10.1236Z"))
        #expect(RFC3339.string(from: date) == "2026-11-30T14:57:10.123Z")
    }

    @Test(
        "reads offsets, any fraction and lowercase t and z",
        arguments: [
            ("2025-11-10T04:00:00Z", 1_762_747_200.0), ("2025-11-10T05:30:00+01:30", 1_762_747_200.0),
            ("2025-11-09T23:00:00-05:00", 1_762_747_200.0), ("2025-11-10t04:00:00.5z", 1_762_747_200.5),
            ("2025-11-10T04:00:00.123456789Z", 1_762_747_200.123_456_789), ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ])
    func reads(text: String, seconds: Double) throws {
        let date = try #require(RFC3339.date(from: text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test(
        "refuses what is not a real RFC 3339 time",
        arguments: [
            "2025-02-29T00:00:00Z", "2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-11-10T24:00:00Z",
            "2025-11-10T04:60:00Z", "2025-11-10T04:00:00", "2025-11-10T04:00:00.Z", "2025-11-10T04:00:00+0100",
            "2025-11-10 04:00:00Z", "２０２５-11-10T04:00:00Z", "2025-11-10T04:00:00Zjunk", "",
        ])
    func refuses(text: String) {
        #expect(RFC3339.date(from: text) == nil)
    }
}
