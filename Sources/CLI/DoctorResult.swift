import Foundation
import LaunchWatchCore

/// One provider's line of `launchwatch doctor`: its diagnosis and what it means for the verdict.
struct DoctorResult {
    enum Status: String {
        /// Its credentials and every call worked.
        case ok
        /// An always-active provider that does not work: the watch would rely on it.
        case failed
        /// A fallback that does not work, or a kind that cannot be checked.
        case warning
    }

    var id: String
    var kind: String
    var activation: String
    var alwaysActive: Bool
    /// `nil` when the kind does not conform to `DiagnosableProvider`.
    var diagnosis: ProviderDiagnosis?

    init(spec: ProviderSpec, diagnosis: ProviderDiagnosis?) {
        id = spec.id
        kind = spec.registration.kind
        activation = spec.activation.summary
        alwaysActive = spec.activation.isAlwaysActive
        self.diagnosis = diagnosis
    }

    var status: Status {
        guard let diagnosis else { return .warning }
        if diagnosis.works { return .ok }
        return alwaysActive ? .failed : .warning
    }

    /// `✗ vertex (vertex-rest, always): credentials GOOGLE_OAUTH_ACCESS_TOKEN, token obtained; ...`
    var line: String {
        let mark = ["ok": "ok  ", "failed": "FAIL", "warning": "warn"][status.rawValue] ?? ""
        var parts: [String] = []
        guard let diagnosis else {
            return "\(mark) \(id) (\(kind), \(activation)): not checked: kind \(kind) has no doctor checks"
        }
        if let credentials = diagnosis.credentials {
            parts.append(Self.describe(credentials))
        }
        for check in diagnosis.checks { parts.append(Self.describe(check)) }
        parts += diagnosis.notes.map { "note: \($0)" }
        return "\(mark) \(id) (\(kind), \(activation)): " + parts.joined(separator: "; ")
    }

    static func describe(_ credentials: CredentialReport) -> String {
        var text = "credentials: \(credentials.source ?? "none found")"
        if credentials.obtained {
            text += ", obtained"
            if let expiresAt = credentials.expiresAt {
                text += ", expires \(RFC3339.string(from: expiresAt))"
            }
        } else {
            text += ", NOT obtained: \(credentials.problem ?? "no token")"
        }
        return text
    }

    static func describe(_ check: DiagnosisCheck) -> String {
        var text = check.name + (check.target.map { " \($0)" } ?? "")
        switch check.outcome {
        case .passed: text += ": ok"
        case .failed: text += ": FAILED"
        case .skipped: text += ": not checked"
        }
        if let latency = check.latency { text += " (\(Self.milliseconds(latency)) ms)" }
        if let permission = check.permission {
            text += "; missing permission \(permission)"
            if let role = check.role { text += " — grant \(role)" }
        }
        if let wrongName = check.wrongName { text += "; wrong name: \(wrongName)" }
        if let message = check.message { text += ": \(message)" }
        return text
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int((duration.seconds * 1000).rounded())
    }

    /// `{"type": "provider", "provider": ..., "status": ..., "credentials": ..., "checks": [...]}`.
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("provider")), ("provider", .string(id)), ("kind", .string(kind)),
            ("activation", .string(activation)), ("alwaysActive", .bool(alwaysActive)),
            ("status", .string(status.rawValue)), ("checked", .bool(diagnosis != nil)),
        ]
        if let credentials = diagnosis?.credentials {
            members.append(
                (
                    "credentials",
                    .object([
                        ("source", credentials.source.map(JSONValue.string) ?? .null),
                        ("obtained", .bool(credentials.obtained)),
                        ("expiresAt", credentials.expiresAt.map { .string(RFC3339.string(from: $0)) } ?? .null),
                        ("problem", credentials.problem.map(JSONValue.string) ?? .null),
                    ])
                ))
        }
        members.append(("checks", .array((diagnosis?.checks ?? []).map(Self.json))))
        members.append(("notes", .array((diagnosis?.notes ?? []).map(JSONValue.string))))
        if let quota = diagnosis?.quota {
            members.append(
                (
                    "quota",
                    .object([
                        ("quota", .string(quota.quota)),
                        ("requestsPerMinute", .number(Double(quota.requestsPerMinute))),
                        ("limitPerMinute", .number(Double(quota.limitPerMinute))),
                    ])
                ))
        }
        return .object(members)
    }

    static func json(_ check: DiagnosisCheck) -> JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        return .object([
            ("name", .string(check.name)), ("target", optional(check.target)),
            ("outcome", .string(check.outcome.rawValue)),
            ("latencyMs", check.latency.map { .number(Double(milliseconds($0))) } ?? .null),
            ("httpStatus", check.httpStatus.map { .number(Double($0)) } ?? .null),
            ("message", optional(check.message)), ("permission", optional(check.permission)),
            ("role", optional(check.role)), ("wrongName", optional(check.wrongName)),
        ])
    }
}
