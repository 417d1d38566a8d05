import Foundation
import LaunchWatchCore

/// A fault a route injects while the rule is in force: from `from` until `until` (scenario time) and
/// for at most `count` requests.
///
/// ```json
/// {"route": "vertex.list", "from": "10s", "until": "40s", "count": 3, "status": 429,
///  "headers": {"Retry-After": "2"}}
/// {"route": "wandb.graphql", "action": "hang"}
/// {"route": "*", "latency": "300ms"}
/// {"route": "vertex.list", "action": "permissionDenied"}
/// ```
public struct FaultRule: Sendable {
    /// A route name (`vertex.list`, `wandb.graphql`, `logging.list`...) or `*` for every route.
    public var route: String
    public var from: Double
    public var until: Double?
    public var count: Int?
    public var kind: Kind
    /// Added before the answer (also with `kind` `.none`).
    public var latency: Double?

    public enum Kind: Sendable {
        /// No fault besides `latency`.
        case none
        /// Answer with this status, headers and body; a `nil` body becomes the service's own error
        /// format (the Google error envelope, or W&B's `{"error": ...}`).
        case status(code: Int, headers: [String: String], body: JSONValue?)
        /// Never answer: the client gives up, or the emulator's stop closes the connection unanswered.
        case hang
        /// Close the connection in the middle of the body.
        case reset
        /// A body that is not JSON.
        case malformed
        /// The first half of the real body.
        case truncated
        /// A valid JSON body of this many bytes (a runaway answer), streamed in 1 MB pieces: chunked
        /// without a length, as an endless answer comes, or with a `Content-Length` (`announced`).
        case oversize(bytes: Int, announced: Bool)
        /// Refuse as a caller without the IAM permission is refused: Google's 403 `PERMISSION_DENIED`
        /// naming the route's permission (or this one) in its message and `ErrorInfo` (see
        /// `PermissionDenial`); W&B's 403 `permission denied`.
        case permissionDenied(permission: String?)
    }

    /// Whether the rule applies to `route` at scenario time `time`, given how often it has applied.
    func applies(to route: String, at time: Double, applied: Int) -> Bool {
        (self.route == "*" || self.route == route) && time >= from && (until.map { time < $0 } ?? true)
            && (count.map { applied < $0 } ?? true)
    }
}
