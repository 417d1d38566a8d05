import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

/// The stages, maps and pipelines the `Watch` and `Watcher` tests share: the seed's flow (queued →
/// picked up → submitted → running → succeeded | failed) with one map that every test provider uses.
enum WatchFixtures {
    static let startedAt = Date(timeIntervalSince1970: 1_700_000_000)

    /// `startedAt` plus `seconds`.
    static func at(_ seconds: Double) -> Date { startedAt.addingTimeInterval(seconds) }

    static let stages: [Stage] = [
        Stage(id: "queued"),
        Stage(id: "picked_up"),
        Stage(id: "submitted"),
        Stage(id: "running"),
        Stage(id: "succeeded", outcome: .success),
        Stage(id: "failed", outcome: .failure),
    ]

    /// Raw statuses of the test providers. `PAUSED` is known and changes nothing; `TICK` is what a
    /// provider says when it has nothing new.
    static let stageMap: [String: String?] = [
        "PENDING": "queued", "CLAIMED": "picked_up", "SUBMITTED": "submitted", "RUNNING": "running",
        "SUCCEEDED": "succeeded", "FAILED": "failed", "PAUSED": nil, "TICK": nil, "LOG": nil,
    ]

    static func stage(_ id: String) throws -> Stage {
        try #require(stages.first { $0.id == id })
    }

    static func registration() throws -> RegisteredProvider {
        var registry = ProviderRegistry()
        try registry.register(ScriptedProvider.self)
        return try #require(registry[ScriptedProvider.kind])
    }

    /// A provider spec with the fixture map. The configuration selects `script` when one is given.
    static func provider(
        _ id: String, script: ProviderScript? = nil, filter: String? = nil,
        activation: any ActivationPolicy = AlwaysActive(), schedule: ScheduleConfiguration? = nil,
        degradedAfter: Int = 3
    ) throws -> ProviderSpec {
        let configuration = script?.configuration(filter: filter) ?? .object([("script", .string("none"))])
        return ProviderSpec(
            id: id, registration: try registration(), configuration: configuration,
            requiredFacts: configuration.referencedFacts, schedule: schedule, activation: activation,
            stageMap: stageMap, degradedAfter: degradedAfter)
    }

    static func pipeline(
        _ providers: [ProviderSpec], finishOn: Set<String> = [], deadline: Duration = .seconds(600),
        detailWait: Duration = .seconds(60)
    ) -> Pipeline {
        Pipeline(
            name: "test", stages: stages, providers: providers,
            finish: FinishPolicy(on: finishOn, deadline: deadline, detailWait: detailWait),
            baseDirectory: URL(fileURLWithPath: "/pipelines"))
    }
}

extension Array where Element == Watch.Action {
    var events: [WatchEvent] {
        compactMap {
            if case .emit(let event) = $0 { return event }
            return nil
        }
    }

    /// The providers the actions activate, in order.
    var activated: [String] {
        compactMap {
            if case .activate(let id) = $0 { return id }
            return nil
        }
    }

    /// The stages reached, in order.
    var stages: [StageReached] { events.compactMap(\.stageReached) }

    /// The result when the actions end the watch.
    var finished: WatchResult? { events.lazy.compactMap(\.finishedResult).first }

    var notices: [String] {
        events.compactMap {
            if case .notice(_, let message, _) = $0 { return message }
            return nil
        }
    }

    var details: [FailureDetail] {
        events.compactMap {
            if case .detail(let detail, _) = $0 { return detail }
            return nil
        }
    }

    var facts: [String: String] {
        var facts: [String: String] = [:]
        for case .fact(let name, let value, _, _) in events { facts[name] = value }
        return facts
    }

    var healthChanges: [ProviderHealthChange] {
        events.compactMap {
            if case .provider(let change) = $0 { return change }
            return nil
        }
    }
}

extension WatchEvent {
    var stageReached: StageReached? {
        if case .stage(let reached) = self { return reached }
        return nil
    }

    var finishedResult: WatchResult? {
        if case .finished(let result) = self { return result }
        return nil
    }

    var observation: Observation? {
        if case .observation(let observation) = self { return observation }
        return nil
    }
}
