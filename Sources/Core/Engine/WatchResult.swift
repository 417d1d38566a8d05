#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How a watch ended.
public struct WatchResult: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        case success
        case failure
        case deadline
        case interrupted
    }

    public var outcome: Outcome
    /// The stage that decided the outcome; for `deadline` and `interrupted` the last stage reached.
    public var stage: Stage?
    public var detail: FailureDetail?
    public var at: Date
    /// Every stage reached, in order.
    public var timeline: [StageReached]

    public init(outcome: Outcome, stage: Stage?, detail: FailureDetail?, at: Date, timeline: [StageReached]) {
        self.outcome = outcome
        self.stage = stage
        self.detail = detail
        self.at = at
        self.timeline = timeline
    }
}
