#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What activation policies may know of the watch.
package struct WatchSnapshot: Sendable {
    package var startedAt: Date
    /// Stages reached so far (inferred ones included).
    package var reachedStages: Set<String>
    /// A failure stage was reached and no detail is known yet.
    package var failureAwaitingDetail: Bool
    /// When a stage was last reached (or the watch started).
    package var lastStageChange: Date
    /// The ids of the always-active providers.
    package var fastProviders: [String]
    /// Degraded providers, with the time each became degraded.
    package var degradedSince: [String: Date]

    package init(
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
