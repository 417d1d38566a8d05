import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import LaunchWatchTesting
import LaunchWatchVertexREST
import Testing

@Suite("Google credentials against the emulator's token endpoints")
struct AccessTokenSourceTests {
    typealias Fixture = VertexRESTFixture

    static let job = Fixture.jobID(7)
    static let match: JSONValue = .object([("labels", Fixture.object(["wandb-run-id": "run-creds"]))])
    static let timeline = [Fixture.createJob(id: job, displayName: "train", labels: ["wandb-run-id": "run-creds"])]

    /// Every way to hand over credentials that these tests cover.
    enum Source: String, CaseIterable, Sendable {
        case accessTokenFile, serviceAccountKeyFile, oauthAccessTokenVariable
        case applicationCredentialsServiceAccount, applicationCredentialsServiceAccountOverride
        case applicationCredentialsAuthorizedUser, gcloudApplicationDefault, homeApplicationDefault
        case metadataHostVariable, metadataHostConfig
    }

    /// How a provider is set up for `source`, and what it must report.
    struct Setup {
        var environment: [String: String]
        var credentials: JSONValue?
        /// The credentials notice, exactly.
        var notice: String
        /// The token routes the first poll uses.
        var tokenRoutes: [String]
    }

    static func setup(
        _ source: Source, harness: EmulatorHarness, folder: TemporaryFolder, account: ServiceAccountFixture
    ) throws -> Setup {
        let tokenURI = Fixture.tokenURI(harness)
        let endpoint: JSONValue = .object([("tokenEndpoint", .string(tokenURI))])
        let port = harness.baseURL.port ?? 0
        switch source {
        case .accessTokenFile:
            try folder.write("secrets/token.txt", Fixture.token + "\n")
            return Setup(
                environment: [:], credentials: .object([("accessTokenFile", .string("secrets/token.txt"))]),
                notice: "credentials: access token file secrets/token.txt", tokenRoutes: [])
        case .serviceAccountKeyFile:
            try folder.write("keys/sa.json", account.keyFile(tokenURI: tokenURI))
            return Setup(
                environment: [:], credentials: .object([("serviceAccountKeyFile", .string("keys/sa.json"))]),
                notice: "credentials: service-account key file keys/sa.json (\(Fixture.email))",
                tokenRoutes: ["token.oauth"])
        case .oauthAccessTokenVariable:
            return Setup(
                environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": Fixture.token], credentials: nil,
                notice: "credentials: GOOGLE_OAUTH_ACCESS_TOKEN", tokenRoutes: [])
        case .applicationCredentialsServiceAccount:
            let file = try folder.write("sa.json", account.keyFile(tokenURI: tokenURI))
            return Setup(
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path], credentials: nil,
                notice: "credentials: GOOGLE_APPLICATION_CREDENTIALS (\(file.path)) (\(Fixture.email))",
                tokenRoutes: ["token.oauth"])
        case .applicationCredentialsServiceAccountOverride:
            let file = try folder.write("sa.json", account.keyFile(tokenURI: Fixture.deadTokenURI))
            return Setup(
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path], credentials: endpoint,
                notice: "credentials: GOOGLE_APPLICATION_CREDENTIALS (\(file.path)) (\(Fixture.email))",
                tokenRoutes: ["token.oauth"])
        case .applicationCredentialsAuthorizedUser:
            let file = try folder.write("adc.json", authorizedUserFile())
            return Setup(
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path], credentials: endpoint,
                notice: "credentials: GOOGLE_APPLICATION_CREDENTIALS (\(file.path)) (authorized user)",
                tokenRoutes: ["token.oauth"])
        case .gcloudApplicationDefault:
            let file = try folder.write(
                "gcloud/application_default_credentials.json", authorizedUserFile(tokenURI: Fixture.deadTokenURI))
            return Setup(
                environment: [
                    "CLOUDSDK_CONFIG": folder.url.appendingPathComponent("gcloud").path,
                    "HOME": folder.url.appendingPathComponent("no-home").path,
                ],
                credentials: endpoint,
                notice: "credentials: gcloud application-default credentials (\(file.path)) (authorized user)",
                tokenRoutes: ["token.oauth"])
        case .homeApplicationDefault:
            let file = try folder.write(
                "home/.config/gcloud/application_default_credentials.json", authorizedUserFile(tokenURI: tokenURI))
            return Setup(
                environment: ["HOME": folder.url.appendingPathComponent("home").path], credentials: nil,
                notice: "credentials: gcloud application-default credentials (\(file.path)) (authorized user)",
                tokenRoutes: ["token.oauth"])
        case .metadataHostVariable:
            return Setup(
                environment: ["GCE_METADATA_HOST": "127.0.0.1:\(port)", "GCE_METADATA_TIMEOUT": "30"], credentials: nil,
                notice: "credentials: metadata server 127.0.0.1:\(port)",
                tokenRoutes: ["metadata.ping", "token.metadata"])
        case .metadataHostConfig:
            return Setup(
                // A ping that a loaded test machine answers late is not tried again (google-auth's 3 s).
                environment: ["GCE_METADATA_TIMEOUT": "30"],
                credentials: .object([("metadataHost", .string("127.0.0.1:\(port)"))]),
                notice: "credentials: metadata server 127.0.0.1:\(port)",
                tokenRoutes: ["metadata.ping", "token.metadata"])
        }
    }

    @Test(
        "each credential source gets a token the strict emulator accepts, and the notice names the source, never a secret",
        arguments: Source.allCases)
    func eachSource(_ source: Source) async throws {
        let account = try ServiceAccountFixture()
        let scenario = Fixture.scenario(
            timeline: Self.timeline, auth: Fixture.strictAuth(publicKey: account.publicKeyPEM))
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                let setup = try Self.setup(source, harness: harness, folder: folder, account: account)
                let provider = try Fixture.provider(
                    harness, match: Self.match, credentials: setup.credentials, environment: setup.environment,
                    baseDirectory: folder.url)
                let first = try await Fixture.poll(provider)
                #expect(first.observations.map(\.facts) == [["job_id": Self.job]])
                #expect(first.notices == [setup.notice])
                let second = try await Fixture.poll(provider, attempt: 1)
                #expect(second.observations.count == 1)
                #expect(second.notices.isEmpty, "the credentials are announced once")
                // The token is cached: the second poll asks for none.
                let log = await harness.state.requestLog()
                #expect(log.map(\.route) == setup.tokenRoutes + ["vertex.list", "vertex.get"])
                #expect(log.allSatisfy { $0.status == 200 })
                expectNoSecrets(
                    first.notices + second.notices,
                    ["ya29.", Fixture.refreshToken, Fixture.clientSecret] + account.secretFragments)
            }
        }
    }

    @Test("the first source that applies wins, in the documented order")
    func resolutionOrder() async throws {
        let account = try ServiceAccountFixture()
        let scenario = Fixture.scenario(timeline: [], auth: Fixture.strictAuth(publicKey: account.publicKeyPEM))
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                let tokenURI = Fixture.tokenURI(harness)
                try folder.write("token.txt", Fixture.token)
                try folder.write("sa.json", account.keyFile(tokenURI: tokenURI))
                let applicationCredentials = try folder.write("gac.json", authorizedUserFile(tokenURI: tokenURI))
                let adc = try folder.write(
                    "gcloud/application_default_credentials.json", authorizedUserFile(tokenURI: tokenURI))
                let metadata = "127.0.0.1:\(harness.baseURL.port ?? 0)"
                var credentials = GoogleCredentials(accessTokenFile: "token.txt", serviceAccountKeyFile: "sa.json")
                var environment = [
                    "GOOGLE_OAUTH_ACCESS_TOKEN": Fixture.token,
                    "GOOGLE_APPLICATION_CREDENTIALS": applicationCredentials.path,
                    "CLOUDSDK_CONFIG": adc.deletingLastPathComponent().path, "GCE_METADATA_HOST": metadata,
                ]
                var descriptions: [String] = []
                let transport = HTTPTransport(timeout: .seconds(10))
                for step in 0..<6 {
                    let tokens = AccessTokenSource(
                        credentials: credentials, environment: environment, baseDirectory: folder.url,
                        transport: transport)
                    let token = try await tokens.token()
                    #expect(!token.isEmpty)
                    descriptions.append(await tokens.sourceDescription ?? "none")
                    switch step {
                    case 0: credentials.accessTokenFile = nil
                    case 1: credentials.serviceAccountKeyFile = nil
                    case 2: environment["GOOGLE_OAUTH_ACCESS_TOKEN"] = nil
                    case 3: environment["GOOGLE_APPLICATION_CREDENTIALS"] = nil
                    default: environment["CLOUDSDK_CONFIG"] = folder.url.appendingPathComponent("empty").path
                    }
                }
                #expect(
                    descriptions == [
                        "access token file token.txt", "service-account key file sa.json (\(Fixture.email))",
                        "GOOGLE_OAUTH_ACCESS_TOKEN",
                        "GOOGLE_APPLICATION_CREDENTIALS (\(applicationCredentials.path)) (authorized user)",
                        "gcloud application-default credentials (\(adc.path)) (authorized user)",
                        "metadata server \(metadata)",
                    ])
            }
        }
    }

    @Test("a fetched token is cached until a minute before it expires, and fetched anew after invalidate")
    func cachingAndInvalidation() async throws {
        let scenario = Fixture.scenario(timeline: [], auth: Fixture.strictAuth())
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let transport = HTTPTransport(timeout: .seconds(10))
            let tokens = AccessTokenSource(
                credentials: GoogleCredentials(metadataHost: "127.0.0.1:\(harness.baseURL.port ?? 0)"),
                environment: [:], baseDirectory: FileManager.default.temporaryDirectory, transport: transport)
            let first = try await tokens.token()
            #expect(try await tokens.token() == first)
            await tokens.invalidate("ya29.some-other-token")
            #expect(try await tokens.token() == first, "invalidating another token keeps the cached one")
            await tokens.invalidate(first)
            let second = try await tokens.token()
            #expect(second != first)
            let metadataCalls = await harness.state.requestLog().filter { $0.route == "token.metadata" }.count
            #expect(metadataCalls == 2)
        }
    }

    @Test("a token that expires within a minute is fetched again before it is used")
    func refreshesBeforeExpiry() async throws {
        var auth = Fixture.strictAuth()
        if case .object(var members) = auth {
            members.append(("tokenLifetime", .string("45s")))
            auth = .object(members)
        }
        let scenario = Fixture.scenario(timeline: [], auth: auth)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                let file = try folder.write("adc.json", authorizedUserFile(tokenURI: Fixture.tokenURI(harness)))
                let transport = HTTPTransport(timeout: .seconds(10))
                let tokens = AccessTokenSource(
                    credentials: nil, environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path],
                    baseDirectory: folder.url, transport: transport)
                let first = try await tokens.token()
                let second = try await tokens.token()
                #expect(first != second)
                #expect(await harness.state.requestLog().filter { $0.route == "token.oauth" }.count == 2)
            }
        }
    }

    @Test("an access token file is read again after a 401, so a rotated token is picked up")
    func accessTokenFileReread() async throws {
        let timeline = Self.timeline + [Fixture.step("10s", "expireTokens")]
        let scenario = Fixture.scenario(timeline: timeline)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                try folder.write("token.txt", Fixture.token)
                let provider = try Fixture.provider(
                    harness, match: Self.match, credentials: .object([("accessTokenFile", .string("token.txt"))]),
                    environment: [:], baseDirectory: folder.url)
                #expect(try await Fixture.poll(provider).observations.count == 1)
                await harness.state.advance(by: 15)
                // Whatever rotates the file gets a fresh token; here, the emulator's metadata server.
                let reply = try await harness.request(
                    "GET", "/computeMetadata/v1/instance/service-accounts/default/token",
                    headers: ["Metadata-Flavor": "Google"])
                let fresh = try #require(JSONParser.parse(reply.body)["access_token"])
                guard case .string(let token) = fresh else {
                    Issue.record("no access_token in \(fresh)")
                    return
                }
                try folder.write("token.txt", token + "\n")
                #expect(try await Fixture.poll(provider, attempt: 1).observations.count == 1)
                let log = await harness.state.requestLog()
                #expect(log.map(\.route) == ["vertex.list", "token.metadata", "vertex.get", "vertex.get"])
                #expect(log.map(\.status) == [200, 200, 401, 200])
            }
        }
    }

    // MARK: - Failures

    /// A credentials failure: what it is, and what its message must say.
    struct FailureCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var expected: [String]
    }

    static let failureCases = [
        FailureCase(
            testDescription: "unknown refresh token",
            expected: ["GOOGLE_APPLICATION_CREDENTIALS", "the token endpoint refused: HTTP 400: Bad Request"]),
        FailureCase(
            testDescription: "key signed by another key",
            expected: ["service-account key file sa.json", "refused: HTTP 400: Invalid JWT Signature."]),
        FailureCase(
            testDescription: "missing token file",
            expected: ["access token file missing.txt", "cannot be read"]),
        FailureCase(
            testDescription: "key file that is not JSON",
            expected: ["service-account key file sa.json", "not a JSON object"]),
        FailureCase(
            testDescription: "unsupported credentials type",
            expected: [
                "GOOGLE_APPLICATION_CREDENTIALS", "unsupported credentials type \"external_account_authorized_user\"",
            ]),
        FailureCase(
            testDescription: "token endpoint down",
            expected: ["service-account key file sa.json", "the token endpoint did not answer"]),
    ]

    @Test(
        "a credentials failure is a `credentials` provider error naming the source, without any secret",
        arguments: failureCases)
    func failures(_ testCase: FailureCase) async throws {
        let account = try ServiceAccountFixture()
        let other = try ServiceAccountFixture()
        var auth = Fixture.strictAuth(publicKey: account.publicKeyPEM)
        if case .object(var members) = auth, testCase.testDescription == "unknown refresh token" {
            members.removeAll { $0.key == "refreshTokens" }
            members.append(("refreshTokens", .array([.string("1//another-refresh-token")])))
            auth = .object(members)
        }
        let scenario = Fixture.scenario(timeline: Self.timeline, auth: auth)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                let tokenURI = Fixture.tokenURI(harness)
                var environment: [String: String] = [:]
                var credentials: JSONValue?
                switch testCase.testDescription {
                case "unknown refresh token":
                    let file = try folder.write("adc.json", authorizedUserFile(tokenURI: tokenURI))
                    environment["GOOGLE_APPLICATION_CREDENTIALS"] = file.path
                case "key signed by another key":
                    try folder.write("sa.json", other.keyFile(tokenURI: tokenURI))
                    credentials = .object([("serviceAccountKeyFile", .string("sa.json"))])
                case "missing token file":
                    credentials = .object([("accessTokenFile", .string("missing.txt"))])
                case "key file that is not JSON":
                    try folder.write("sa.json", "-----BEGIN PRIVATE KEY-----\nnot json\n")
                    credentials = .object([("serviceAccountKeyFile", .string("sa.json"))])
                case "unsupported credentials type":
                    let file = try folder.write(
                        "ext.json",
                        #"{"type": "external_account_authorized_user", "audience": "//iam.googleapis.com/x"}"#)
                    environment["GOOGLE_APPLICATION_CREDENTIALS"] = file.path
                default:
                    try folder.write("sa.json", account.keyFile(tokenURI: Fixture.deadTokenURI))
                    credentials = .object([("serviceAccountKeyFile", .string("sa.json"))])
                }
                let provider = try Fixture.provider(
                    harness, match: Self.match, credentials: credentials, environment: environment,
                    baseDirectory: folder.url)
                let error = try await Fixture.pollError(provider)
                #expect(error.code == "credentials")
                for part in testCase.expected {
                    #expect(error.message.contains(part), "\"\(error.message)\" should contain \"\(part)\"")
                }
                expectNoSecrets(
                    [error.message],
                    ["ya29.", Fixture.refreshToken, Fixture.clientSecret] + account.secretFragments
                        + other.secretFragments)
                // No Vertex AI request is made without a token.
                #expect(await Fixture.routes(harness).allSatisfy { $0.hasPrefix("token.") })
            }
        }
    }
}
