import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import LaunchWatchTesting
import LaunchWatchVertexREST
import Testing

/// `launchwatch doctor`'s Google pieces against the emulator: the credential report (source, token,
/// expiry, never a secret), the `ErrorInfo` reading, and `vertex-rest`'s `diagnose`.
@Suite("Doctor: Google credentials, ErrorInfo and vertex-rest's diagnosis")
struct ProviderDiagnosisTests {
    typealias Fixture = VertexRESTFixture

    @Test("a service-account key via GOOGLE_APPLICATION_CREDENTIALS: named with its path and account, token and expiry")
    func serviceAccountReport() async throws {
        let account = try ServiceAccountFixture()
        let scenario = Fixture.scenario(timeline: [], auth: Fixture.strictAuth(publicKey: account.publicKeyPEM))
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            try await TemporaryFolder.with { folder in
                let file = try folder.write("sa.json", account.keyFile(tokenURI: Fixture.tokenURI(harness)))
                let tokens = AccessTokenSource(
                    credentials: nil, environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path],
                    baseDirectory: folder.url, transport: HTTPTransport(timeout: .seconds(10)))
                let report = await tokens.diagnose()
                #expect(report.obtained)
                #expect(report.source == "GOOGLE_APPLICATION_CREDENTIALS (\(file.path)) (\(Fixture.email))")
                let expiresAt = try #require(report.expiresAt)
                #expect(expiresAt > Date().addingTimeInterval(30 * 60), "the emulator's tokens live an hour")
                let text = "\(report)"
                #expect(!account.secretFragments.contains { text.contains($0) })
                #expect(!text.contains("ya29."))
            }
        }
    }

    @Test("no credentials at all: not obtained, and the problem says what to set")
    func noCredentials() async throws {
        let tokens = AccessTokenSource(
            credentials: nil, environment: ["HOME": "/nonexistent", "PATH": "/nonexistent"],
            baseDirectory: FileManager.default.temporaryDirectory, transport: HTTPTransport(timeout: .seconds(1)))
        let report = await tokens.diagnose()
        #expect(!report.obtained)
        #expect(report.source == nil)
        #expect(report.problem?.contains("GOOGLE_APPLICATION_CREDENTIALS") == true)
    }

    @Test("ErrorInfo: Vertex AI's metadata.permission, Logging's message-only form, and the viewer roles")
    func errorInfo() throws {
        let vertex = Data(
            #"""
            {"error": {"code": 403, "status": "PERMISSION_DENIED",
             "message": "Permission 'aiplatform.customJobs.list' denied on resource '//aiplatform.googleapis.com/projects/p/locations/r' (or it may not exist).",
             "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED",
                          "domain": "aiplatform.googleapis.com",
                          "metadata": {"permission": "aiplatform.customJobs.list", "resource": "projects/p/locations/r"}}]}}
            """#.utf8)
        let info = try #require(GoogleErrorInfo(body: vertex))
        #expect(info.reason == "IAM_PERMISSION_DENIED")
        #expect(info.domain == "aiplatform.googleapis.com")
        #expect(info.metadata["permission"] == "aiplatform.customJobs.list")
        #expect(GoogleErrorInfo(body: Data(#"{"error": {"code": 403, "message": "x"}}"#.utf8)) == nil)
        #expect(
            GoogleErrorInfo.permission(
                inMessage: "Permission 'logging.logEntries.list' denied on resource (or it may not exist).")
                == "logging.logEntries.list")
        #expect(GoogleErrorInfo.permission(inMessage: "The caller does not have permission") == nil)
        #expect(GoogleErrorInfo.viewerRole(for: "aiplatform.customJobs.list") == "roles/aiplatform.viewer")
        #expect(GoogleErrorInfo.viewerRole(for: "logging.logEntries.list") == "roles/logging.viewer")
        #expect(GoogleErrorInfo.viewerRole(for: "run.jobs.get") == "roles/run.viewer")
        #expect(GoogleErrorInfo.viewerRole(for: "storage.objects.get") == nil)
    }

    static func configuration(_ harness: EmulatorHarness, match: JSONValue, project: String = Fixture.project)
        throws -> VertexRESTProvider.Configuration
    {
        try JSONValueDecoder().decode(
            VertexRESTProvider.Configuration.self,
            from: .object([
                ("project", .string(project)), ("region", .string(Fixture.region)),
                ("endpoint", .string(harness.baseURL.absoluteString)), ("match", match),
            ]))
    }

    static func context(_ environment: [String: String] = ["GOOGLE_OAUTH_ACCESS_TOKEN": Fixture.token])
        -> DiagnosisContext
    {
        DiagnosisContext(
            id: "vertex", baseDirectory: FileManager.default.temporaryDirectory, environment: environment,
            startedAt: Date(), requestsPerMinute: 60)
    }

    @Test("vertex-rest: a known match is listed with its filter, pageSize 1; a fact-bound one without, and says so")
    func vertexListing() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: [])) { harness in
            let known = try Self.configuration(harness, match: .object([("displayName", .string("train"))]))
            let withFilter = await VertexRESTProvider.diagnose(known, context: Self.context())
            #expect(withFilter.works)
            #expect(withFilter.credentials?.source == "GOOGLE_OAUTH_ACCESS_TOKEN")
            #expect(withFilter.checks.first?.message == "with the match's filter")
            #expect(withFilter.notes.contains { $0.contains("of Vertex AI's 600/min per project and region") })
            let factBound = try Self.configuration(
                harness, match: .object([("labels", Fixture.object(["wandb-run-id": "${fact.run_id}"]))]))
            let without = await VertexRESTProvider.diagnose(factBound, context: Self.context())
            #expect(without.works)
            #expect(without.notes.first?.hasPrefix("match uses ${fact.run_id}, not known yet") == true)
            let lists = await harness.state.requestLog().filter { $0.route == "vertex.list" }
            #expect(lists.map(\.status) == [200, 200], "the emulator accepts the match's filter, as Vertex AI would")
        }
    }

    @Test("vertex-rest: another project is refused with the permission and role; no token is a failed report")
    func vertexRefusals() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: [])) { harness in
            let other = try Self.configuration(
                harness, match: .object([("displayName", .string("train"))]), project: "someone-else")
            let denied = await VertexRESTProvider.diagnose(other, context: Self.context())
            #expect(!denied.works)
            let check = try #require(denied.checks.first)
            #expect(check.httpStatus == 403)
            #expect(check.permission == "aiplatform.customJobs.list")
            #expect(check.role == "roles/aiplatform.viewer")
            let mine = try Self.configuration(harness, match: .object([("displayName", .string("train"))]))
            let refused = await VertexRESTProvider.diagnose(
                mine, context: Self.context(["GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.not-a-token-the-emulator-knows"]))
            #expect(!refused.works)
            #expect(refused.checks.first?.httpStatus == 401)
            #expect(refused.checks.first?.message?.contains("the access token was refused") == true)
        }
    }
}
