import Foundation
import LaunchWatchCore

/// The `google.rpc.ErrorInfo` detail of a Google error envelope: why a call was refused, by whom,
/// and — for `IAM_PERMISSION_DENIED` — which permission is missing.
///
/// Vertex AI sends `{"reason": "IAM_PERMISSION_DENIED", "domain": "aiplatform.googleapis.com",
/// "metadata": {"permission": "aiplatform.customJobs.list", "resource": "projects/P/locations/R"}}`
/// with the message `Permission 'aiplatform.customJobs.list' denied on resource
/// '//aiplatform.googleapis.com/projects/P/locations/R' (or it may not exist).`; Cloud Logging sends
/// domain `iam.googleapis.com` and only the permission. An unknown or disabled project comes as
/// `CONSUMER_INVALID` or `SERVICE_DISABLED` (domain `googleapis.com`).
public struct GoogleErrorInfo: Sendable, Hashable {
    public var reason: String
    public var domain: String?
    public var metadata: [String: String]

    /// The first `ErrorInfo` detail of an error body, if it has one.
    public init?(body: Data) {
        guard let json = try? JSONParser.parse(body), case .array(let details)? = json["error"]?["details"] else {
            return nil
        }
        for detail in details {
            guard case .string(let type)? = detail["@type"], type.hasSuffix("google.rpc.ErrorInfo"),
                case .string(let reason)? = detail["reason"]
            else { continue }
            self.reason = reason
            if case .string(let domain)? = detail["domain"] { self.domain = domain } else { self.domain = nil }
            var metadata: [String: String] = [:]
            if case .object(let members)? = detail["metadata"] {
                for member in members {
                    if case .string(let value) = member.value { metadata[member.key] = value }
                }
            }
            self.metadata = metadata
            return
        }
        return nil
    }

    /// The permission named in a message such as `Permission 'logging.logEntries.list' denied on
    /// resource (or it may not exist).`, for answers without an `ErrorInfo`.
    public static func permission(inMessage message: String) -> String? {
        guard let start = message.range(of: "Permission '") else { return nil }
        let rest = message[start.upperBound...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        let permission = rest[..<end]
        return permission.isEmpty ? nil : String(permission)
    }

    /// The predefined role that grants a read-only `permission`: `roles/aiplatform.viewer`,
    /// `roles/logging.viewer`, `roles/run.viewer` by the permission's service; `nil` for others.
    public static func viewerRole(for permission: String) -> String? {
        let service = permission.split(separator: ".").first.map(String.init) ?? ""
        switch service {
        case "aiplatform": return "roles/aiplatform.viewer"
        case "logging": return "roles/logging.viewer"
        case "run": return "roles/run.viewer"
        default: return nil
        }
    }
}
