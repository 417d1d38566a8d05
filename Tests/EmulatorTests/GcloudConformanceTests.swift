import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

/// The installed `gcloud` CLI reads Vertex AI custom jobs from the emulator.
///
/// Each gcloud call starts Python (about a second), so the tests make few of them.
@Suite("gcloud conformance")
struct GcloudConformanceTests {
    typealias Fixture = VertexFixture

    static let diskMessage =
        "Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb https://cloud.google.com/vertex-ai/docs/reference/rest/v1/DiskSpec and try again."

    /// Runs `gcloud ARGUMENTS` against the emulator at `baseURL` with an isolated configuration and
    /// the fixture's token in a file.
    static func gcloud(_ arguments: [String], baseURL: URL) async throws -> Conformance.Output? {
        guard let gcloud = Conformance.gcloud else {
            Conformance.missing("no gcloud on the PATH")
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "launchwatch-gcloud-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("token")
        try Data("\(Fixture.token)\n".utf8).write(to: tokenFile)
        let configuration = directory.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: configuration, withIntermediateDirectories: true)
        let environment = [
            "CLOUDSDK_CONFIG": configuration.path,
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM": baseURL.absoluteString + "/",
            "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE": tokenFile.path,
            "CLOUDSDK_CORE_PROJECT": Fixture.project,
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "1",
            "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "1",
        ]
        return try await Conformance.detached {
            try Conformance.run(gcloud, arguments, environment: environment, timeout: 60)
        }
    }

    /// Only the fixture's token is accepted, so a passing test shows gcloud sent the token file's.
    static func scenario(timeline: [JSONValue]) -> String {
        Fixture.scenario(
            name: "gcloud", timeline: timeline, auth: .object([("accessTokens", .array([.string(Fixture.token)]))]))
    }

    @Test("`gcloud ai custom-jobs list` follows every page and reads every job, state, label and error")
    func list() async throws {
        let count = 205
        var timeline = (1...count).map { number in
            Fixture.createJob(
                id: Fixture.jobID(number), displayName: "train-\(number)", labels: ["wandb-run-id": "run-\(number)"])
        }
        timeline.append(
            Fixture.step(
                "1s", "setJobState", [("id", .string(Fixture.jobID(2))), ("state", .string("JOB_STATE_RUNNING"))]))
        timeline.append(
            Fixture.step(
                "2s", "failJob",
                [("id", .string(Fixture.jobID(3))), ("code", .number(8)), ("message", .string(Self.diskMessage))]))
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(timeline: timeline)) { harness in
            await harness.state.advance(by: 3)
            guard
                let output = try await Self.gcloud(
                    ["ai", "custom-jobs", "list", "--region=\(Fixture.region)", "--format=json"],
                    baseURL: harness.baseURL)
            else { return }
            #expect(output.status == 0, "stderr: \(output.stderr)")
            let jobs = try JSONParser.parse(output.stdout).asArray
            #expect(jobs.count == count)
            // gcloud sorts nothing by default: the server's order, page after page.
            #expect(jobs.compactMap { $0["displayName"]?.asString } == (1...count).map { "train-\($0)" })
            #expect(
                jobs.first?["name"]?.asString
                    == "projects/\(Fixture.projectNumber)/locations/\(Fixture.region)/customJobs/\(Fixture.jobID(1))")
            #expect(jobs.first?["state"]?.asString == "JOB_STATE_QUEUED")
            #expect(jobs.first?["labels"]?["wandb-run-id"]?.asString == "run-1")
            #expect(jobs.dropFirst().first?["state"]?.asString == "JOB_STATE_RUNNING")
            #expect(jobs.dropFirst().first?["startTime"]?.asString != nil)
            let failed = jobs.dropFirst(2).first
            #expect(failed?["state"]?.asString == "JOB_STATE_FAILED")
            #expect(failed?["error"]?["message"]?.asString == Self.diskMessage)
            #expect(failed?["error"]?["code"]?.asNumber == 8)

            // Three pages of at most 100, one request each, every one authorised.
            let log = await harness.state.requestLog().filter { $0.route == "vertex.list" }
            #expect(log.count == 3)
            #expect(log.allSatisfy { $0.status == 200 })
        }
    }

    @Test("`gcloud ai custom-jobs describe` prints a failed job's error; a missing job is NOT_FOUND on stderr")
    func describe() async throws {
        let id = "7788990011223344556"
        let timeline = [
            Fixture.createJob(
                at: "4s", id: id, displayName: "train-resnet50", labels: ["wandb-run-id": "p7q2cd34"]),
            Fixture.step("6s", "setJobState", [("id", .string(id)), ("state", .string("JOB_STATE_PENDING"))]),
            Fixture.step(
                "9s", "failJob", [("id", .string(id)), ("code", .number(8)), ("message", .string(Self.diskMessage))]),
        ]
        try await EmulatorHarness.with(scenarioJSON: Self.scenario(timeline: timeline)) { harness in
            await harness.state.advance(by: 10)
            guard
                let found = try await Self.gcloud(
                    ["ai", "custom-jobs", "describe", id, "--region=\(Fixture.region)", "--format=json"],
                    baseURL: harness.baseURL)
            else { return }
            #expect(found.status == 0, "stderr: \(found.stderr)")
            let job = try JSONParser.parse(found.stdout)
            #expect(job["state"]?.asString == "JOB_STATE_FAILED")
            #expect(job["error"]?["message"]?.asString == Self.diskMessage)
            #expect(job["labels"]?["wandb-run-id"]?.asString == "p7q2cd34")
            #expect(job["endTime"]?.asString != nil)
            #expect(found.stdout.contains("Replicas low on disk"))

            let missingID = "1111111111111111111"
            guard
                let missing = try await Self.gcloud(
                    ["ai", "custom-jobs", "describe", missingID, "--region=\(Fixture.region)", "--format=json"],
                    baseURL: harness.baseURL)
            else { return }
            #expect(missing.status == 1)
            #expect(missing.stdout.isEmpty)
            #expect(
                missing.stderr.contains("ERROR: (gcloud.ai.custom-jobs.describe) NOT_FOUND: "),
                "stderr: \(missing.stderr)")
            #expect(missing.stderr.contains(missingID))

            let gets = await harness.state.requestLog().filter { $0.route == "vertex.get" }
            #expect(gets.map(\.status) == [200, 404])
        }
    }
}
