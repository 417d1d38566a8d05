import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes text to a file descriptor at once (one `write` per call, no buffering), after removing
/// any secret it knows of. Every line launchwatch prints goes through one of these.
struct Output: Sendable {
    let descriptor: Int32
    let redactor: SecretRedactor

    static func standardOutput(_ redactor: SecretRedactor) -> Output { Output(descriptor: 1, redactor: redactor) }
    static func standardError(_ redactor: SecretRedactor) -> Output { Output(descriptor: 2, redactor: redactor) }

    var isTerminal: Bool { isatty(descriptor) == 1 }

    func write(_ text: String) {
        let bytes = Array(redactor.redact(text).utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBufferPointer { buffer in
                #if canImport(Glibc)
                    Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                #else
                    Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    func line(_ text: String) { write(text + "\n") }
}

/// Replaces secret values (API keys, tokens) with `[REDACTED]` in anything printed.
///
/// The secrets are the values of environment variables whose names say they are secret
/// (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*CREDENTIAL*`) and are long enough not to be
/// ordinary words. Providers must not put secrets in messages; this is the second line of defence.
struct SecretRedactor: Sendable {
    let secrets: [String]

    init(environment: [String: String]) {
        let markers = ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"]
        secrets = environment.compactMap { name, value in
            let upper = name.uppercased()
            guard markers.contains(where: { upper.contains($0) }), value.count >= 8 else { return nil }
            return value
        }.sorted { $0.count > $1.count }
    }

    func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[REDACTED]") }
    }
}
