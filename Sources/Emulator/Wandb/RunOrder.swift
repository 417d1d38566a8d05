import Foundation
import LaunchWatchCore

/// The `order` argument of `Project.runs`: an optional `+` (ascending, the default) or `-`
/// (descending) and a field as filters name them: `-created_at`, `+heartbeat_at`, `display_name`,
/// `config.lr.value`, `summary_metrics.loss`. Without an order, runs come newest first
/// (`-created_at`).
///
/// The order is total: runs whose values are equal (or missing, which sorts before any value) stay
/// in creation order, so that a cursor always has one place.
struct RunOrder {
    private let field: RunField
    private let descending: Bool
    private let username: String
    private let positions: [String: Int]

    init(_ text: String, username: String, runs: [WandbRun]) {
        var name = text.trimmingCharacters(in: .whitespaces)
        var descending = false
        if name.isEmpty {
            name = "created_at"
            descending = true
        } else if name.hasPrefix("-") {
            descending = true
            name.removeFirst()
        } else if name.hasPrefix("+") {
            name.removeFirst()
        }
        self.field = RunField(name)
        self.descending = descending
        self.username = username
        self.positions = Dictionary(runs.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether `a` comes before `b`.
    func precedes(_ a: WandbRun, _ b: WandbRun) -> Bool {
        let order = Self.compare(field.value(of: a, username: username), field.value(of: b, username: username))
        if order != .orderedSame { return descending ? order == .orderedDescending : order == .orderedAscending }
        return positions[a.id, default: 0] < positions[b.id, default: 0]
    }

    /// Missing values first, then numbers, strings, booleans, and anything else; like values compare
    /// as `RunFilter` compares them.
    private static func compare(_ a: JSONValue?, _ b: JSONValue?) -> ComparisonResult {
        func rank(_ value: JSONValue?) -> Int {
            switch value {
            case nil, .null?: 0
            case .number?: 1
            case .string?: 2
            case .bool?: 3
            default: 4
            }
        }
        let (rankA, rankB) = (rank(a), rank(b))
        if rankA != rankB { return rankA < rankB ? .orderedAscending : .orderedDescending }
        guard let a, let b else { return .orderedSame }
        return RunFilter.compare(a, b) ?? .orderedSame
    }

    /// The opaque cursor of a run's edge.
    static func cursor(for run: WandbRun) -> String {
        Data("RunCursor:\(run.id)".utf8).base64EncodedString()
    }

    /// The run a cursor names, or `nil` for a cursor this API did not make.
    static func runName(fromCursor cursor: String) -> String? {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("RunCursor:")
        else { return nil }
        return String(text.dropFirst("RunCursor:".count))
    }
}
