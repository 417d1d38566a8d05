#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Decides when a provider starts polling. Once active, a provider stays active until the watch
/// ends: a fallback that has started reading logs keeps reading them.
///
/// Policies are pure: they read a `WatchSnapshot` and a time. `nextCheck` tells the engine when the
/// answer may change with time alone, so it wakes up then without polling anything.
///
/// ```swift
/// struct AfterTenSeconds: ActivationPolicy {
///     var summary: String { "after 10s" }
///     func isActive(in watch: WatchSnapshot, at now: Date) -> Bool {
///         now.timeIntervalSince(watch.startedAt) >= 10
///     }
///     func nextCheck(in watch: WatchSnapshot, at now: Date) -> Date? {
///         watch.startedAt.addingTimeInterval(10)
///     }
/// }
/// ```
package protocol ActivationPolicy: Sendable {
    /// How the policy reads in events and `providers` output: `"afterStage submitted"`.
    var summary: String { get }
    /// True for the providers that run from the start: the "fast" providers whose degradation
    /// `fastProvidersDegraded` watches.
    var isAlwaysActive: Bool { get }
    /// True for providers that exist to fetch failure detail: a failure without detail waits for
    /// them (up to `finish.detailWait`).
    var bringsFailureDetail: Bool { get }
    func isActive(in watch: WatchSnapshot, at now: Date) -> Bool
    /// When `isActive` may turn true by time alone; `nil` when only an event can change it.
    func nextCheck(in watch: WatchSnapshot, at now: Date) -> Date?
}

extension ActivationPolicy {
    package var isAlwaysActive: Bool { false }
    package var bringsFailureDetail: Bool { false }
    package func nextCheck(in watch: WatchSnapshot, at now: Date) -> Date? { nil }
}

/// `{"when": "always"}`, the default: polls from the start.
package struct AlwaysActive: ActivationPolicy {
    package init() {}
    package var summary: String { "always" }
    package var isAlwaysActive: Bool { true }
    package func isActive(in watch: WatchSnapshot, at now: Date) -> Bool { true }
}

/// `{"when": "afterStage", "stage": ID}`: polls once the stage is reached (inferred included).
package struct ActiveAfterStage: ActivationPolicy {
    package var stage: String
    package init(stage: String) { self.stage = stage }
    package var summary: String { "afterStage \(stage)" }
    package func isActive(in watch: WatchSnapshot, at now: Date) -> Bool { watch.reachedStages.contains(stage) }
}

/// `{"when": "failureWithoutDetail"}`: a fallback that fetches why a launch failed when the fast
/// providers reported the failure without a message.
package struct ActiveOnFailureWithoutDetail: ActivationPolicy {
    package init() {}
    package var summary: String { "failureWithoutDetail" }
    package var bringsFailureDetail: Bool { true }
    package func isActive(in watch: WatchSnapshot, at now: Date) -> Bool { watch.failureAwaitingDetail }
}

/// `{"when": "fastProvidersDegraded", "for": D}`: a fallback for when every always-active provider
/// has been degraded for at least `D`.
package struct ActiveWhenFastProvidersDegraded: ActivationPolicy {
    package var duration: Duration
    package init(for duration: Duration) { self.duration = duration }
    package var summary: String { "fastProvidersDegraded for \(DurationText.format(duration))" }
    package var bringsFailureDetail: Bool { true }

    /// When the last of the fast providers became degraded, if all of them are.
    private func allDegradedSince(_ watch: WatchSnapshot) -> Date? {
        guard !watch.fastProviders.isEmpty else { return nil }
        var latest = Date.distantPast
        for id in watch.fastProviders {
            guard let since = watch.degradedSince[id] else { return nil }
            latest = max(latest, since)
        }
        return latest
    }

    package func isActive(in watch: WatchSnapshot, at now: Date) -> Bool {
        guard let since = allDegradedSince(watch) else { return false }
        return now.timeIntervalSince(since) >= duration.seconds
    }

    package func nextCheck(in watch: WatchSnapshot, at now: Date) -> Date? {
        allDegradedSince(watch)?.addingTimeInterval(duration.seconds)
    }
}

/// `{"when": "silence", "for": D}`: polls once no stage has been reached for `D`.
package struct ActiveAfterSilence: ActivationPolicy {
    package var duration: Duration
    package init(for duration: Duration) { self.duration = duration }
    package var summary: String { "silence for \(DurationText.format(duration))" }

    package func isActive(in watch: WatchSnapshot, at now: Date) -> Bool {
        now.timeIntervalSince(watch.lastStageChange) >= duration.seconds
    }

    package func nextCheck(in watch: WatchSnapshot, at now: Date) -> Date? {
        watch.lastStageChange.addingTimeInterval(duration.seconds)
    }
}

/// `{"when": "degraded", "providers": [IDS], "for": D}`: a stand-in for named providers, active once
/// any of them has been degraded for at least `D` (default 0s: as soon as it is reported degraded,
/// after its `degradedAfter` failed polls). The seed pipeline reads the logs while Vertex AI does not
/// answer, and finds the Vertex job by name while W&B does not.
package struct ActiveWhenProvidersDegraded: ActivationPolicy {
    package var providers: [String]
    package var duration: Duration
    package init(_ providers: [String], for duration: Duration = .zero) {
        self.providers = providers
        self.duration = duration
    }

    package var summary: String {
        "degraded \(providers.joined(separator: ", "))"
            + (duration > .zero ? " for \(DurationText.format(duration))" : "")
    }

    /// When the first of the providers became degraded, if any is.
    private func degradedSince(_ watch: WatchSnapshot) -> Date? {
        providers.compactMap { watch.degradedSince[$0] }.min()
    }

    package func isActive(in watch: WatchSnapshot, at now: Date) -> Bool {
        guard let since = degradedSince(watch) else { return false }
        return now.timeIntervalSince(since) >= duration.seconds
    }

    package func nextCheck(in watch: WatchSnapshot, at now: Date) -> Date? {
        degradedSince(watch)?.addingTimeInterval(duration.seconds)
    }
}

/// An array of conditions in `activate`: active once any of them holds. A fallback for detail that
/// should also stand in for a degraded provider:
///
/// ```json
/// "activate": [{"when": "failureWithoutDetail"}, {"when": "degraded", "providers": ["vertex"]}]
/// ```
package struct ActiveWhenAny: ActivationPolicy {
    package var conditions: [any ActivationPolicy]
    package init(_ conditions: [any ActivationPolicy]) { self.conditions = conditions }

    package var summary: String { conditions.map(\.summary).joined(separator: " or ") }
    package var isAlwaysActive: Bool { conditions.contains { $0.isAlwaysActive } }
    package var bringsFailureDetail: Bool { conditions.contains { $0.bringsFailureDetail } }

    package func isActive(in watch: WatchSnapshot, at now: Date) -> Bool {
        conditions.contains { $0.isActive(in: watch, at: now) }
    }

    package func nextCheck(in watch: WatchSnapshot, at now: Date) -> Date? {
        conditions.compactMap { $0.nextCheck(in: watch, at: now) }.min()
    }
}
