#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Durations as pipelines write them: one or more `<number><unit>` parts with units `h`, `m`, `s`
/// and `ms`, largest first, each at most once — `"5s"`, `"1m30s"`, `"250ms"`, `"1.5s"`, `"2h"`.
///
/// No spaces, no sign, no bare numbers: `"5 sec"`, `"-1s"` and `"5"` are rejected so that a typo never
/// turns into a surprising interval.
public enum DurationText {
    private static let units: [(suffix: String, seconds: Double)] = [
        ("h", 3600), ("ms", 0.001), ("m", 60), ("s", 1),
    ]
    private static let order = ["h", "m", "s", "ms"]

    /// The duration `text` denotes, or `nil` when it is not a valid duration.
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        var total = 0.0
        var lastUnitRank = -1
        guard !rest.isEmpty, rest.count <= 64 else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number.first != ".", number.last != ".",
                number.filter({ $0 == "." }).count <= 1, let value = Double(number)
            else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) }) else { return nil }
            guard let rank = order.firstIndex(of: unit.suffix), rank > lastUnitRank else { return nil }
            lastUnitRank = rank
            rest = rest.dropFirst(unit.suffix.count)
            total += value * unit.seconds
        }
        guard total.isFinite, total < 1e9 else { return nil }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// `duration` written the way `parse` reads it: `"1m30s"`, `"250ms"`, `"0s"`.
    public static func format(_ duration: Duration) -> String {
        var milliseconds = Int64((duration.seconds * 1000).rounded())
        if milliseconds <= 0 { return "0s" }
        var text = ""
        let hours = milliseconds / 3_600_000
        milliseconds %= 3_600_000
        let minutes = milliseconds / 60_000
        milliseconds %= 60_000
        let seconds = milliseconds / 1000
        milliseconds %= 1000
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if seconds > 0 { text += "\(seconds)s" }
        if milliseconds > 0 { text += "\(milliseconds)ms" }
        return text
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// A duration of `seconds` seconds (negative values become zero).
    public static func seconds(double seconds: Double) -> Duration {
        .nanoseconds(Int64((max(0, min(seconds, 1e9)) * 1e9).rounded()))
    }
}

extension DurationText {
    /// A duration field of a provider's configuration (`"timeout": "10s"`): `fallback` when absent,
    /// a `bad_config` error naming the field (with the default as the example) when malformed, or
    /// when zero and `allowZero` is false. Providers read every duration field through this.
    public static func configured(
        _ text: String?, field: String, default fallback: Duration, allowZero: Bool = false
    ) throws(ProviderError) -> Duration {
        guard let text else { return fallback }
        guard let parsed = parse(text), allowZero || parsed > .zero else {
            throw ProviderError(
                code: .badConfig,
                message: "\(field) \"\(text)\" is not a duration such as \(format(fallback))")
        }
        return parsed
    }
}
