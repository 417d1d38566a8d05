#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `schedule`: read by the keys `ScheduleSection` declares, plus the checks that involve two keys.
extension PipelineDecoding {
    /// A provider's `schedule`, adaptive unless it says `"adaptive": false` (`ScheduleConfiguration`).
    mutating func schedule(_ value: JSONValue?, at path: JSONPath, defaultInterval: Duration) -> ScheduleConfiguration {
        let schedule = ScheduleConfiguration(every: defaultInterval)
        guard let value, let fields = reader.object(value, at: path, keys: ScheduleSection.keys.map(\.name)) else {
            return schedule.adaptive()
        }
        let adaptive = reader.bool(ScheduleSection.adaptive, in: fields, at: path) ?? true
        let configured = explicitSchedule(fields, at: path, base: schedule)
        return adaptive ? configured.adaptive() : configured
    }

    mutating func explicitSchedule(
        _ fields: [String: JSONValue], at path: JSONPath, base: ScheduleConfiguration
    ) -> ScheduleConfiguration {
        typealias Keys = ScheduleSection
        var schedule = base
        if let every = reader.duration(Keys.every, in: fields, at: path) { schedule.every = every }
        if let backoff = reader.section(Keys.backoff, in: fields, at: path) {
            let backoffPath = path.appending(Keys.backoff.name)
            schedule.backoff.initial = reader.duration(Keys.backoffInitial, in: backoff, at: backoffPath)
            if let max = reader.duration(Keys.backoffMax, in: backoff, at: backoffPath) { schedule.backoff.max = max }
            if let multiplier = reader.number(Keys.backoffMultiplier, in: backoff, at: backoffPath) {
                schedule.backoff.multiplier = multiplier
            }
            if let jitter = reader.number(Keys.backoffJitter, in: backoff, at: backoffPath) {
                schedule.backoff.jitter = jitter
            }
            if let initial = schedule.backoff.initial, initial > schedule.backoff.max {
                reader.error(
                    "out_of_range", backoffPath.appending(Keys.backoffInitial.name),
                    "must not be longer than backoff.max")
            }
        }
        if let fast = reader.section(Keys.fastAfterChange, in: fields, at: path) {
            let fastPath = path.appending(Keys.fastAfterChange.name)
            let every = reader.duration(Keys.fastEvery, in: fast, at: fastPath)
            let window = reader.duration(Keys.fastFor, in: fast, at: fastPath)
            if let every, let window {
                schedule.fastAfterChange = .init(every: every, for: window)
            }
        }
        if let budget = reader.section(Keys.budget, in: fields, at: path),
            let perMinute = reader.integer(Keys.budgetPerMinute, in: budget, at: path.appending(Keys.budget.name))
        {
            schedule.requestsPerMinute = perMinute
        }
        if let slow = reader.section(Keys.slowWhenIdle, in: fields, at: path) {
            let slowPath = path.appending(Keys.slowWhenIdle.name)
            let after = reader.duration(Keys.idleAfter, in: slow, at: slowPath)
            let every = reader.duration(Keys.idleEvery, in: slow, at: slowPath)
            if let every, every < schedule.every {
                reader.error(
                    "out_of_range", slowPath.appending(Keys.idleEvery.name), "must not be shorter than schedule.every")
            } else if let after, let every {
                schedule.slowWhenIdle = .init(after: after, every: every)
            }
        }
        return schedule
    }
}
