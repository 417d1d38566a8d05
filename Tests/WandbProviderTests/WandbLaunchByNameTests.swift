import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchWandb
import Testing

/// `wandb-launch` with `name` on a server that knows only the queue-item fields the official client
/// reads (`strictQueueItems`: no `runSpec`): with `runProject`, the item is found through the run
/// whose display name is the name and the item whose `associatedRunId` is that run's id.
@Suite("wandb-launch by name on a strict W&B server")
struct WandbLaunchByNameTests {
    typealias W = WandbProviderTests

    static func scenario(strict: Bool) -> String {
        WandbStateTests.scenario([
            #"{"at": "0s", "do": "enqueueItem", "item": "item-0", "queue": "gpu", "entity": "team", "name": "other"}"#,
            #"{"at": "0s", "do": "enqueueItem", "item": "item-1", "queue": "gpu", "entity": "team", "name": "train-k3x9ab"}"#,
            #"{"at": "1s", "do": "claimItem", "item": "item-0", "runId": "run-0"}"#,
            #"{"at": "2s", "do": "claimItem", "item": "item-1", "runId": "run-1"}"#,
            #"{"at": "1s", "do": "createRun", "runId": "run-0", "project": "proj", "displayName": "other", "state": "running"}"#,
            #"{"at": "3s", "do": "createRun", "runId": "run-1", "project": "proj", "displayName": "train-k3x9ab", "state": "running"}"#,
        ]).replacingOccurrences(
            of: #""entity": "team"}"#,
            with: strict ? #""entity": "team", "strictQueueItems": true}"# : #""entity": "team"}"#)
    }

    static func provider(_ emulator: EmulatorHarness, runProject: Bool = true) throws -> WandbLaunchProvider {
        let project = runProject ? #", "runProject": "proj""# : ""
        return try W.make(
            WandbLaunchProvider.self,
            #"{"entity": "team", "queue": "gpu", "name": "train-k3x9ab"\#(project), "baseURL": "BASE"}"#,
            base: emulator.baseURL)
    }

    @Test("found through the run's display name and associatedRunId, once the run exists; every document valid")
    func strictServerFindsItemThroughRun() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(strict: true)) { emulator in
            let provider = try Self.provider(emulator)
            await emulator.state.advance(by: 2.5)
            let early = try await W.poll(provider)
            #expect(early.observations.isEmpty, "no run named so yet")
            #expect(early.notices.count == 1)
            #expect(early.notices.first?.contains("found through the run of that display name") == true)
            await emulator.state.advance(by: 1)
            let found = try await W.poll(provider)
            #expect(found.observations.map(\.status) == ["CLAIMED"])
            #expect(found.observations.first?.facts["run_id"] == "run-1")
            #expect(found.observations.first?.subject == "item-1")
            #expect(found.notices.isEmpty, "the notice is given once")
            // From now on the item is polled by its id, with the client's own query.
            let next = try await W.poll(provider)
            #expect(next.observations.first?.subject == "item-1")
            let log = await emulator.state.graphQLLog()
            #expect(log.contains { $0.operation == "RunsByDisplayName" && $0.isValid })
            #expect(log.contains { $0.operation == "GetRunQueueItems" && $0.isValid })
            #expect(
                log.filter { !$0.isValid }.compactMap(\.operation) == ["RunQueueItems"], "only the spec search refused")
        }
    }

    @Test("without runProject, a strict server's refusal is still the error that says to give item")
    func strictServerWithoutRunProject() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(strict: true)) { emulator in
            let provider = try Self.provider(emulator, runProject: false)
            await emulator.state.advance(by: 3.5)
            await #expect(throws: ProviderError.self) { try await W.poll(provider) }
        }
    }

    @Test("a server that serves launch specs is searched by spec, as before, also with runProject")
    func fullServerUsesSpecs() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(strict: false)) { emulator in
            let provider = try Self.provider(emulator)
            await emulator.state.advance(by: 0.5)
            let queued = try await W.poll(provider)
            #expect(queued.observations.map(\.status) == ["PENDING"], "queued is seen before any run exists")
            let log = await emulator.state.graphQLLog()
            #expect(!log.contains { $0.operation == "RunsByDisplayName" })
        }
    }
}
