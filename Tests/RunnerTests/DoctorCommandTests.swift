import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `launchwatch doctor` (the built binary) against `launchwatch emulate`: the seed pipeline passes,
/// and each kind of misconfiguration a new user meets is named with what to fix. Every run carries
/// the sentinel secrets, and `LaunchWatchProcess.finish` fails the test if one is printed.
@Suite("launchwatch doctor against the emulator", .launchWatchSlot)
struct DoctorCommandTests {
    static let entity = "emulated-team"
    static let queue = "vertex-gpu"
    static let project = "launchwatch-demo"

    /// A scenario with the seed's queue and W&B project, plus `faults` and `wandb` settings.
    static func scenario(faults: String = "[]", wandb: String = "{}") -> String {
        """
        {"name": "doctor", "project": "\(project)", "projectNumber": "123456789012", "region": "us-central1",
         "wandb": \(wandb), "faults": \(faults),
         "timeline": [
           {"at": "0s", "do": "enqueueItem", "item": "UnVuUXVldWVJdGVtOjE=", "queue": "\(queue)", "name": "train"},
           {"at": "0s", "do": "createRun", "runId": "k3x9ab12", "project": "resnet", "displayName": "train"}
         ]}
        """
    }

    /// Runs `doctor ARGUMENTS --json` (the bundled seed pipeline) against an emulator playing
    /// `scenario`, with the seed's names unless `variables` overrides them.
    static func doctor(
        scenario: String, variables: [String: String] = [:],
        environment: [String: String] = ["GOOGLE_OAUTH_ACCESS_TOKEN": "t", "WANDB_API_KEY": "k"], json: Bool = true
    ) async throws -> LaunchWatchProcess.Finished {
        let fixtures = try Fixtures()
        let file = try fixtures.write("scenario.json", scenario)
        return try await LaunchWatchProcess.withEmulator(["--scenario", file]) { _, base in
            var given = [
                "entity": entity, "queue": queue, "wandbProject": "resnet", "project": project,
                "wandbBaseURL": base.absoluteString, "vertexEndpoint": base.absoluteString,
                "loggingEndpoint": base.absoluteString,
            ]
            for (name, value) in variables { given[name] = value }
            let arguments =
                ["doctor"] + (json ? ["--json"] : [])
                + given.sorted { $0.key < $1.key }.flatMap { ["--var", "\($0)=\($1)"] }
            // "t" and "k" are replaced by the sentinel secrets (see LaunchWatchProcess); HOME is empty, so
            // no netrc or gcloud credentials of this machine are found.
            var env = environment
            env["HOME"] = fixtures.directory.path
            env["CLOUDSDK_CONFIG"] = fixtures.directory.path
            env["GOOGLE_APPLICATION_CREDENTIALS"] = ""
            return try await LaunchWatchProcess.run(arguments, environment: env)
        }
    }

    static func provider(_ id: String, in result: LaunchWatchProcess.Finished) -> EventLine? {
        result.events?.first { $0.type == "provider" && $0.string("provider") == id }
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: return text
        case .array(let items)?: return items.map { text($0) }.joined(separator: "\n")
        default: return ""
        }
    }

    static func checks(_ line: EventLine?) -> [JSONValue] {
        if case .array(let checks)? = line?.value["checks"] { return checks }
        return []
    }

    @Test("the seed pipeline passes against the emulator: every provider checked, exit 0")
    func seedPipelinePasses() async throws {
        let result = try await Self.doctor(scenario: Self.scenario())
        #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
        let events = try #require(result.events)
        #expect(
            events.filter { $0.type == "provider" }.compactMap { $0.string("provider") }
                == ["queue", "vertex", "vertex-by-name", "run", "logs"])
        for id in ["queue", "vertex", "run", "logs"] {
            #expect(Self.provider(id, in: result)?.string("status") == "ok", "\(id): \(result.stdout)")
        }
        let vertex = Self.provider("vertex", in: result)
        #expect(vertex?.value["credentials"]?["source"] == .string("GOOGLE_OAUTH_ACCESS_TOKEN"))
        #expect(Self.checks(vertex).first?["name"] == .string("customJobs.list"))
        let notes = Self.text(vertex?.value["notes"])
        #expect(notes.contains("not known yet"), "the run id is a fact: listed without the filter, and said so")
        #expect(Self.provider("queue", in: result)?.value["credentials"]?["source"] == .string("WANDB_API_KEY"))
        let verdict = try #require(events.last)
        #expect(verdict.type == "verdict")
        #expect(verdict.bool("passed") == true)
        // The two Vertex providers list in the same project and region: their quota is added up.
        let shared = try #require(
            verdict.value["sharedQuotas"].flatMap { if case .array(let a) = $0 { a } else { nil } })
        #expect(shared.count == 1)
        #expect(shared.first?["providers"] == .array([.string("vertex"), .string("vertex-by-name")]))
        #expect(shared.first?["requestsPerMinute"] == .number(120))
        #expect(shared.first?["limitPerMinute"] == .number(600))
    }

    @Test("a 403 on Vertex listing: exit 1, naming aiplatform.customJobs.list and roles/aiplatform.viewer")
    func vertexPermissionDenied() async throws {
        let result = try await Self.doctor(
            scenario: Self.scenario(faults: #"[{"route": "vertex.list", "action": "permissionDenied"}]"#))
        #expect(result.status == 1, "stdout: \(result.stdout)")
        let vertex = Self.provider("vertex", in: result)
        #expect(vertex?.string("status") == "failed")
        let check = try #require(Self.checks(vertex).first)
        #expect(check["httpStatus"] == .number(403))
        #expect(check["permission"] == .string("aiplatform.customJobs.list"))
        #expect(check["role"] == .string("roles/aiplatform.viewer"))
        #expect(result.events?.last?.value["failed"] == .array([.string("vertex")]))
        // The fallback stand-in that lists the same way is only a warning.
        #expect(Self.provider("vertex-by-name", in: result)?.string("status") == "warning")
    }

    @Test("the text form names the permission and the role on the provider's line")
    func vertexPermissionDeniedText() async throws {
        let result = try await Self.doctor(
            scenario: Self.scenario(faults: #"[{"route": "vertex.list", "action": "permissionDenied"}]"#),
            json: false)
        #expect(result.status == 1)
        let line = try #require(result.lines.first { $0.contains(" vertex (vertex-rest") })
        #expect(line.hasPrefix("FAIL"))
        #expect(line.contains("missing permission aiplatform.customJobs.list — grant roles/aiplatform.viewer"))
        #expect(result.lines.last?.hasPrefix("verdict: NOT ready") == true)
    }

    @Test("a wrong W&B key: exit 1, naming W&B's answer and where the key came from")
    func wrongWandbKey() async throws {
        let result = try await Self.doctor(
            scenario: Self.scenario(wandb: #"{"apiKeys": ["the-right-key-0123456789012345678901234567"]}"#))
        #expect(result.status == 1, "stdout: \(result.stdout)")
        let queue = Self.provider("queue", in: result)
        #expect(queue?.string("status") == "failed")
        #expect(queue?.value["credentials"]?["source"] == .string("WANDB_API_KEY"))
        let viewer = try #require(Self.checks(queue).first)
        #expect(viewer["httpStatus"] == .number(401))
        guard case .string(let message)? = viewer["message"] else {
            Issue.record("no message")
            return
        }
        #expect(message.contains("W&B refused the API key from WANDB_API_KEY"))
        #expect(message.contains("user is not logged in"))
    }

    @Test("a key from ~/.netrc is named by the file and its machine entry")
    func netrcKeySource() async throws {
        let fixtures = try Fixtures()
        let key = SentinelSecrets.environment["WANDB_API_KEY"] ?? ""
        let netrc = try fixtures.write("netrc", "machine 127.0.0.1\n  login user\n  password \(key)\n")
        let result = try await Self.doctor(
            scenario: Self.scenario(), environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "t", "NETRC": netrc])
        let queue = Self.provider("queue", in: result)
        #expect(queue?.value["credentials"]?["source"] == .string("\(netrc) (machine 127.0.0.1)"))
        #expect(queue?.string("status") == "ok", "stdout: \(result.stdout)")
    }

    @Test("a wrong queue name: exit 1, naming the queue")
    func wrongQueue() async throws {
        let result = try await Self.doctor(scenario: Self.scenario(), variables: ["queue": "vertex-gpus"])
        #expect(result.status == 1, "stdout: \(result.stdout)")
        let queue = Self.provider("queue", in: result)
        let check = try #require(Self.checks(queue).last)
        #expect(check["name"] == .string("runQueue"))
        #expect(check["wrongName"] == .string(#"queue "vertex-gpus""#))
        #expect(Self.text(check["message"]).contains(#"did you mean "vertex-gpu"?"#))
        #expect(Self.provider("vertex", in: result)?.string("status") == "ok")
    }

    @Test("a wrong entity: exit 1, naming the entity")
    func wrongEntity() async throws {
        let result = try await Self.doctor(scenario: Self.scenario(), variables: ["entity": "emulated-taem"])
        #expect(result.status == 1, "stdout: \(result.stdout)")
        let check = try #require(Self.checks(Self.provider("queue", in: result)).last)
        #expect(check["wrongName"] == .string(#"entity "emulated-taem""#))
    }

    @Test("a 403 on the logs fallback is a warning, not a failure: exit 0")
    func fallbackFailureIsAWarning() async throws {
        let result = try await Self.doctor(
            scenario: Self.scenario(faults: #"[{"route": "logging.list", "action": "permissionDenied"}]"#))
        #expect(result.status == 0, "stdout: \(result.stdout)")
        let logs = Self.provider("logs", in: result)
        #expect(logs?.string("status") == "warning")
        #expect(Self.checks(logs).first?["role"] == .string("roles/logging.viewer"))
        #expect(result.events?.last?.value["warnings"] == .array([.string("logs")]))
    }

    @Test("without Google credentials, the Google providers fail and say what to set")
    func noGoogleCredentials() async throws {
        let result = try await Self.doctor(
            scenario: Self.scenario(),
            environment: ["WANDB_API_KEY": "k", "PATH": "/nonexistent"])
        #expect(result.status == 1)
        let vertex = Self.provider("vertex", in: result)
        #expect(vertex?.value["credentials"]?["obtained"] == .bool(false))
        let problem = Self.text(vertex?.value["credentials"]?["problem"])
        #expect(problem.contains("no Google credentials"))
    }
}

/// `doctor` with a pipeline of its own: the Cloud Run job get, and the real gcloud's checks.
@Suite("launchwatch doctor: Cloud Run and gcloud providers", .launchWatchSlot)
struct DoctorOtherKindsTests {
    static let stages = """
        [{"id": "submitted", "title": "Submitted"}, {"id": "running", "title": "Running"},
         {"id": "succeeded", "title": "Succeeded", "outcome": "success"},
         {"id": "failed", "title": "Failed", "outcome": "failure"}]
        """

    @Test(
        "cloud-run-execution: the job is got (the execution, a variable not given, is left out); a wrong job is named")
    func cloudRunJob() async throws {
        let fixtures = try Fixtures()
        try await LaunchWatchProcess.withEmulator(["--scenario", "success"]) { _, base in
            let pipeline = try fixtures.write(
                "agent.json",
                """
                {"name": "agent", "variables": {"job": {"default": "launch-agent"}, "execution": {}},
                 "stages": [{"id": "failed", "title": "Failed", "outcome": "failure"}],
                 "providers": [{"id": "agent", "type": "cloud-run-execution",
                   "config": {"project": "launchwatch-demo", "region": "us-central1", "job": "${var.job}",
                              "execution": "${var.execution}", "endpoint": "\(base.absoluteString)"}}]}
                """)
            let environment = ["GOOGLE_OAUTH_ACCESS_TOKEN": "t", "HOME": fixtures.directory.path]
            let good = try await LaunchWatchProcess.run(["doctor", pipeline, "--json"], environment: environment)
            #expect(good.status == 0, "stdout: \(good.stdout) stderr: \(good.stderr)")
            let agent = good.events?.first { $0.string("provider") == "agent" }
            #expect(agent?.string("status") == "ok")
            #expect(DoctorCommandTests.checks(agent).first?["name"] == .string("jobs.get"))
            let notes = DoctorCommandTests.text(agent?.value["notes"])
            #expect(notes.contains("execution is ${var.execution}"))
            let wrong = try await LaunchWatchProcess.run(
                ["doctor", pipeline, "--json", "--var", "job=launch-agnt"], environment: environment)
            #expect(wrong.status == 1)
            let check = DoctorCommandTests.checks(wrong.events?.first { $0.string("provider") == "agent" }).first
            #expect(check?["httpStatus"] == .number(404))
            #expect(check?["wrongName"] == .string(#"job "launch-agnt" (or region "us-central1")"#))
        }
    }

    @Test("vertex-gcloud: gcloud's version, the token file it uses, and its custom-jobs list against the emulator")
    func gcloud() async throws {
        try await LaunchWatchProcess.withEmulator(["--scenario", "success"]) { _, base in
            guard let sandbox = try GcloudSandbox(emulator: base, token: "emulator-token") else {
                if ProcessInfo.processInfo.environment["CI"] != nil {
                    Issue.record("CONFORMANCE NOT RUN: gcloud is not on the PATH")
                }
                return
            }
            defer { sandbox.remove() }
            let fixtures = try Fixtures()
            let env = sandbox.environment.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }
            let pipeline = try fixtures.write(
                "gcloud.json",
                """
                {"name": "gcloud", "stages": \(Self.stages),
                 "providers": [{"id": "vertex", "type": "vertex-gcloud",
                   "config": {"project": "launchwatch-demo", "region": "us-central1", "gcloud": "\(sandbox.gcloud)",
                              "env": {\(env.joined(separator: ", "))},
                              "match": {"displayNamePrefix": "train-"}}}]}
                """)
            let result = try await LaunchWatchProcess.run(
                ["doctor", pipeline, "--json", "--allow-commands"], environment: ["HOME": fixtures.directory.path])
            #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
            let vertex = result.events?.first { $0.string("provider") == "vertex" }
            let source = DoctorCommandTests.text(vertex?.value["credentials"]?["source"])
            #expect(source.hasPrefix("CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"))
            let checks = DoctorCommandTests.checks(vertex)
            #expect(checks.map { $0["name"] } == [.string("gcloud version"), .string("gcloud ai custom-jobs list")])
            let version = DoctorCommandTests.text(checks.first?["message"])
            #expect(version.hasPrefix("Google Cloud SDK "))
        }
    }
}
