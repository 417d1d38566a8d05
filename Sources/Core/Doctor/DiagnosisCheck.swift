/// One call `launchwatch doctor` made for a provider, and what came of it.
///
/// A failed check names what to fix: the permission the service said is missing and the predefined
/// role that grants it (on a 403), or the name that does not exist (on a 404 or an empty answer).
public struct DiagnosisCheck: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        case passed, failed
        /// Not made: something it needs is not known before a launch, or an earlier check failed.
        case skipped
    }

    /// What was called: `customJobs.list`, `viewer`, `runQueue`.
    public var name: String
    /// What it was called on: `projects/p/locations/us-central1`, `my-team/model-registry/gpu`.
    public var target: String?
    public var outcome: Outcome
    /// How long the call took, when it was made.
    public var latency: Duration?
    /// The HTTP status, when the backend answered.
    public var httpStatus: Int?
    /// What went wrong (or a detail of what passed), in the service's words where it gave some.
    public var message: String?
    /// The IAM permission the service said is missing (`aiplatform.customJobs.list`).
    public var permission: String?
    /// The predefined role that grants `permission` (`roles/aiplatform.viewer`).
    public var role: String?
    /// The configured name that does not exist: `queue "gpu"`, `project "p"`.
    public var wrongName: String?

    public init(
        _ name: String, target: String? = nil, outcome: Outcome, latency: Duration? = nil, httpStatus: Int? = nil,
        message: String? = nil, permission: String? = nil, role: String? = nil, wrongName: String? = nil
    ) {
        self.name = name
        self.target = target
        self.outcome = outcome
        self.latency = latency
        self.httpStatus = httpStatus
        self.message = message
        self.permission = permission
        self.role = role
        self.wrongName = wrongName
    }
}
