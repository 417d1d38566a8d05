import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import LaunchWatchTesting
import LaunchWatchVertexREST
import Testing

/// The credential sources google-auth reads that launchwatch once refused — impersonation,
/// workload identity federation — plus the quota project, the metadata ping and the gcloud
/// fallback, each against the strict emulator's token, STS and IAM Credentials endpoints.
@Suite("Google credential sources as google-auth reads them")
struct GoogleCredentialParityTests {
    typealias Fixture = VertexRESTFixture

    static let job = Fixture.jobID(9)
    static let match: JSONValue = .object([("labels", Fixture.object(["wandb-run-id": "run-parity"]))])
    static let timeline = [Fixture.createJob(id: job, displayName: "train", labels: ["wandb-run-id": "run-parity"])]
    static let subjectToken = "eyJhbGciOiJSUzI1NiJ9.subject-token-for-parity.c2lnbmF0dXJl"
    static let target = "runner@lw-rest.iam.gserviceaccount.com"
    static let audience =
        "//iam.googleapis.com/projects/345678901234/locations/global/workloadIdentityPools/ci/providers/github"

    /// Strict auth that also knows the subject tokens the tests hand to STS: the file's, and the
    /// project id the URL-sourced case reads from the metadata server.
    static func auth(publicKey: String) -> JSONValue {
        guard case .object(var members) = Fixture.strictAuth(publicKey: publicKey) else { return .null }
        members.append(("subjectTokens", .array([.string(subjectToken), .string(Fixture.project)])))
        return .object(members)
    }

    enum Source: String, CaseIterable, Sendable {
        case impersonatedAuthorizedUser, impersonatedServiceAccount
        case externalFileText, externalFileJSON, externalURL, externalImpersonated
    }

    struct Setup {
        var file: String
        var notice: String
        var routes: [String]
    }

    static func impersonationURL(_ harness: EmulatorHarness) -> String {
        harness.baseURL.absoluteString + "/v1/projects/-/serviceAccounts/\(target):generateAccessToken"
    }

    static func externalAccount(_ harness: EmulatorHarness, source: JSONValue, impersonate: Bool = false) -> String {
        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("external_account")), ("audience", .string(audience)),
            ("subject_token_type", .string("urn:ietf:params:oauth:token-type:jwt")),
            ("token_url", .string(harness.baseURL.absoluteString + "/v1/token")), ("credential_source", source),
        ]
        if impersonate {
            members.append(("service_account_impersonation_url", .string(impersonationURL(harness))))
            members.append(("service_account_impersonation", .object([("token_lifetime_seconds", .number(1800))])))
        }
        return JSONValue.object(members).jsonText
    }

    static func setup(
        _ source: Source, harness: EmulatorHarness, folder: TemporaryFolder, account: ServiceAccountFixture
    ) throws -> Setup {
        let tokenURI = Fixture.tokenURI(harness)
        switch source {
        case .impersonatedAuthorizedUser, .impersonatedServiceAccount:
            // As `gcloud auth application-default login --impersonate-service-account` writes it.
            let inner =
                source == .impersonatedAuthorizedUser
                ? authorizedUserFile(tokenURI: tokenURI) : account.keyFile(tokenURI: tokenURI)
            let file = try folder.write(
                "adc.json",
                """
                {"type": "impersonated_service_account", "delegates": [],
                 "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/\(target):generateAccessToken",
                 "source_credentials": \(inner)}
                """)
            return Setup(
                file: file.path,
                notice: "credentials: GOOGLE_APPLICATION_CREDENTIALS (\(file.path)) (impersonating \(target))",
                routes: ["token.oauth", "iam.generateAccessToken"])
        case .externalFileText, .externalFileJSON:
            let json = source == .externalFileJSON
            let tokenFile = try folder.write(
                "subject", json ? #"{"id_token": "\#(subjectToken)"}"# : subjectToken)
            var credentialSource: [(key: String, value: JSONValue)] = [("file", .string(tokenFile.path))]
            if json {
                credentialSource.append(
                    ("format", .object([("type", .string("json")), ("subject_token_field_name", .string("id_token"))])))
            }
            let file = try folder.write("wif.json", externalAccount(harness, source: .object(credentialSource)))
            return Setup(
                file: file.path,
                notice: "credentials: GOOGLE_APPLICATION_CREDENTIALS (\(file.path)) (external account)",
                routes: ["token.sts"])
        case .externalURL:
            // The subject token from a URL, with the headers the file names: here the emulator's
            // metadata server, which answers only with `Metadata-Flavor: Google`.
            let source: JSONValue = .object([
                ("url", .string(harness.baseURL.absoluteString + "/computeMetadata/v1/project/project-id")),
                ("headers", .object([("Metadata-Flavor", .string("Google"))])),
                ("format", .object([("type", .string("text"))])),
            ])
            let file = try folder.write("wif.json", externalAccount(harness, source: source))
            return Setup(
                file: file.path,
                notice: "credentials: GOOGLE_APPLICATION_CREDENTIALS (\(file.path)) (external account)",
                routes: ["metadata.project", "token.sts"])
        case .externalImpersonated:
            let tokenFile = try folder.write("subject", subjectToken)
            let file = try folder.write(
                "wif.json",
                externalAccount(harness, source: .object([("file", .string(tokenFile.path))]), impersonate: true))
            return Setup(
                file: file.path,
                notice:
                    "credentials: GOOGLE_APPLICATION_CREDENTIALS (\(file.path)) (external account, impersonating \(target))",
                routes: ["token.sts", "iam.generateAccessToken"])
        }
    }

    @Test(
        "each source gets a token the strict emulator accepts through STS and IAM Credentials",
        arguments: Source.allCases)
    func eachSource(_ source: Source) async throws {
        let account = try ServiceAccountFixture()
        let scenario = Fixture.scenario(timeline: Self.timeline, auth: Self.auth(publicKey: account.publicKeyPEM))
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                let setup = try Self.setup(source, harness: harness, folder: folder, account: account)
                let environment = [
                    "GOOGLE_APPLICATION_CREDENTIALS": setup.file,
                    // gcloud's override of the IAM Credentials host; the impersonated file names Google's.
                    "CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS": harness.baseURL.absoluteString + "/",
                ]
                let provider = try Fixture.provider(
                    harness, match: Self.match, environment: environment, baseDirectory: folder.url)
                let first = try await Fixture.poll(provider)
                #expect(first.observations.map(\.facts) == [["job_id": Self.job]])
                #expect(first.notices == [setup.notice])
                let log = await harness.state.requestLog()
                #expect(log.map(\.route) == setup.routes + ["vertex.list"])
                #expect(log.allSatisfy { $0.status == 200 }, "\(log.map { ($0.route, $0.status) })")
                expectNoSecrets(
                    first.notices,
                    ["ya29.", Self.subjectToken, Fixture.refreshToken, Fixture.clientSecret] + account.secretFragments)
            }
        }
    }

    @Test(
        "a subject token STS does not know, and an impersonation IAM refuses, are credential errors naming the source")
    func refusals() async throws {
        let account = try ServiceAccountFixture()
        let scenario = Fixture.scenario(timeline: Self.timeline, auth: Self.auth(publicKey: account.publicKeyPEM))
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                let tokenFile = try folder.write("subject", "eyJ.unknown-subject.sig")
                let file = try folder.write(
                    "wif.json", Self.externalAccount(harness, source: .object([("file", .string(tokenFile.path))])))
                let provider = try Fixture.provider(
                    harness, match: Self.match, environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path],
                    baseDirectory: folder.url)
                let error = try await Fixture.pollError(provider)
                #expect(error.code == "credentials")
                #expect(error.message.contains("(external account)"), "\(error.message)")
                #expect(
                    error.message.contains(
                        "the STS endpoint refused: HTTP 400: The given subject token is invalid or has expired."),
                    "\(error.message)")
                #expect(!error.message.contains("unknown-subject"))
                #expect(await Fixture.routes(harness) == ["token.sts"])
            }
        }
    }

    @Test("quota_project_id is sent as x-goog-user-project; GOOGLE_CLOUD_QUOTA_PROJECT wins over the file")
    func quotaProject() async throws {
        let scenario = Fixture.scenario(timeline: Self.timeline)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                var user = authorizedUserFile(tokenURI: Fixture.tokenURI(harness))
                user.removeLast()
                user += #","quota_project_id": "billing-from-file"}"#
                let file = try folder.write("adc.json", user)
                for (extra, expected) in [
                    ([:], "billing-from-file"),
                    (["GOOGLE_CLOUD_QUOTA_PROJECT": "billing-from-env"], "billing-from-env"),
                ] {
                    let provider = try Fixture.provider(
                        harness, match: Self.match,
                        environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path].merging(extra) { $1 },
                        baseDirectory: folder.url)
                    _ = try await Fixture.poll(provider)
                    let listed = await harness.state.requestLog().last { $0.route == "vertex.list" }
                    #expect(listed?.userProject == expected)
                }
            }
        }
    }

    @Test("a service-account assertion's audience is Google's token URI, wherever token_uri points")
    func constantAudience() async throws {
        // The emulator refuses any audience but Google's, as Google does; the key file's token_uri
        // is the emulator's own /token.
        let account = try ServiceAccountFixture()
        let scenario = Fixture.scenario(timeline: Self.timeline, auth: Self.auth(publicKey: account.publicKeyPEM))
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                try folder.write("sa.json", account.keyFile(tokenURI: Fixture.tokenURI(harness)))
                let provider = try Fixture.provider(
                    harness, match: Self.match, credentials: .object([("serviceAccountKeyFile", .string("sa.json"))]),
                    environment: [:], baseDirectory: folder.url)
                let result = try await Fixture.poll(provider)
                #expect(result.observations.count == 1)
                #expect(await Fixture.routes(harness) == ["token.oauth", "vertex.list"])
            }
        }
    }

    @Test("the metadata server is used only after it answers the ping; GCE_METADATA_IP is where the ping goes")
    func metadataPing() async throws {
        let scenario = Fixture.scenario(timeline: Self.timeline)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                let host = "127.0.0.1:\(harness.baseURL.port ?? 0)"
                // A ping that a loaded test machine answers late is not tried again (google-auth's 3 s).
                let base = ["HOME": folder.url.path, "PATH": folder.url.path, "GCE_METADATA_TIMEOUT": "30"]
                // GCE_METADATA_ROOT, the older name, is honoured like GCE_METADATA_HOST.
                let answered = AccessTokenSource(
                    credentials: nil, environment: base.merging(["GCE_METADATA_ROOT": host]) { $1 },
                    baseDirectory: folder.url, transport: HTTPTransport(timeout: .seconds(5)))
                let token = try await answered.token()
                #expect(!token.isEmpty)
                #expect(await answered.sourceDescription == "metadata server \(host)")
                #expect(await Fixture.routes(harness) == ["metadata.ping", "token.metadata"])

                // The ping goes to GCE_METADATA_IP; nothing listens there, this is no Google VM by its
                // DMI name, and there is no gcloud on PATH: no credentials, and no token request made.
                let silent = AccessTokenSource(
                    credentials: nil,
                    environment: base.merging(["GCE_METADATA_HOST": host, "GCE_METADATA_IP": "127.0.0.1:9"]) { $1 },
                    baseDirectory: folder.url, transport: HTTPTransport(timeout: .seconds(5)))
                let error = await #expect(throws: ProviderError.self) { _ = try await silent.token() }
                #expect(error?.message.contains("no Google credentials found") == true)
                #expect(await Fixture.routes(harness) == ["metadata.ping", "token.metadata"])
            }
        }
    }

    @Test("the last resort is `gcloud auth print-access-token`, after a failed metadata ping (real gcloud)")
    func gcloudFallback() async throws {
        let scenario = Fixture.scenario(timeline: Self.timeline)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            guard let sandbox = try GcloudSandbox(emulator: harness.baseURL, token: Fixture.token) else {
                if ProcessInfo.processInfo.environment["CI"] != nil {
                    Issue.record("CONFORMANCE NOT RUN: gcloud is not on the PATH")
                }
                return
            }
            defer { sandbox.remove() }
            let gcloudFolder = URL(fileURLWithPath: sandbox.gcloud).deletingLastPathComponent().path
            let environment = sandbox.environment.merging([
                "PATH": gcloudFolder + ":/usr/bin:/bin", "HOME": sandbox.directory.path,
                "GCE_METADATA_IP": "127.0.0.1:9",
            ]) { $1 }
            let provider = try Fixture.provider(harness, match: Self.match, environment: environment)
            let first = try await Fixture.poll(provider)
            #expect(first.observations.count == 1)
            #expect(first.notices == ["credentials: gcloud auth print-access-token"])
            #expect(await Fixture.routes(harness) == ["vertex.list"])
        }
    }
}
