import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import LaunchWatchTesting
import LaunchWatchVertexREST
import Testing

/// Defence in depth: a program that embeds the providers and never runs the pipeline check still
/// cannot send Google credentials to a foreign host — the token source and the API client refuse
/// where they send. `0.0.0.0` reaches the listener on 127.0.0.1 without being a loopback name.
@Suite("Google credentials are refused where they are sent")
struct CredentialSendGuardTests {
    typealias Fixture = VertexRESTFixture

    static func provider(endpoint: String, credentials: JSONValue?, environment: [String: String]) throws
        -> VertexRESTProvider
    {
        var config: [(key: String, value: JSONValue)] = [
            ("project", .string(Fixture.project)), ("region", .string(Fixture.region)),
            ("endpoint", .string(endpoint)), ("match", .object([("jobId", .string("1"))])),
        ]
        if let credentials { config.append(("credentials", credentials)) }
        return try VertexRESTProvider(
            configuration: JSONValueDecoder().decode(VertexRESTProvider.Configuration.self, from: .object(config)),
            context: ProviderContext(
                id: "vertex", baseDirectory: FileManager.default.temporaryDirectory, environment: environment,
                startedAt: Date()))
    }

    @Test("an access token is not attached to a request for a foreign endpoint")
    func accessTokenStaysHome() async throws {
        let listener = try ConnectionRecorder()
        defer { listener.close() }
        let provider = try Self.provider(
            endpoint: "http://0.0.0.0:\(listener.port)", credentials: nil,
            environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": Fixture.token])
        let error = try await Fixture.pollError(provider)
        #expect(error.code == "credentials_refused")
        #expect(error.message.contains("0.0.0.0"))
        #expect(listener.connections == 0)
    }

    @Test("a refresh token is not posted to a foreign token endpoint, nor a metadata request sent to a foreign host")
    func tokenRequestsStayHome() async throws {
        let listener = try ConnectionRecorder()
        defer { listener.close() }
        try await TemporaryFolder.with { folder in
            let file = try folder.write("adc.json", authorizedUserFile())
            let foreign = "http://0.0.0.0:\(listener.port)"
            let viaTokenEndpoint = try Self.provider(
                endpoint: "http://127.0.0.1:9", credentials: .object([("tokenEndpoint", .string(foreign + "/token"))]),
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path])
            let refused = try await Fixture.pollError(viaTokenEndpoint)
            #expect(refused.code == "credentials")
            #expect(refused.message.contains("the token endpoint: Google credentials would be sent"), "\(refused)")
            #expect(!refused.message.contains(Fixture.refreshToken))
            let viaMetadata = try Self.provider(
                endpoint: "http://127.0.0.1:9",
                credentials: .object([("metadataHost", .string("0.0.0.0:\(listener.port)"))]),
                environment: ["HOME": folder.url.path, "PATH": folder.url.path])
            let none = try await Fixture.pollError(viaMetadata)
            #expect(none.message.contains("no Google credentials found"), "\(none)")
        }
        #expect(listener.connections == 0)
    }
}
