import Foundation

/// The common reasons a launch fails, recognised in a log message: the detail's `code`.
public enum LaunchErrorKind {
    static let patterns: [(code: String, needles: [String])] = [
        ("machine_type_not_supported", ["machine type", "is not supported"]),
        ("quota_exceeded", ["quota"]),
        ("permission_denied", ["permission denied"]),
        ("permission_denied", ["permission_denied"]),
        ("permission_denied", ["does not have permission"]),
        ("image_pull", ["imagepull"]),
        ("image_pull", ["pull image"]),
        ("image_pull", ["image", "not found"]),
        ("not_found", ["not found"]),
        ("out_of_memory", ["out of memory"]),
        ("out_of_memory", ["outofmemoryerror"]),
        ("wandb_error", ["wandb: error"]),
    ]

    /// A short code for `message`, or `nil` when it is none of the known kinds.
    public static func classify(_ message: String) -> String? {
        let lowered = message.lowercased()
        return patterns.first { $0.needles.allSatisfy { lowered.contains($0) } }?.code
    }
}
