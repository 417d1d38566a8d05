import Foundation
import LaunchWatchCore

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
