import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchWandb
import Testing

/// The W&B providers against the emulator's GraphQL API over loopback.
@Suite("W&B providers")
struct WandbProviderTests {
    static let startedAt = Date()

    static let scenario = """
        {"name": "wandb", "timeScale": 0.001,
         "wandb": {"apiKeys": ["sentinel-wandb-key-0123456789abcdefghijklmnopqrstuvwxyz0123"], "entity": "team"},
         "timeline": [
           {"at": "0s", "do": "enqueueItem", "item": "item-1", "queue": "gpu", "entity": "team", "name": "train-a"},
           {"at": "0s", "do": "enqueueItem", "item": "item-2", "queue": "gpu", "entity": "team", "name": "train-b"},
           {"at": "0s", "do": "enqueueItem", "item": "item-3", "queue": "gpu", "entity": "team", "name": "train-b"},
           {"at": "2s", "do": "setItemState", "item": "item-1", "state": "LEASED"},
           {"at": "3s", "do": "claimItem", "item": "item-1", "runId": "run-aaa1"},
           {"at": "3s", "do": "failItem", "item": "item-2", "stage": "run", "message": "Machine type is not supported."},
           {"at": "4s", "do": "createRun", "runId": "run-aaa1", "project": "proj", "entity": "team", "displayName": "train-a", "state": "pending"},
           {"at": "5s", "do": "setRunState", "runId": "run-aaa1", "state": "running"},
           {"at": "6s", "do": "setRunState", "runId": "run-aaa1", "state": "crashed"}
         ]}
        """

    static let environment = ["WANDB_API_KEY": "sentinel-wandb-key-0123456789abcdefghijklmnopqrstuvwxyz0123"]

    static func make<P: Provider>(
        _ type: P.Type, _ config: String, base: URL, environment: [String: String] = environment
    )
        throws -> P
    {
        let json = try JSONParser.parse(config.replacingOccurrences(of: "BASE", with: base.absoluteString))
        let configuration = try JSONValueDecoder().decode(P.Configuration.self, from: json)
        let context = ProviderContext(
            id: "p", baseDirectory: URL(fileURLWithPath: "/"), environment: environment, startedAt: startedAt)
        return try P(configuration: configuration, context: context)
    }

    static func poll<P: Provider>(_ provider: P) async throws -> PollResult {
        try await provider.poll(PollContext(now: Date(), startedAt: startedAt, attempt: 0))
    }

    @Test("wandb-launch follows an item from PENDING through LEASED to CLAIMED and publishes run_id")
    func launchItemStates() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            let provider = try Self.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "item": "item-1", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            var seen: [(String, [String: String])] = []
            for step in [0.0, 2.5, 1.0] {
                await emulator.state.advance(by: step)
                let observation = try #require(try await Self.poll(provider).observations.first)
                seen.append((observation.status, observation.facts))
            }
            #expect(seen.map(\.0) == ["PENDING", "LEASED", "CLAIMED"])
            #expect(seen.map(\.1) == [[:], [:], ["run_id": "run-aaa1"]], "the run id appears only once claimed")
        }
    }

    @Test("wandb-launch reports a FAILED item with the agent's message as detail")
    func launchItemFailure() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            await emulator.state.advance(by: 4)
            let provider = try Self.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "item": "item-2", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            let observation = try #require(try await Self.poll(provider).observations.first)
            #expect(observation.status == "FAILED")
            #expect(observation.detail == FailureDetail(code: "run", message: "Machine type is not supported."))
        }
    }

    @Test("wandb-launch finds an item by its launch spec's name, and reports two of the same name as ambiguous")
    func launchItemByName() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            let single = try Self.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "name": "train-a", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            #expect(try await Self.poll(single).observations.map(\.subject) == ["item-1"])
            let twice = try Self.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "name": "train-b", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            let result = try await Self.poll(twice)
            #expect(result.observations.isEmpty)
            let notice = try #require(result.notices.first)
            #expect(notice.contains("2 queue items") && notice.contains("item-2") && notice.contains("item-3"))
        }
    }

    @Test("wandb-run is 'not yet' before the run exists, then follows its states")
    func runStates() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            let provider = try Self.make(
                WandbRunProvider.self, #"{"entity": "team", "project": "proj", "run": "run-aaa1", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            #expect(try await Self.poll(provider).observations.isEmpty)
            var states: [String] = []
            for step in [4.5, 1.0, 1.0] {
                await emulator.state.advance(by: step)
                states += try await Self.poll(provider).observations.map(\.status)
            }
            #expect(states == ["pending", "running", "crashed"])
        }
    }

    @Test("the API key comes from WANDB_API_KEY or the netrc entry of the API host; a wrong key is a clear error")
    func keyLookup() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netrc-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let host = emulator.baseURL.host ?? "127.0.0.1"
            try
                "machine example.com login api password other\nmachine \(host)\n  login api\n  password sentinel-wandb-key-0123456789abcdefghijklmnopqrstuvwxyz0123\n"
                .write(to: folder.appendingPathComponent(".netrc"), atomically: true, encoding: .utf8)
            let viaNetrc = try Self.make(
                WandbRunProvider.self, #"{"entity": "team", "project": "proj", "run": "nope", "baseURL": "BASE"}"#,
                base: emulator.baseURL, environment: ["HOME": folder.path])
            #expect(try await Self.poll(viaNetrc).observations.isEmpty, "authenticated through netrc")

            let wrong = try Self.make(
                WandbRunProvider.self, #"{"entity": "team", "project": "proj", "run": "nope", "baseURL": "BASE"}"#,
                base: emulator.baseURL,
                environment: ["WANDB_API_KEY": "wrong-key-0000000000000000000000000000000000000000"])
            let error = try await #require(throws: ProviderError.self) { try await Self.poll(wrong) }
            #expect(!error.message.contains("wrong-key"))

            #expect(throws: ProviderError.self) {
                try Self.make(
                    WandbRunProvider.self, #"{"entity": "team", "project": "proj", "run": "x", "baseURL": "BASE"}"#,
                    base: emulator.baseURL, environment: ["HOME": "/nonexistent"])
            }
        }
    }

    @Test("a 429 from W&B is a provider error whose retry hint comes from RateLimit-Reset")
    func rateLimited() async throws {
        let scenario = Self.scenario.replacingOccurrences(
            of: #""timeline": ["#,
            with:
                #""faults": [{"route": "wandb.graphql", "status": 429, "headers": {"RateLimit-Reset": "7"}}], "timeline": ["#
        )
        try await EmulatorHarness.with(scenarioJSON: scenario) { emulator in
            let provider = try Self.make(
                WandbLaunchProvider.self, #"{"entity": "team", "queue": "gpu", "item": "item-1", "baseURL": "BASE"}"#,
                base: emulator.baseURL)
            let error = try await #require(throws: ProviderError.self) { try await Self.poll(provider) }
            #expect(error.code == "http_429")
            #expect(error.retryAfter == .seconds(7))
        }
    }

    @Test("GraphQL errors are provider errors carrying the server's message, never the key")
    func graphQLErrors() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            let client = try WandbAPIClient(
                baseURL: emulator.baseURL.absoluteString,
                context: ProviderContext(
                    id: "w", baseDirectory: FileManager.default.temporaryDirectory, environment: Self.environment,
                    startedAt: Date()),
                timeout: .seconds(10))
            let error = try await #require(throws: ProviderError.self) {
                try await client.query("query { viewer { id }", variables: [])
            }
            #expect(error.message.hasPrefix("W&B: "))
            #expect(error.message.contains("Syntax Error"))
            #expect(!error.message.contains("sentinel-wandb-key"))
        }
    }
}
