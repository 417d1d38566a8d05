import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--debug` with a workload-identity file: the file's path is shown, the subject token, the STS
/// token and the impersonated token are not.
@Suite("credentials in --debug output", .launchWatchSlot)
struct CredentialDebugTests {
    @Test("--debug names the credentials file by its path and shows no secret of the STS and impersonation requests")
    func debugShowsPathNotSecrets() async throws {
        try await LaunchWatchProcess.withEmulator(["--scenario", "success"]) { _, base in
            let fixtures = try Fixtures()
            let subject = try fixtures.write(
                "subject-token", SentinelSecrets.environment["LAUNCHWATCH_SENTINEL_SUBJECT_TOKEN"] ?? "")
            let target = "runner@launchwatch-demo.iam.gserviceaccount.com"
            let credentials = try fixtures.write(
                "wif.json",
                """
                {"type": "external_account",
                 "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/gh",
                 "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                 "token_url": "\(base.absoluteString)/v1/token",
                 "credential_source": {"file": "\(subject)"},
                 "service_account_impersonation_url": "\(base.absoluteString)/v1/projects/-/serviceAccounts/\(target):generateAccessToken"}
                """)
            let pipeline = try fixtures.write(
                "p.json",
                """
                {"name": "debug", "stages": [{"id": "failed", "title": "Failed", "outcome": "failure"}],
                 "providers": [{"id": "logs", "type": "cloud-logging", "map": {"ERROR": "failed"},
                   "config": {"project": "launchwatch-demo", "endpoint": "\(base.absoluteString)", "filter": "severity>=ERROR"}}],
                 "finish": {"deadline": "2s"}}
                """)
            let result = try await LaunchWatchProcess.run(
                ["run", pipeline, "--debug", "--json"],
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": credentials, "HOME": fixtures.directory.path])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(
                result.stderr.contains(
                    "debug: credentials using GOOGLE_APPLICATION_CREDENTIALS (\(credentials)) (external account, "
                        + "impersonating \(target))"),
                "\(result.stderr)")
            #expect(result.stderr.contains("debug: http → POST \(base.absoluteString)/v1/token"))
            #expect(result.stderr.contains(":generateAccessToken"))
            #expect(!result.stderr.contains("ya29.emulated"), "no issued token in the debug lines")
            #expect(SentinelSecrets.leaks(in: result.stdout + result.stderr).isEmpty)
        }
    }
}
