import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

/// The official `google-cloud-aiplatform` client (REST transport) reads custom jobs from the
/// emulator: `Conformance/aiplatform_client.py` lists (all pages, then with a filter), gets a job and
/// gets a missing one, and prints what it read as one JSON object.
@Suite("google-cloud-aiplatform conformance")
struct AiplatformConformanceTests {
    typealias Fixture = VertexFixture

    static let diskMessage =
        "Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb https://cloud.google.com/vertex-ai/docs/reference/rest/v1/DiskSpec and try again."

    @Test("list_custom_jobs (paged and filtered) and get_custom_job read states, errors and labels")
    func listAndGet() async throws {
        let failed = Fixture.jobID(2)
        let timeline = [
            Fixture.createJob(
                at: "0s", id: Fixture.jobID(1), displayName: "other-launch", labels: ["wandb-run-id": "a1b2c3d4"],
                state: "JOB_STATE_RUNNING"),
            Fixture.createJob(
                at: "1s", id: failed, displayName: "train-resnet50", labels: ["wandb-run-id": "p7q2cd34"]),
            Fixture.step("2s", "setJobState", [("id", .string(failed)), ("state", .string("JOB_STATE_RUNNING"))]),
            Fixture.step(
                "5s", "failJob",
                [("id", .string(failed)), ("code", .number(8)), ("message", .string(Self.diskMessage))]),
            Fixture.createJob(at: "6s", id: Fixture.jobID(3), displayName: "expired", state: "JOB_STATE_EXPIRED"),
            Fixture.createJob(at: "7s", id: Fixture.jobID(4), displayName: "paused", state: "JOB_STATE_PAUSED"),
            Fixture.createJob(
                at: "8s", id: Fixture.jobID(5), displayName: "partial", state: "JOB_STATE_PARTIALLY_SUCCEEDED"),
        ]
        let scenario = Fixture.scenario(
            name: "aiplatform", timeline: timeline,
            auth: .object([("accessTokens", .array([.string(Fixture.token)]))]))
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            await harness.state.advance(by: 10)
            let environment = [
                "VERTEX_PROJECT": Fixture.project, "VERTEX_REGION": Fixture.region,
                "VERTEX_FILTER": "labels.wandb-run-id=\"p7q2cd34\" AND create_time>\"2020-01-01T00:00:00Z\"",
                "VERTEX_JOB_ID": failed, "VERTEX_MISSING": Fixture.jobID(99), "VERTEX_TOKEN": Fixture.token,
            ]
            let baseURL = harness.baseURL
            guard
                let output = try await Conformance.detached({
                    try Conformance.python("aiplatform_client.py", emulator: baseURL, environment: environment)
                })
            else { return }
            #expect(output.status == 0, "stderr: \(output.stderr)")
            let result = try JSONParser.parse(output.stdout)

            // Five jobs in pages of two: the pager followed nextPageToken twice.
            #expect(result["pages"]?.asNumber == 3)
            let all = result["all"]?.asArray ?? []
            #expect(
                all.compactMap { $0["state"]?.asString } == [
                    "JOB_STATE_RUNNING", "JOB_STATE_FAILED", "JOB_STATE_EXPIRED", "JOB_STATE_PAUSED",
                    "JOB_STATE_PARTIALLY_SUCCEEDED",
                ])
            #expect(all.first?["labels"] == .object([("wandb-run-id", .string("a1b2c3d4"))]))

            let filtered = result["filtered"]?.asArray ?? []
            #expect(filtered.compactMap { $0["displayName"]?.asString } == ["train-resnet50"])

            let job = try #require(result["job"])
            #expect(
                job["name"]?.asString
                    == "projects/\(Fixture.projectNumber)/locations/\(Fixture.region)/customJobs/\(failed)")
            #expect(job["state"]?.asString == "JOB_STATE_FAILED")
            #expect(job["error"]?["code"]?.asNumber == 8)
            #expect(job["error"]?["message"]?.asString == Self.diskMessage)
            #expect(job["labels"] == .object([("wandb-run-id", .string("p7q2cd34"))]))
            let epoch = await harness.state.epoch
            func offset(_ field: String) -> Double? {
                job[field]?.asString.flatMap(RFC3339.date(from:)).map { $0.timeIntervalSince(epoch) }
            }
            #expect(offset("createTime").map { abs($0 - 1) < 0.001 } == true)
            #expect(offset("startTime").map { abs($0 - 2) < 0.001 } == true)
            #expect(offset("endTime").map { abs($0 - 5) < 0.001 } == true)

            let missing = try #require(result["missing"])
            #expect(missing["type"]?.asString == "NotFound")
            #expect(missing["code"]?.asNumber == 404)
            #expect(missing["message"]?.asString?.contains(Fixture.jobID(99)) == true)

            let counts = Dictionary(
                grouping: await harness.state.requestLog().filter { !$0.route.hasPrefix("control.") }, by: \.route
            ).mapValues(\.count)
            #expect(counts == ["vertex.list": 4, "vertex.get": 2])
        }
    }
}
