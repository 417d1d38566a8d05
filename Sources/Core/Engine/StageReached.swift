#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A stage reached, and how we learnt it.
public struct StageReached: Sendable, Hashable {
    public var stage: Stage
    /// When the watch learnt it.
    public var at: Date
    /// The provider whose observation reached it.
    public var source: String
    /// True when a later stage was observed and this one was skipped over.
    public var inferred: Bool
    /// How long after the backend's own timestamp we learnt it, when the backend gave one.
    public var lag: Duration?
    /// The job, run or item the observation was about.
    public var subject: String?
    /// The backend's raw status that reached it.
    public var status: String?

    public init(
        stage: Stage, at: Date, source: String, inferred: Bool, lag: Duration? = nil, subject: String? = nil,
        status: String? = nil
    ) {
        self.stage = stage
        self.at = at
        self.source = source
        self.inferred = inferred
        self.lag = lag
        self.subject = subject
        self.status = status
    }
}
