import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchWandb
import Testing

/// Every W&B queue item state and run state, through `wandb-launch` and `wandb-run` polls against
/// the emulator, with the stage each maps to by default.
@Suite("W&B states")
struct WandbStateTests {
    typealias W = WandbProviderTests

    static func scenario(_ steps: [String]) -> String {
        """
        {"name": "wandb-states", "timeScale": 0.001,
         "wandb": {"apiKeys": ["sentinel-wandb-key-0123456789abcdefghijklmnopqrstuvwxyz0123"], "entity": "team"},
         "timeline": [\(steps.joined(separator: ",\n"))]}
        """
    }

    static let itemStates: [(state: String, stage: String?)] = [
        ("PENDING", "queued"), ("LEASED", "picked_up"), ("CLAIMED", "picked_up"), ("FAILED", "failed"),
        ("FINISHED", nil),
    ]

    @Test("wandb-launch reports each queue item state, mapped to its stage", arguments: itemStates)
    func itemState(_ state: String, _ stage: String?) async throws {
        let scenario = Self.scenario([
            #"{"at": "0s", "do": "enqueueItem", "item": "item-1", "queue": "gpu", "entity": "team", "name": "train"}"#,
            #"{"at": "1s", "do": "setItemState", "item": "item-1", "state": "\#(state)", "runId": "run-1"}"#,
        ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { emulator in
            let provider = try W.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "item": "item-1", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            await emulator.state.advance(by: 2)
            let observation = try #require(try await W.poll(provider).observations.first)
            #expect(observation.status == state)
            #expect(observation.subject == "item-1")
            let mapped = try #require(WandbLaunchProvider.defaultStageMap[observation.status], "the state is mapped")
            #expect(mapped == stage)
        }
    }

    static let runStates: [(state: String, stage: String?)] = [
        ("pending", nil), ("running", "running"), ("preempting", nil), ("preempted", nil), ("finished", "succeeded"),
        ("failed", "failed"), ("crashed", "failed"), ("killed", "failed"),
    ]

    @Test("wandb-run reports each run state, mapped to its stage", arguments: runStates)
    func runState(_ state: String, _ stage: String?) async throws {
        let scenario = Self.scenario([
            #"{"at": "0s", "do": "createRun", "runId": "run-1", "project": "proj", "entity": "team", "displayName": "train", "state": "pending"}"#,
            #"{"at": "1s", "do": "setRunState", "runId": "run-1", "state": "\#(state)"}"#,
        ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { emulator in
            let provider = try W.make(
                WandbRunProvider.self, #"{"entity": "team", "project": "proj", "run": "run-1", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            await emulator.state.advance(by: 2)
            let observation = try #require(try await W.poll(provider).observations.first)
            #expect(observation.status == state)
            let mapped = try #require(WandbRunProvider.defaultStageMap[observation.status], "the state is mapped")
            #expect(mapped == stage)
        }
    }

    @Test("the stage maps name exactly the documented states")
    func stageMapsCoverEveryState() {
        #expect(Set(WandbLaunchProvider.defaultStageMap.keys) == Set(Self.itemStates.map(\.state)))
        #expect(Set(WandbRunProvider.defaultStageMap.keys) == Set(Self.runStates.map(\.state)))
    }
}
