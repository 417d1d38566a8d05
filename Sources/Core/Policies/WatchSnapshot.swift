import Foundation

/// What activation policies may know of the watch.
public struct WatchSnapshot: Sendable {
    public var startedAt: Date
    /// Stages reached so far (inferred ones included).
    public var reachedStages: Set<String>
    /// A failure stage was reached and no detail is known yet.
    public var failureAwaitingDetail: Bool
    /// When a stage was last reached (or the watch started).
    public var lastStageChange: Date
    /// The ids of the always-active providers.
    public var fastProviders: [String]
    /// Degraded providers, with the time each became degraded.
    public var degradedSince: [String: Date]

    public init(
        startedAt: Date, reachedStages: Set<String> = [], failureAwaitingDetail: Bool = false,
        lastStageChange: Date? = nil, fastProviders: [String] = [], degradedSince: [String: Date] = [:]
    ) {
        self.startedAt = startedAt
        self.reachedStages = reachedStages
        self.failureAwaitingDetail = failureAwaitingDetail
        self.lastStageChange = lastStageChange ?? startedAt
        self.fastProviders = fastProviders
        self.degradedSince = degradedSince
    }
}
