#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Decides when a provider polls next.
///
/// The engine asks after every poll; the policy answers with a delay. It is a pure value (no clock),
/// so every rule is tested by calling it with times.
///
/// ```swift
/// struct EveryFiveSeconds: SchedulePolicy {
///     mutating func delay(after outcome: PollOutcome, at now: Date, lastStageChange: Date?) -> Duration {
///         .seconds(5)
///     }
/// }
/// ```
package protocol SchedulePolicy: Sendable {
    /// The delay before the next poll, given how the poll that ended at `now` went and when the
    /// watch last reached a stage.
    mutating func delay(after outcome: PollOutcome, at now: Date, lastStageChange: Date?) -> Duration
}
