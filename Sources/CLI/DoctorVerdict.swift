import LaunchWatchCore

/// The last line of `launchwatch doctor`: 0 when every always-active provider works.
struct DoctorVerdict {
    var failed: [String]
    var warnings: [String]
    var working: Int
    var total: Int
    /// Quotas that several providers share, with what they spend together.
    var sharedQuotas: [(use: QuotaUse, providers: [String])]

    init(_ results: [DoctorResult]) {
        failed = results.filter { $0.status == .failed }.map(\.id)
        warnings = results.filter { $0.status == .warning }.map(\.id)
        working = results.filter { $0.status == .ok }.count
        total = results.count
        var shared: [(use: QuotaUse, providers: [String])] = []
        for result in results {
            guard let use = result.diagnosis?.quota else { continue }
            if let index = shared.firstIndex(where: { $0.use.quota == use.quota }) {
                shared[index].use.requestsPerMinute += use.requestsPerMinute
                shared[index].providers.append(result.id)
            } else {
                shared.append((use, [result.id]))
            }
        }
        sharedQuotas = shared.filter { $0.providers.count > 1 }
    }

    var passed: Bool { failed.isEmpty }

    var line: String {
        var text = passed ? "verdict: ready" : "verdict: NOT ready"
        text += " — \(working) of \(total) providers work"
        if !failed.isEmpty { text += "; failed: \(failed.joined(separator: ", "))" }
        if !warnings.isEmpty { text += "; warnings (fallbacks or unchecked): \(warnings.joined(separator: ", "))" }
        for shared in sharedQuotas {
            text +=
                "; \(shared.providers.joined(separator: " + ")) together: up to \(shared.use.requestsPerMinute)/min of "
                + "\(shared.use.limitPerMinute)/min (\(shared.use.quota))"
        }
        return text
    }

    var json: JSONValue {
        .object([
            ("type", .string("verdict")), ("passed", .bool(passed)),
            ("failed", .array(failed.map(JSONValue.string))), ("warnings", .array(warnings.map(JSONValue.string))),
            ("exitCode", .number(passed ? 0 : 1)),
            (
                "sharedQuotas",
                .array(
                    sharedQuotas.map { shared in
                        .object([
                            ("quota", .string(shared.use.quota)),
                            ("providers", .array(shared.providers.map(JSONValue.string))),
                            ("requestsPerMinute", .number(Double(shared.use.requestsPerMinute))),
                            ("limitPerMinute", .number(Double(shared.use.limitPerMinute))),
                        ])
                    })
            ),
        ])
    }
}
