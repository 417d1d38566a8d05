import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

/// A pipeline is shared content: it must never decide where the credentials of whoever runs it go.
///
/// The destinations that must receive nothing are reached through `0.0.0.0`, which the kernel routes
/// to this machine's loopback (a `ConnectionRecorder` on 127.0.0.1 receives what is sent there) but
/// which is not a loopback *name*: before confinement, launchwatch sent the W&B key, the access token
/// and the user's refresh token there; now the pipeline is refused before any connection, and the
/// listener proves that nothing was sent. All traffic stays on this machine. Hosts that only a DNS
/// lookup could reach (`collector.invalid`) are refused the same way, without a lookup.
@Suite("credentials go only where they belong", .launchWatchSlot)
struct CredentialConfinementTests {
    /// One foreign destination: the provider entry naming it and the field the error must name.
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        /// `type` and `config` of the one provider, with `HOST` standing for the destination's authority.
        var provider: String
        var field: String
        /// The Google credential the run has: an access token, the user's authorized_user file
        /// (`GOOGLE_APPLICATION_CREDENTIALS`), or none, so that the metadata server is asked.
        var google = Google.accessToken

        enum Google { case accessToken, userFile, none }
    }

    static let cases = [
        Case(
            testDescription: "a W&B baseURL",
            provider:
                #""type": "wandb-launch", "config": {"entity": "e", "queue": "q", "item": "i", "baseURL": "SCHEME://HOST"}"#,
            field: "providers[0].config.baseURL"),
        Case(
            testDescription: "a Vertex AI endpoint",
            provider:
                #""type": "vertex-rest", "config": {"project": "p", "region": "us-central1", "endpoint": "SCHEME://HOST", "match": {"jobId": "123"}}"#,
            field: "providers[0].config.endpoint"),
        Case(
            testDescription: "a token endpoint for the user's refresh token",
            provider:
                #""type": "cloud-logging", "config": {"project": "p", "credentials": {"tokenEndpoint": "SCHEME://HOST/collect"}}"#,
            field: "providers[0].config.credentials.tokenEndpoint", google: .userFile),
        Case(
            testDescription: "a metadata host",
            provider:
                #""type": "cloud-run-execution", "config": {"project": "p", "region": "r", "job": "j", "execution": "x", "credentials": {"metadataHost": "HOST"}}"#,
            field: "providers[0].config.credentials.metadataHost", google: .none),
    ]

    static func pipeline(_ provider: String, scheme: String, host: String) -> String {
        let entry = provider.replacingOccurrences(of: "SCHEME", with: scheme).replacingOccurrences(
            of: "HOST", with: host)
        return """
            {"name": "shared", "stages": [{"id": "running", "title": "Running"},
              {"id": "failed", "title": "Failed", "outcome": "failure"}, {"id": "ok", "title": "OK", "outcome": "success"}],
             "providers": [{"id": "p", \(entry), "map": {"X": "failed", "Y": "ok"}}],
             "finish": {"deadline": "3s"}}
            """
    }

    /// An `authorized_user` file with the sentinel refresh token: the user's own ADC file.
    static func userFile(_ fixtures: Fixtures) throws -> String {
        let refresh = SentinelSecrets.environment["LAUNCHWATCH_SENTINEL_REFRESH_TOKEN"] ?? ""
        return try fixtures.write(
            "adc.json",
            #"{"type": "authorized_user", "client_id": "c.apps.googleusercontent.com", "client_secret": "s3cr3t-client", "refresh_token": "\#(refresh)"}"#
        )
    }

    static func environment(_ testCase: Case, _ fixtures: Fixtures) throws -> [String: String] {
        // HOME and CLOUDSDK_CONFIG point into the fixtures, so no ADC file of the machine is found.
        var environment = [
            "WANDB_API_KEY": "k", "HOME": fixtures.directory.path, "CLOUDSDK_CONFIG": fixtures.directory.path,
            "PATH": "/usr/bin:/bin",
        ]
        switch testCase.google {
        case .accessToken: environment["GOOGLE_OAUTH_ACCESS_TOKEN"] = "t"
        case .userFile: environment["GOOGLE_APPLICATION_CREDENTIALS"] = try userFile(fixtures)
        case .none: break
        }
        return environment
    }

    @Test(
        "validate refuses a foreign destination with exit 65, naming the field, the host and how to allow it",
        arguments: cases)
    func validateRefuses(_ testCase: Case) async throws {
        let fixtures = try Fixtures()
        let file = try fixtures.write(
            "p.json", Self.pipeline(testCase.provider, scheme: "https", host: "collector.invalid"))
        let result = try await LaunchWatchProcess.run(
            ["validate", file], environment: try Self.environment(testCase, fixtures))
        #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stderr.contains("\(testCase.field): "), "\(result.stderr)")
        #expect(result.stderr.contains("collector.invalid"))
        #expect(result.stderr.contains("--allow-host collector.invalid"))
        #expect(result.stderr.contains("LAUNCHWATCH_ALLOW_HOSTS=collector.invalid"))
    }

    @Test("run refuses a foreign destination with exit 65 and sends nothing to it", arguments: cases)
    func runRefusesAndSendsNothing(_ testCase: Case) async throws {
        let listener = try ConnectionRecorder()
        defer { listener.close() }
        let fixtures = try Fixtures()
        let file = try fixtures.write(
            "p.json", Self.pipeline(testCase.provider, scheme: "http", host: "0.0.0.0:\(listener.port)"))
        let result = try await LaunchWatchProcess.run(
            ["run", file], environment: try Self.environment(testCase, fixtures))
        #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stderr.contains("\(testCase.field): "), "\(result.stderr)")
        #expect(result.stderr.contains("plain http"))
        #expect(
            listener.connections == 0, "the listener received: \(String(decoding: listener.received, as: UTF8.self))")
        #expect(SentinelSecrets.leaks(in: String(decoding: listener.received, as: UTF8.self)).isEmpty)
    }

    @Test("doctor refuses a foreign destination with exit 65 and sends nothing to it", arguments: cases)
    func doctorRefusesAndSendsNothing(_ testCase: Case) async throws {
        let listener = try ConnectionRecorder()
        defer { listener.close() }
        let fixtures = try Fixtures()
        let file = try fixtures.write(
            "p.json", Self.pipeline(testCase.provider, scheme: "http", host: "0.0.0.0:\(listener.port)"))
        let result = try await LaunchWatchProcess.run(
            ["doctor", file], environment: try Self.environment(testCase, fixtures))
        #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stderr.contains("\(testCase.field): "), "\(result.stderr)")
        #expect(
            listener.connections == 0, "the listener received: \(String(decoding: listener.received, as: UTF8.self))")
        #expect(SentinelSecrets.leaks(in: String(decoding: listener.received, as: UTF8.self)).isEmpty)
    }

    @Test(
        "a reference or an escaped $${ in the path does not skip the check: validate, run and doctor refuse it",
        arguments: cases)
    func templatedPathIsJudged(_ testCase: Case) async throws {
        let listener = try ConnectionRecorder()
        defer { listener.close() }
        let fixtures = try Fixtures()
        // `$${x}` becomes a literal `${x}` at run time: before, any text holding `${` was not judged.
        let file = try fixtures.write(
            "p.json", Self.pipeline(testCase.provider, scheme: "http", host: "0.0.0.0:\(listener.port)/$${x}"))
        let environment = try Self.environment(testCase, fixtures)
        for command in ["validate", "run", "doctor"] {
            let result = try await LaunchWatchProcess.run([command, file], environment: environment)
            #expect(result.status == 65, "\(command) stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("\(testCase.field): "), "\(command): \(result.stderr)")
        }
        #expect(
            listener.connections == 0, "the listener received: \(String(decoding: listener.received, as: UTF8.self))")
    }

    @Test("a fact in the path of any confined field does not skip the check", arguments: cases)
    func factInPathIsJudged(_ testCase: Case) async throws {
        let fixtures = try Fixtures()
        let entry = testCase.provider.replacingOccurrences(of: "SCHEME", with: "https").replacingOccurrences(
            of: "HOST", with: "collector.invalid/${fact.run_id}")
        let file = try fixtures.write(
            "p.json",
            """
            {"name": "shared", "stages": [{"id": "failed", "title": "Failed", "outcome": "failure"}],
             "providers": [
               {"id": "queue", "type": "wandb-launch", "config": {"entity": "e", "queue": "q", "item": "i"}},
               {"id": "p", \(entry), "map": {"X": "failed"}}
             ]}
            """)
        let result = try await LaunchWatchProcess.run(
            ["validate", file], environment: try Self.environment(testCase, fixtures))
        #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
        let field = testCase.field.replacingOccurrences(of: "providers[0]", with: "providers[1]")
        #expect(result.stderr.contains("\(field): "), "\(result.stderr)")
        #expect(result.stderr.contains("collector.invalid"))
    }

    @Test(
        "vertex-gcloud's endpoint overrides are judged with a fact or an escaped $${ in the path",
        arguments: ["https://collector.invalid/${fact.run_id}/", "https://collector.invalid/$${x}/"])
    func gcloudTemplatedOverride(_ value: String) async throws {
        let fixtures = try Fixtures()
        let file = try fixtures.write(
            "g.json",
            """
            {"name": "shared", "stages": [{"id": "failed", "title": "Failed", "outcome": "failure"}],
             "providers": [
               {"id": "queue", "type": "wandb-launch", "config": {"entity": "e", "queue": "q", "item": "i"}},
               {"id": "g", "type": "vertex-gcloud", "config": {"project": "p", "region": "us-central1",
                 "match": {"jobId": "1"}, "env": {"CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM": "\(value)"}},
                "map": {"JOB_STATE_FAILED": "failed"}}
             ]}
            """)
        let result = try await LaunchWatchProcess.run(["validate", file], environment: ["WANDB_API_KEY": "k"])
        #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(
            result.stderr.contains("providers[1].config.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM: "),
            "\(result.stderr)")
    }

    @Test("a provider that waits for a fact is checked too: the seed flow's Vertex provider with a foreign endpoint")
    func factWaitingProviderIsChecked() async throws {
        let fixtures = try Fixtures()
        let file = try fixtures.write(
            "p.json",
            """
            {"name": "shared", "stages": [{"id": "failed", "title": "Failed", "outcome": "failure"}],
             "providers": [
               {"id": "queue", "type": "wandb-launch", "config": {"entity": "e", "queue": "q", "item": "i"}},
               {"id": "vertex", "type": "vertex-rest", "config": {"project": "p", "region": "us-central1",
                 "endpoint": "https://collector.invalid", "match": {"labels": {"wandb-run-id": "${fact.run_id}"}}},
                "map": {"JOB_STATE_FAILED": "failed"}},
               {"id": "hostFromFact", "type": "wandb-run", "config": {"entity": "e", "project": "p", "run": "r",
                 "baseURL": "https://${fact.run_id}.example.com"}}
             ]}
            """)
        let result = try await LaunchWatchProcess.run(["validate", file], environment: ["WANDB_API_KEY": "k"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("providers[1].config.endpoint: "), "\(result.stderr)")
        #expect(result.stderr.contains("providers[2].config.baseURL: "), "\(result.stderr)")
        #expect(result.stderr.contains("taken from a fact"))
    }

    @Test("a host allowed with --allow-host or LAUNCHWATCH_ALLOW_HOSTS is accepted over https, never over http")
    func allowedHosts() async throws {
        let fixtures = try Fixtures()
        let https = try fixtures.write(
            "https.json", Self.pipeline(Self.cases[0].provider, scheme: "https", host: "wandb.corp.invalid"))
        let http = try fixtures.write(
            "http.json", Self.pipeline(Self.cases[0].provider, scheme: "http", host: "wandb.corp.invalid"))
        let key = ["WANDB_API_KEY": "k"]
        let flag = try await LaunchWatchProcess.run(
            ["validate", https, "--allow-host", "wandb.corp.invalid"], environment: key)
        #expect(flag.status == 0, "\(flag.stderr)")
        let wildcard = try await LaunchWatchProcess.run(
            ["validate", https, "--allow-host", "*.corp.invalid"], environment: key)
        #expect(wildcard.status == 0, "\(wildcard.stderr)")
        let variable = try await LaunchWatchProcess.run(
            ["validate", https],
            environment: key.merging(["LAUNCHWATCH_ALLOW_HOSTS": "other.invalid, wandb.corp.invalid"]) { $1 })
        #expect(variable.status == 0, "\(variable.stderr)")
        let plain = try await LaunchWatchProcess.run(
            ["validate", http, "--allow-host", "wandb.corp.invalid"], environment: key)
        #expect(plain.status == 65)
        #expect(plain.stderr.contains("plain http"))
        let badFlag = try await LaunchWatchProcess.run(
            ["validate", https, "--allow-host", "https://x.invalid/"], environment: key)
        #expect(badFlag.status == 64)
        #expect(badFlag.stderr.contains("--allow-host https://x.invalid/"))
    }

    @Test("hosts the user's own environment names are trusted: WANDB_BASE_URL, CLOUDSDK_API_ENDPOINT_OVERRIDES_*")
    func environmentNamedHosts() async throws {
        let fixtures = try Fixtures()
        let wandb = try fixtures.write(
            "w.json", Self.pipeline(Self.cases[0].provider, scheme: "https", host: "wandb.corp.invalid"))
        let vertex = try fixtures.write(
            "v.json", Self.pipeline(Self.cases[1].provider, scheme: "https", host: "vertex.corp.invalid"))
        let byBaseURL = try await LaunchWatchProcess.run(
            ["validate", wandb], environment: ["WANDB_API_KEY": "k", "WANDB_BASE_URL": "https://wandb.corp.invalid"])
        #expect(byBaseURL.status == 0, "\(byBaseURL.stderr)")
        let byOverride = try await LaunchWatchProcess.run(
            ["validate", vertex],
            environment: ["CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM": "https://vertex.corp.invalid/"])
        #expect(byOverride.status == 0, "\(byOverride.stderr)")
    }

    @Test("vertex-gcloud's env may not point gcloud elsewhere or weaken TLS")
    func gcloudEnvironment() async throws {
        let fixtures = try Fixtures()
        let file = try fixtures.write(
            "g.json",
            Self.pipeline(
                #""type": "vertex-gcloud", "config": {"project": "p", "region": "us-central1", "match": {"jobId": "1"}, "env": {"CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM": "https://HOST/", "CLOUDSDK_AUTH_DISABLE_SSL_VALIDATION": "true"}}"#,
                scheme: "https", host: "collector.invalid"))
        let result = try await LaunchWatchProcess.run(["validate", file])
        #expect(result.status == 65)
        #expect(result.stderr.contains("providers[0].config.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM: "))
        #expect(result.stderr.contains("providers[0].config.env.CLOUDSDK_AUTH_DISABLE_SSL_VALIDATION: "))
    }

    @Test("the JSON Schema and `providers KIND` say where credentials may go")
    func documented() async throws {
        let schema = try await LaunchWatchProcess.run(["schema"])
        #expect(schema.stdout.contains("Confined (baseURL)"))
        #expect(schema.stdout.contains("Confined (endpoint)"))
        #expect(schema.stdout.contains("Confined (credentials.tokenEndpoint, credentials.metadataHost)"))
        for kind in [
            "wandb-launch", "wandb-run", "vertex-rest", "cloud-logging", "cloud-run-execution", "vertex-gcloud",
        ] {
            let described = try await LaunchWatchProcess.run(["providers", kind])
            #expect(described.stdout.contains("credentials: "), "\(kind)")
            #expect(described.stdout.contains("--allow-host"), "\(kind)")
        }
    }
}
