import LaunchWatchCore

/// The last line of `launchwatch doctor`: 0 when every always-active provider works.
struct DoctorVerdict {
    var failed: [String]
    var warnings: [String]
    var working: Int
    var total: Int

    init(_ results: [DoctorResult]) {
        failed = results.filter { $0.status == .failed }.map(\.id)
        warnings = results.filter { $0.status == .warning }.map(\.id)
        working = results.filter { $0.status == .ok }.count
        total = results.count
    }

    var passed: Bool { failed.isEmpty }

    var line: String {
        var text = passed ? "verdict: ready" : "verdict: NOT ready"
        text += " — \(working) of \(total) providers work"
        if !failed.isEmpty { text += "; failed: \(failed.joined(separator: ", "))" }
        if !warnings.isEmpty { text += "; warnings (fallbacks or unchecked): \(warnings.joined(separator: ", "))" }
        return text
    }

    var json: JSONValue {
        .object([
            ("type", .string("verdict")), ("passed", .bool(passed)),
            ("failed", .array(failed.map(JSONValue.string))), ("warnings", .array(warnings.map(JSONValue.string))),
            ("exitCode", .number(passed ? 0 : 1)),
        ])
    }
}
