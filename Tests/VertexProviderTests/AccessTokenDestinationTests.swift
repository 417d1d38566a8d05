import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchVertexGcloud
import Testing

@testable import LaunchWatchGoogleCloud

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The checks made where a credential is sent judge what the request goes to, and fail closed on
/// text that still holds a `${...}` reference.
@Suite("Google credential destinations at send time")
struct AccessTokenDestinationTests {
    static func source(_ environment: [String: String] = [:]) -> AccessTokenSource {
        AccessTokenSource(
            credentials: nil, environment: environment, baseDirectory: FileManager.default.temporaryDirectory,
            transport: HTTPTransport(timeout: .seconds(1)))
    }

    @Test(
        "a token URL still holding a reference is refused, on a trusted host too",
        arguments: ["https://x.example/${a}", "https://oauth2.googleapis.com/${a}", "http://127.0.0.1:9/${a}/token"])
    func checkedRefusesReferences(_ text: String) async {
        let source = Self.source()
        await #expect(throws: AccessTokenError.self) { try await source.checked(text, what: "the token endpoint") }
    }

    @Test("a trusted token URL is accepted")
    func checkedAcceptsTrusted() async throws {
        let url = try await Self.source().checked("https://oauth2.googleapis.com/token", what: "the token endpoint")
        #expect(url.host == "oauth2.googleapis.com")
    }

    @Test(
        "vertex-gcloud refuses, when made, an env that would point gcloud elsewhere, a path reference or not",
        arguments: [
            "https://collector.example/${fact.run_id}/", "https://collector.example/$${x}/",
            "https://collector.example/${x}/",
        ])
    func gcloudProviderRefusesForeignOverride(_ value: String) throws {
        let configuration = try JSONValueDecoder().decode(
            VertexGcloudProvider.Configuration.self,
            from: .object([
                ("project", .string("p")), ("region", .string("us-central1")),
                ("match", .object([("jobId", .string("1"))])),
                ("env", .object([("CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM", .string(value))])),
            ]))
        let context = ProviderContext(
            id: "g", baseDirectory: FileManager.default.temporaryDirectory, environment: [:], startedAt: Date())
        #expect(throws: ProviderError.self) { try VertexGcloudProvider(configuration: configuration, context: context) }
    }
}
