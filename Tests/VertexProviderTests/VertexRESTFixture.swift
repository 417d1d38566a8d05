import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import LaunchWatchTesting
import LaunchWatchVertexREST
import Testing
import _CryptoExtras

/// Scenarios, providers and files shared by the `vertex-rest` and credential tests.
///
/// Scenarios run at `timeScale` 0.001: a real second is a scenario millisecond, so only
/// `advance(by:)` moves scenario time, however slow the machine. Every provider gets an injected
/// environment that names a credential source before the metadata server and gcloud, so no test
/// leaves loopback.
enum VertexRESTFixture {
    static let project = "lw-rest"
    static let projectNumber = "345678901234"
    static let region = "us-central1"
    /// The static token the scenarios accept (handed over as `GOOGLE_OAUTH_ACCESS_TOKEN`).
    static let token = "ya29.vertex-rest-static-token"
    static let email = "launcher@\(project).iam.gserviceaccount.com"
    static let refreshToken = "1//vertex-rest-refresh-token"
    static let clientSecret = "vertex-rest-client-secret"
    /// A token URI nothing listens on: a source that ignored `tokenEndpoint` fails fast on loopback
    /// instead of reaching Google.
    static let deadTokenURI = "http://127.0.0.1:9/token"

    /// A scenario with `timeline` steps and `faults`; `auth` defaults to accepting only `token` and
    /// issued tokens.
    static func scenario(timeline: [JSONValue], faults: [JSONValue] = [], auth: JSONValue? = nil) -> String {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string("vertex-rest-tests")), ("timeScale", .number(0.001)), ("project", .string(project)),
            ("projectNumber", .string(projectNumber)), ("region", .string(region)),
            ("auth", auth ?? strictAuth()), ("timeline", .array(timeline)),
        ]
        if !faults.isEmpty { members.append(("faults", .array(faults))) }
        return JSONValue.object(members).jsonText
    }

    /// Strict auth: `token`, the tokens the emulator issues, the refresh token, and JWTs signed with
    /// `publicKey` when given.
    static func strictAuth(publicKey: String? = nil) -> JSONValue {
        var auth: [(key: String, value: JSONValue)] = [
            ("strict", .bool(true)), ("accessTokens", .array([.string(token)])),
            ("serviceAccountEmail", .string(email)), ("refreshTokens", .array([.string(refreshToken)])),
        ]
        if let publicKey { auth.append(("serviceAccountPublicKey", .string(publicKey))) }
        return .object(auth)
    }

    /// A timeline step `{"at": at, "do": action, ...fields}`.
    static func step(_ at: String, _ action: String, _ fields: [(key: String, value: JSONValue)] = []) -> JSONValue {
        .object([("at", .string(at)), ("do", .string(action))] + fields)
    }

    static func createJob(at: String = "0s", id: String, displayName: String, labels: [String: String] = [:])
        -> JSONValue
    {
        var fields: [(key: String, value: JSONValue)] = [("id", .string(id)), ("displayName", .string(displayName))]
        if !labels.isEmpty { fields.append(("labels", object(labels))) }
        return step(at, "createJob", fields)
    }

    static func setState(at: String, id: String, _ state: String) -> JSONValue {
        step(at, "setJobState", [("id", .string(id)), ("state", .string(state))])
    }

    static func failJob(at: String, id: String, code: Int, message: String) -> JSONValue {
        step(at, "failJob", [("id", .string(id)), ("code", .number(Double(code))), ("message", .string(message))])
    }

    /// A fault rule on `route`.
    static func fault(_ route: String, _ fields: [(key: String, value: JSONValue)]) -> JSONValue {
        .object([("route", .string(route))] + fields)
    }

    /// A 19-digit job id, numbered.
    static func jobID(_ number: Int) -> String {
        let digits = String(number)
        return String("8000000000000000000".dropLast(digits.count)) + digits
    }

    static func jobName(_ id: String) -> String {
        "projects/\(projectNumber)/locations/\(region)/customJobs/\(id)"
    }

    static func object(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    /// A `vertex-rest` provider against the emulator, made the way the runner makes one: from
    /// config JSON. `environment` is all it sees of the environment.
    static func provider(
        _ harness: EmulatorHarness, match: JSONValue, credentials: JSONValue? = nil, timeout: String? = nil,
        project: String = project, region: String = region,
        environment: [String: String] = [
            "GOOGLE_OAUTH_ACCESS_TOKEN": token
        ],
        baseDirectory: URL = FileManager.default.temporaryDirectory, startedAt: Date = Date()
    ) throws -> VertexRESTProvider {
        var config: [(key: String, value: JSONValue)] = [
            ("project", .string(project)), ("region", .string(region)),
            ("endpoint", .string(harness.baseURL.absoluteString)), ("match", match),
        ]
        if let credentials { config.append(("credentials", credentials)) }
        if let timeout { config.append(("timeout", .string(timeout))) }
        let configuration = try JSONValueDecoder().decode(
            VertexRESTProvider.Configuration.self, from: .object(config))
        return try VertexRESTProvider(
            configuration: configuration,
            context: ProviderContext(
                id: "vertex", baseDirectory: baseDirectory, environment: environment, startedAt: startedAt))
    }

    /// Polls once, as the watcher would.
    static func poll(_ provider: VertexRESTProvider, attempt: Int = 0) async throws -> PollResult {
        try await provider.poll(PollContext(now: Date(), startedAt: Date(), attempt: attempt))
    }

    /// The error a poll throws; fails the test when the poll succeeds or throws something else.
    static func pollError(
        _ provider: VertexRESTProvider, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProviderError {
        let error = await #expect(throws: ProviderError.self, sourceLocation: sourceLocation) {
            _ = try await provider.poll(PollContext(now: Date(), startedAt: Date(), attempt: 0))
        }
        return try #require(error, sourceLocation: sourceLocation)
    }

    /// The routes of the Google requests served so far (control requests left out).
    static func routes(_ harness: EmulatorHarness) async -> [String] {
        await harness.state.requestLog().map(\.route).filter { !$0.hasPrefix("control.") }
    }

    /// `harness`'s `/token`, where key files point in these tests.
    static func tokenURI(_ harness: EmulatorHarness) -> String {
        harness.baseURL.absoluteString + "/token"
    }
}

/// A folder in the temporary directory for one test's files; removed by `remove()`.
struct TemporaryFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "launchwatch-vertex-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` in the folder; returns its URL.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// Runs `body` with a new folder and removes it afterwards.
    static func with<T: Sendable>(_ body: (TemporaryFolder) async throws -> T) async throws -> T {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        return try await body(folder)
    }
}

/// A service account: an RSA key pair, its key file text, and the secrets a test looks for in output.
struct ServiceAccountFixture: Sendable {
    let privateKey: _RSA.Signing.PrivateKey
    let keyID = "0123456789abcdef0123456789abcdef01234567"

    init() throws {
        privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    var publicKeyPEM: String { privateKey.publicKey.pemRepresentation }

    /// The key file as Google writes it (PKCS#8 PEM), with `tokenURI` as its `token_uri`.
    func keyFile(tokenURI: String, email: String = VertexRESTFixture.email) -> String {
        JSONValue.object([
            ("type", .string("service_account")), ("project_id", .string(VertexRESTFixture.project)),
            ("private_key_id", .string(keyID)), ("private_key", .string(privateKey.pkcs8PEMRepresentation)),
            ("client_email", .string(email)), ("client_id", .string("104729000000000000001")),
            ("auth_uri", .string("https://accounts.google.com/o/oauth2/auth")), ("token_uri", .string(tokenURI)),
        ]).jsonText
    }

    /// Substrings of the private key that must never be shown: its base64 body lines.
    var secretFragments: [String] {
        privateKey.pkcs8PEMRepresentation.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
            .filter { $0.count >= 16 }
    }
}

/// An `authorized_user` file (what `gcloud auth application-default login` writes).
func authorizedUserFile(tokenURI: String? = nil) -> String {
    var members: [(key: String, value: JSONValue)] = [
        ("type", .string("authorized_user")),
        ("client_id", .string("764086051850-emulated.apps.googleusercontent.com")),
        ("client_secret", .string(VertexRESTFixture.clientSecret)),
        ("refresh_token", .string(VertexRESTFixture.refreshToken)),
    ]
    if let tokenURI { members.append(("token_uri", .string(tokenURI))) }
    return JSONValue.object(members).jsonText
}

/// Checks that none of `secrets` appears in `texts` (notices, error messages).
func expectNoSecrets(
    _ texts: [String], _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation
) {
    for text in texts {
        for secret in secrets where !secret.isEmpty {
            #expect(!text.contains(secret), "a secret appears in \"\(text)\"", sourceLocation: sourceLocation)
        }
    }
}
