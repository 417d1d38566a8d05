#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What one provider saw in one poll about the launch it follows.
///
/// A provider fills in what it read from the backend; the engine fills in `provider` and
/// `observedAt`. The raw `status` is the backend's own word (`JOB_STATE_RUNNING`, `CLAIMED`); the
/// pipeline's map turns it into a stage, so providers know nothing of stages.
public struct Observation: Sendable, Hashable, Codable {
    /// The id of the provider in the pipeline (set by the engine).
    public var provider: String
    /// What the observation is about: a job name, a run id, a queue item id.
    public var subject: String?
    /// The backend's raw status.
    public var status: String
    /// When the backend says the status began (its own timestamp), when it says so.
    public var backendTime: Date?
    /// When the watch received the observation (set by the engine).
    public var observedAt: Date
    /// Why the launch failed, when the backend says.
    public var detail: FailureDetail?
    /// Identities learnt on the way, handed to other providers through `${fact.NAME}`.
    public var facts: [String: String]
    /// The stage a recording says this observation reached (set by the replay provider); used when
    /// the map does not place `status`, for kinds whose statuses name stages.
    public var recordedStage: String?

    public init(
        status: String,
        subject: String? = nil,
        backendTime: Date? = nil,
        detail: FailureDetail? = nil,
        facts: [String: String] = [:],
        recordedStage: String? = nil,
        provider: String = "",
        observedAt: Date = Date(timeIntervalSince1970: 0)
    ) {
        self.provider = provider
        self.subject = subject
        self.status = status
        self.backendTime = backendTime
        self.observedAt = observedAt
        self.detail = detail
        self.facts = facts
        self.recordedStage = recordedStage
    }
}
