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
