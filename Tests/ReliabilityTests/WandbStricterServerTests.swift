import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

/// The shipped seed pipeline (Examples/pipelines/wandb-launch-vertex.json) against a W&B server that
/// is stricter or older than the default emulator — one that knows only the run-queue item fields
/// the official client reads (`id state associatedRunId`), one without `runQueueItem(id:)` — and
/// against the default one: every time queued → picked up → the Vertex job found through
/// `${fact.run_id}` → failed with the job's own message. Every GraphQL document the W&B providers
/// sent must have validated against the emulator's schema (`CONTRACT-WANDB.md`).
@Suite("The seed chain against stricter and older W&B servers")
struct WandbStricterServerTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let diskMessage =
        "Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb https://cloud.google.com/vertex-ai/docs/reference/rest/v1/DiskSpec and try again."

    /// The bundled seed scenario, twice as fast, with `server` added to its `wandb` object.
    static func scenario(_ server: String) throws -> String {
        let text = try String(
            contentsOf: repository.appendingPathComponent("Examples/scenarios/vertex-disk-too-small.json"),
            encoding: .utf8)
        return text.replacingOccurrences(of: #""timeScale": 1,"#, with: #""timeScale": 2, "wandb": {\#(server)},"#)
    }

    static let servers: [(name: String, keys: String, notice: String?)] = [
        ("the default emulator", "", nil),
        (
            "only id, state and associatedRunId on RunQueueItem", #""strictQueueItems": true"#,
            "optional queue-item details"
        ),
        ("no runQueueItem(id:) (older W&B Server)", #""runQueueItemById": false"#, "does not know runQueueItem(id:)"),
    ]

    @Test(
        "the seed chain ends failed with the job's message, and the W&B providers sent only valid documents",
        arguments: servers)
    func seedChain(_ server: (name: String, keys: String, notice: String?)) async throws {
        let emulator = Emulator(scenario: try Scenario(json: Data(try Self.scenario(server.keys).utf8)))
        // Left running until the process ends, as the fault matrix's servers are: a poll the watch
        // abandoned when it finished may still connect, and a server stopping under a new
        // connection trips an assertion in NIO.
        _ = Task { try await emulator.run() }
        let base = try await emulator.baseURL().absoluteString
        let startedAt = Date()
        let pipeline = try Data(
            contentsOf: Self.repository.appendingPathComponent("Examples/pipelines/wandb-launch-vertex.json"))
        let variables = [
            "entity": "emulated-team", "queue": "vertex-gpu", "item": "UnVuUXVldWVJdGVtOjI3MTgz",
            "wandbProject": "resnet", "project": "launchwatch-demo", "wandbBaseURL": base, "vertexEndpoint": base,
            "loggingEndpoint": base,
        ]
        let loaded = try PipelineLoader(registry: BuiltinProviders.registry()).load(
            pipeline, baseDirectory: URL(fileURLWithPath: "/"),
            options: .init(
                variables: variables, environment: SentinelSecrets.environment, startedAt: startedAt,
                deadline: .seconds(20)))
        let watcher = Watcher(
            pipeline: loaded.pipeline, clock: ContinuousClock(), startedAt: startedAt,
            environment: SentinelSecrets.environment, randomSeed: 7)
        let run = Task { await watcher.run() }
        var events: [WatchEvent] = []
        for await event in watcher.events { events.append(event) }
        let result = await run.value

        #expect(result.outcome == .failure, "\(server.name): ended \(result.outcome)")
        #expect(result.detail?.message == Self.diskMessage, "\(server.name)")
        #expect(result.detail?.source == "vertex", "the job's own message, from Vertex AI")
        let reached = result.timeline.map(\.stage.id)
        // `submitted` lasts 2.5 s of this scenario: a loaded machine may see the job only once failed.
        #expect(reached.prefix(2) == ["queued", "picked_up"], "\(server.name): \(reached)")
        #expect(reached.last == "failed")
        let facts = events.compactMap { event -> String? in
            if case .fact(let name, let value, let source, _) = event { return "\(source): \(name)=\(value)" }
            return nil
        }
        // The queue published the run id; the `vertex` provider found the job by that id's label.
        #expect(facts.first == "queue: run_id=p7q2cd34", "\(server.name): \(facts)")
        #expect(
            facts.dropFirst().first.map { $0.hasPrefix("vertex: job_id=") && $0.hasSuffix("7788990011223344556") }
                == true, "\(server.name): \(facts)")
        let degraded = events.contains {
            if case .provider(let change) = $0, change.provider == "queue", change.health == .degraded {
                return true
            }
            return false
        }
        #expect(!degraded, "\(server.name): the queue provider never degrades over its own optional feature")
        let notices = events.compactMap { event -> String? in
            if case .notice(let provider, let message, _) = event, provider == "queue" { return message }
            return nil
        }
        if let expected = server.notice {
            // The older server refuses the first poll; the stricter one the first request for the
            // extras, which a poll wants only while the item is PENDING or FAILED.
            let matching = notices.filter { $0.contains(expected) }.count
            #expect(matching == 1 || (matching == 0 && server.keys.contains("strict")), "\(notices)")
            #expect(notices.count <= 1, "at most one notice: \(notices)")
        } else {
            #expect(notices.isEmpty, "\(notices)")
        }

        let log = await emulator.state.graphQLLog()
        let refusedByDesign = log.filter { !$0.isValid }
        // The one refusal a stricter server is allowed: the first try of what it does not have,
        // after which the provider stopped asking.
        #expect(refusedByDesign.count <= (server.notice == nil ? 0 : 1), "\(server.name): \(refusedByDesign)")
        #expect(log.contains { $0.operation == "Run" || $0.operation == "RunBatch" }, "the run was followed too")
    }
}
