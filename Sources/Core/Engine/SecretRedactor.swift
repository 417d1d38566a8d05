// Full Foundation, not FoundationEssentials: replacingOccurrences(of:with:) is not in FoundationEssentials.
import Foundation

/// Replaces secret values (API keys, tokens, private keys) with `[REDACTED]` in anything shown to a
/// user or written to a file.
///
/// The secrets are the values of environment variables whose names say they are secret (`*KEY*`,
/// `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*CREDENTIAL*`) and that are long enough not to be ordinary
/// words, plus any a caller adds — except variables that name a file (`GOOGLE_APPLICATION_CREDENTIALS`,
/// `*_FILE`, `*_PATH`, `*_DIR`): a path is shown, so the user sees which credentials file is used. Providers must not put secrets in messages; this is the second
/// line of defence. Redact text *before* cutting or encoding it: a cut or escaped secret no longer
/// matches.
public struct SecretRedactor: Sendable {
    public private(set) var secrets: [String]

    public init(environment: [String: String], additional: [String] = []) {
        let markers = ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"]
        let fromEnvironment = environment.compactMap { name, value -> String? in
            let upper = name.uppercased()
            guard markers.contains(where: { upper.contains($0) }), !Self.namesPath(upper) else { return nil }
            return value
        }
        secrets = Set((fromEnvironment + additional).filter { $0.count >= 8 }).sorted { $0.count > $1.count }
    }

    /// Variables that hold the path of a credentials file, not a secret (`GOOGLE_APPLICATION_CREDENTIALS`,
    /// `*_FILE`, `*_PATH`, `*_DIR`): their values stay readable, so a message can say which file is used.
    static func namesPath(_ name: String) -> Bool {
        name == "GOOGLE_APPLICATION_CREDENTIALS" || name.hasSuffix("_FILE") || name.hasSuffix("_PATH")
            || name.hasSuffix("_DIR")
    }

    /// `text` with every secret replaced.
    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        return secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[REDACTED]") }
    }

    /// `value` with every secret in its strings (and keys) replaced.
    public func redact(_ value: JSONValue) -> JSONValue {
        guard !secrets.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let values): return .array(values.map(redact))
        case .object(let members): return .object(members.map { (redact($0.key), redact($0.value)) })
        default: return value
        }
    }
}
