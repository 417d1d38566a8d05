/// The keys of a provider's `schedule` (`ScheduleConfiguration`), declared once: the loader reads and
/// checks a schedule by these declarations, and `launchwatch schema` describes it from them.
///
/// Checks that involve two keys stay with the loader (`backoff.initial` no longer than
/// `backoff.max`, `slowWhenIdle.every` no shorter than `every`).
package enum ScheduleSection {
    package static let every = SectionKey("every", .duration(positive: true))

    package static let backoffInitial = SectionKey("initial", .duration(positive: true))
    package static let backoffMax = SectionKey("max", .duration(positive: true))
    package static let backoffMultiplier = SectionKey(
        "multiplier", .number(minimum: 1, maximum: 10, rangeMessage: "must be between 1 and 10"))
    package static let backoffJitter = SectionKey(
        "jitter", .number(minimum: 0, maximum: 1, rangeMessage: "must be a fraction between 0 and 1"))
    package static let backoff = SectionKey(
        "backoff", .section([backoffInitial, backoffMax, backoffMultiplier, backoffJitter]))

    package static let fastEvery = SectionKey("every", .duration(positive: true), required: true)
    package static let fastFor = SectionKey("for", .duration(positive: true), required: true)
    package static let fastAfterChange = SectionKey("fastAfterChange", .section([fastEvery, fastFor]))

    package static let budgetPerMinute = SectionKey("perMinute", .integer(minimum: 1), required: true)
    package static let budget = SectionKey("budget", .section([budgetPerMinute]))

    package static let idleAfter = SectionKey("after", .duration(positive: true), required: true)
    package static let idleEvery = SectionKey("every", .duration(positive: true), required: true)
    package static let slowWhenIdle = SectionKey("slowWhenIdle", .section([idleAfter, idleEvery]))

    package static let adaptive = SectionKey("adaptive", .boolean)

    /// Every key of `schedule`, in the order the schema lists them.
    package static let keys = [every, backoff, fastAfterChange, budget, slowWhenIdle, adaptive]
}
