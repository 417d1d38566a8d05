#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Everything a watch reports, in the order it happened. Reporters (terminal, NDJSON, recordings)
/// consume these; the last event of every watch is `.finished`.
public enum WatchEvent: Sendable, Hashable {
    /// A stage was reached (or inferred).
    case stage(StageReached)
    /// A provider became degraded or recovered.
    case provider(ProviderHealthChange)
    /// A provider that was waiting for its activation condition started polling.
    case activated(provider: String, reason: String, at: Date)
    /// A provider published a fact other providers may use.
    case fact(name: String, value: String, source: String, at: Date)
    /// The reason for the failure.
    case detail(FailureDetail, at: Date)
    /// Something a user should know that changes no stage: an unmapped status, a lost detail wait.
    case notice(provider: String?, message: String, at: Date)
    /// One raw observation (for recordings; the terminal and NDJSON views leave it out).
    case observation(Observation)
    /// One failed poll (for recordings; health changes are reported as `.provider`).
    case pollFailed(provider: String, error: ProviderError, at: Date)
    /// The watch ended.
    case finished(WatchResult)

    /// When the event happened.
    public var at: Date {
        switch self {
        case .stage(let reached): reached.at
        case .provider(let change): change.at
        case .activated(_, _, let at), .fact(_, _, _, let at), .detail(_, let at), .notice(_, _, let at),
            .pollFailed(_, _, let at):
            at
        case .observation(let observation): observation.observedAt
        case .finished(let result): result.at
        }
    }
}

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

/// A provider's health changed.
public struct ProviderHealthChange: Sendable, Hashable {
    public enum Health: String, Sendable, Hashable {
        case degraded
        case recovered
    }

    public var provider: String
    public var health: Health
    /// For `degraded`, the last error; for `recovered`, how long it was degraded.
    public var message: String
    public var at: Date
}

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
