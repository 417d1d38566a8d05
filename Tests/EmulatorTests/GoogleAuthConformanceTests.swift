import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing
import _CryptoExtras

/// The real google-auth gets tokens from the emulator's STS and IAM Credentials endpoints and its
/// OAuth endpoint (`Conformance/google_auth_client.py`): an `external_account` file, with and
/// without impersonation, and a service-account key whose `token_uri` is the emulator — so the
/// strict emulator, which checks the JWT's audience, accepts what google-auth signs.
@Suite("google-auth conformance")
struct GoogleAuthConformanceTests {
    typealias G = GoogleServices

    static let subject = "eyJhbGciOiJSUzI1NiJ9.conformance-subject.c2ln"
    static let email = "launcher@\(G.project).iam.gserviceaccount.com"

    @Test("google-auth refreshes external_account (STS, impersonation) and service-account credentials")
    func refresh() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let scenario = G.scenario(
            name: "google-auth-conformance",
            auth: .object([
                ("strict", .bool(true)), ("serviceAccountEmail", .string(Self.email)),
                ("serviceAccountPublicKey", .string(key.publicKey.pemRepresentation)),
                ("subjectTokens", .array([.string(Self.subject)])),
            ]), timeline: [])
        let keyFile = JSONValue.object([
            ("type", .string("service_account")), ("project_id", .string(G.project)),
            ("private_key_id", .string("k1")), ("private_key", .string(key.pkcs8PEMRepresentation)),
            ("client_email", .string(Self.email)), ("token_uri", .string("https://oauth2.googleapis.com/token")),
        ]).jsonText
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("google-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let baseURL = harness.baseURL
            let output = try await Conformance.detached({
                try Conformance.python(
                    "google_auth_client.py", emulator: baseURL,
                    environment: [
                        "CREDENTIALS_DIR": folder.path, "SUBJECT_TOKEN": Self.subject, "SERVICE_ACCOUNT_KEY": keyFile,
                    ])
            })
            guard let output else { return }
            #expect(output.status == 0, "\(output.stderr)")
            let results = try JSONParser.parse(Data(output.stdout.utf8))
            for name in ["external_account", "external_account_impersonated", "service_account", "impersonated"] {
                #expect(results[name]?["token"] == .string("ya29.emulated"), "\(name): \(output.stdout)")
            }
            let log = await harness.state.requestLog()
            #expect(log.allSatisfy { $0.status == 200 }, "\(log.map { ($0.route, $0.status) })")
            #expect(log.filter { $0.route == "token.sts" }.count == 2)
            #expect(log.filter { $0.route == "iam.generateAccessToken" }.count == 2)
            // google-auth may refresh the source credentials again before impersonating.
            #expect(log.contains { $0.route == "token.oauth" })
        }
    }
}
