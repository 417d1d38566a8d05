import Foundation
import LaunchWatchCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The seed flow end to end: the built binary's `demo` (emulator in process) and the shipped
/// wandb-launch-vertex.json pipeline against `launchwatch emulate`, with the NDJSON events asserted.
@Suite("The seed flow (W&B Launch -> Vertex AI) end to end", .launchWatchSlot)
struct SeedFlowTests {
    static let pipeline = Fixtures.repository.appendingPathComponent("Examples/pipelines/wandb-launch-vertex.json").path
    static let diskMessage =
        "Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb https://cloud.google.com/vertex-ai/docs/reference/rest/v1/DiskSpec and try again."

    private func stages(_ events: [EventLine]) -> [String] {
        events.filter { $0.type == "stage" }.compactMap { $0.string("stage") }
    }

    @Test("demo (vertex-disk-too-small) exits 1 with Vertex AI's full message, and says when logs would have shown it")
    func demoShowsTheSeedFailure() async throws {
        let result = try await LaunchWatchProcess.run(["demo"], environment: ["NO_COLOR": "1"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("why: \(Self.diskMessage)"))
        #expect(result.stdout.contains("A logs-only watch would have shown this failure at +3m09s"))
    }

    @Test("demo --json follows the fact chain: queued, picked up (run_id), submitted (job_id), failed with detail")
    func demoEventsFollowTheFactChain() async throws {
        let result = try await LaunchWatchProcess.run(["demo", "--json"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        #expect(stages(events) == ["queued", "picked_up", "submitted", "failed"])
        let facts = events.filter { $0.type == "fact" }.compactMap { $0.string("name") }
        #expect(facts == ["run_id", "job_id"])
        let detail = try #require(events.first { $0.type == "detail" })
        #expect(detail.string("message") == Self.diskMessage)
        #expect(detail.string("source") == "vertex")
        let failed = try #require(events.first { $0.string("stage") == "failed" })
        if case .number(let lag)? = failed.value["lagSeconds"] {
            #expect(lag <= 2.5, "detail from the Vertex API within two poll intervals of the failure")
        } else {
            Issue.record("the failure carries the job's endTime as backend time")
        }
    }

    @Test("demo --scenario success exits 0 once training runs")
    func demoSuccess() async throws {
        let result = try await LaunchWatchProcess.run(["demo", "--scenario", "success", "--json", "--speed", "5"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        #expect(stages(events) == ["queued", "picked_up", "submitted", "running"])
        #expect(events.last?.string("outcome") == "success")
    }

    @Test("demo --scenario agent-fails-before-vertex reports the queue item's message")
    func demoAgentFailure() async throws {
        let result = try await LaunchWatchProcess.run([
            "demo", "--scenario", "agent-fails-before-vertex", "--json", "--speed", "2",
        ])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        let detail = try #require(events.first { $0.type == "detail" })
        #expect(detail.string("message") == "400 Machine type \"a2-highgpu-16g\" is not supported.")
        #expect(detail.string("source") == "queue")
    }

    @Test("demo --scenario wandb-down: with W&B down, the job is found by the launch's name and Vertex alone decides")
    func demoWandbDown() async throws {
        // At speed 2, W&B answers nothing for the first 20 s; the job is running from 9 s.
        let result = try await LaunchWatchProcess.run(
            ["demo", "--scenario", "wandb-down", "--json", "--speed", "2", "--var", "finishOn=running"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        let degraded = try #require(
            events.firstIndex {
                $0.type == "provider" && $0.string("provider") == "queue" && $0.string("health") == "degraded"
            })
        let activated = try #require(
            events.firstIndex { $0.type == "activated" && $0.string("provider") == "vertex-by-name" })
        #expect(degraded <= activated, "the stand-in starts only once the queue is degraded")
        #expect(events[activated].string("reason") == "degraded queue")
        let reached = events.filter { $0.type == "stage" && $0.value["inferred"] == .bool(false) }
        #expect(reached.map { $0.string("stage") ?? "" } == ["submitted", "running"])
        #expect(reached.allSatisfy { $0.string("source") == "vertex-by-name" }, "Vertex alone decides")
        #expect(!events.contains { $0.type == "fact" && $0.string("name") == "run_id" }, "W&B never answered")
        #expect(events.last?.string("outcome") == "success")
    }

    @Test("without --var name, the name-matching stand-in is left out, and the run says so")
    func standInNeedsTheName() async throws {
        let result = try await LaunchWatchProcess.run(
            [
                "run", Self.pipeline, "--json", "--deadline", "1s", "--var", "entity=e", "--var", "queue=q", "--var",
                "item=i", "--var", "wandbProject=w", "--var", "project=p", "--var", "wandbBaseURL=http://127.0.0.1:9",
                "--var", "vertexEndpoint=http://127.0.0.1:9", "--var", "loggingEndpoint=http://127.0.0.1:9",
            ],
            environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "t", "WANDB_API_KEY": "k"])
        #expect(result.status == 2, "the deadline ends it: stderr: \(result.stderr)")
        let events = try #require(result.events)
        let notice = events.first { $0.type == "notice" && $0.string("provider") == "vertex-by-name" }
        #expect(notice?.string("message") == #"provider "vertex-by-name" is left out: it needs --var name=VALUE"#)
        #expect(!events.contains { $0.type == "activated" && $0.string("provider") == "vertex-by-name" })
    }

    @Test("runtime-crash-logs-only: Vertex's 'exited with status 1' waits for the traceback from the logs")
    func crashDetailFromLogs() async throws {
        let result = try await LaunchWatchProcess.run(
            ["demo", "--scenario", "runtime-crash-logs-only", "--json", "--speed", "20", "--var", "finishOn=succeeded"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        let failed = try #require(events.firstIndex { $0.type == "stage" && $0.string("stage") == "failed" })
        let activated = try #require(events.firstIndex { $0.type == "activated" && $0.string("provider") == "logs" })
        #expect(failed < activated, "the logs are read only once the failure has no conclusive message")
        let details = events.filter { $0.type == "detail" }
        #expect(details.count == 1)
        #expect(details.first?.string("source") == "logs")
        #expect(details.first?.string("code") == "out_of_memory")
        #expect(details.first?.string("message")?.contains("torch.OutOfMemoryError: CUDA out of memory") == true)
    }

    @Test("vertex-api-outage: Vertex AI degraded, the logs read while it is, and the outcome still right")
    func vertexOutage() async throws {
        let result = try await LaunchWatchProcess.run([
            "demo", "--scenario", "vertex-api-outage", "--json", "--speed", "4",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        let health = events.enumerated().filter {
            $0.element.type == "provider" && $0.element.string("provider") == "vertex"
        }
        #expect(health.compactMap { $0.element.string("health") } == ["degraded", "recovered"])
        #expect(health.first?.element.string("message")?.contains("Vertex AI answered") == true)
        let logs = try #require(events.firstIndex { $0.type == "activated" && $0.string("provider") == "logs" })
        if let degraded = health.first?.offset, let recovered = health.last?.offset {
            #expect(degraded < logs && logs < recovered, "the logs fallback starts while Vertex AI is degraded")
        }
        #expect(events[logs].string("reason")?.contains("degraded vertex") == true)
        #expect(stages(events).last == "running")
        #expect(!stages(events).contains("failed"), "an API outage is not a failed launch")
        #expect(!events.contains { $0.type == "detail" }, "the logs hold no error, so none is reported")
    }

    @Test("two watches of two-launches-overlap each report their own launch")
    func overlappingLaunches() async throws {
        try await LaunchWatchProcess.withEmulator(["--scenario", "two-launches-overlap"]) { _, base in
            #expect(
                try await LaunchWatchProcess.post(base.appendingPathComponent("_emulator/advance"), #"{"by": "15s"}"#)
                    == 200)
            func watch(_ item: String) throws -> LaunchWatchProcess {
                try LaunchWatchProcess(
                    [
                        "run", Self.pipeline, "--json", "--deadline", "30s", "--var", "entity=emulated-team", "--var",
                        "queue=vertex-gpu", "--var", "item=\(item)", "--var", "wandbProject=sweep", "--var",
                        "project=launchwatch-demo", "--var", "wandbBaseURL=\(base.absoluteString)", "--var",
                        "vertexEndpoint=\(base.absoluteString)", "--var", "loggingEndpoint=\(base.absoluteString)",
                    ],
                    environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "t", "WANDB_API_KEY": "k"])
            }
            let first = try watch("UnVuUXVldWVJdGVtOjMwMDAx")
            let second = try watch("UnVuUXVldWVJdGVtOjMwMDAy")
            let (a, b) = (await first.finish(), await second.finish())
            #expect(a.status == 1 && b.status == 0, "a: \(a.stderr) b: \(b.stderr)")
            let jobA = a.events?.first { $0.string("name") == "job_id" }?.string("value")
            let jobB = b.events?.first { $0.string("name") == "job_id" }?.string("value")
            #expect(jobA == "6660000000000000001")
            #expect(jobB == "6660000000000000002")
            #expect(
                a.events?.first { $0.type == "detail" }?.string("message")?.hasPrefix("Replicas low on disk") == true)
        }
    }
}
