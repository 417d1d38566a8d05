import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

@Suite("launchwatch emulate (the built binary)", .launchWatchSlot)
struct EmulateCommandTests {
    @Test("emulate prints its address and serves the bundled scenario; Ctrl-C stops it")
    func servesBundledScenario() async throws {
        let (process, base) = try await LaunchWatchProcess.emulate(["--scenario", "vertex-disk-too-small"])
        #expect(base.host == "127.0.0.1" && (base.port ?? 0) > 0)
        #expect(
            try await LaunchWatchProcess.post(base.appendingPathComponent("_emulator/advance"), #"{"by": "10s"}"#)
                == 200)
        var request = URLRequest(
            url: base.appendingPathComponent(
                "v1/projects/launchwatch-demo/locations/us-central1/customJobs/7788990011223344556"))
        request.setValue("Bearer any", forHTTPHeaderField: "Authorization")
        let (status, body) = try await LaunchWatchProcess.send(request)
        #expect(status == 200)
        let job = try JSONParser.parse(body)
        #expect(job["state"] == .string("JOB_STATE_FAILED"))
        process.send(signal: SIGINT)
        let result = await process.finish()
        #expect(result.status == 130 || result.status == 0, "stderr: \(result.stderr)")
    }

    @Test("gcloud ai custom-jobs describe against `emulate --scenario vertex-disk-too-small` prints the seed's error")
    func gcloudDescribesTheSeedFailure() async throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        guard
            let gcloud = path.split(separator: ":").map({ "\($0)/gcloud" }).first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("CONFORMANCE NOT RUN: gcloud is not on the PATH")
            }
            return
        }
        try await LaunchWatchProcess.withEmulator(["--scenario", "vertex-disk-too-small"]) { _, base in
            #expect(
                try await LaunchWatchProcess.post(base.appendingPathComponent("_emulator/advance"), #"{"by": "10s"}"#)
                    == 200)
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("gcloud-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
            let token = config.appendingPathComponent("token")
            try "emulator-token\n".write(to: token, atomically: true, encoding: .utf8)
            var environment: [String: String] = [:]
            environment["CLOUDSDK_CONFIG"] = config.path
            environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM"] = base.absoluteString + "/"
            environment["CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"] = token.path
            environment["CLOUDSDK_CORE_PROJECT"] = "launchwatch-demo"
            environment["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1"
            let describe = try await ProgramRun.run(
                gcloud,
                ["ai", "custom-jobs", "describe", "7788990011223344556", "--region=us-central1", "--format=json"],
                environment: environment)
            #expect(describe.status == 0 && !describe.signalled)
            let text = describe.stdout
            #expect(text.contains("Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb"))
            #expect(text.contains("\"state\": \"JOB_STATE_FAILED\""))
        }
    }

    @Test("an unknown scenario is a usage error that suggests the nearest bundled one")
    func unknownScenario() async throws {
        let result = try await LaunchWatchProcess.run(["emulate", "--scenario", "sucess"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("did you mean \"success\"?"))
    }
}
