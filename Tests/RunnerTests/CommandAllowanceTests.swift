import Foundation
import LaunchWatchCore
import Testing

/// A pipeline is shared content, and the programs it names run with the credentials of whoever runs
/// it: a `command` provider's `run`, a `vertex-gcloud` provider's `gcloud` other than the one on
/// `PATH`, and the `env` that could make gcloud run other code. `validate`, `run` and `doctor` refuse
/// them (exit 65, naming the field) unless the run allows the pipeline's programs
/// (`--allow-commands`, `LAUNCHWATCH_ALLOW_COMMANDS=1`). Each program here is a script shipped next
/// to the pipeline that leaves a marker file when it runs: refused means the marker never appears.
@Suite("a pipeline's programs run only when the run allows them", .launchWatchSlot)
struct CommandAllowanceTests {
    /// A folder with the pipeline `p.json` and `steal.sh`, which writes `marker` when it runs.
    struct Shared {
        let fixtures: Fixtures
        let pipeline: String
        var marker: String { fixtures.path("marker") }
        var ran: Bool { FileManager.default.fileExists(atPath: marker) }

        init(provider: String) throws {
            fixtures = try Fixtures()
            let script = try fixtures.write("steal.sh", "#!/bin/sh\ntouch \"$(dirname \"$0\")/marker\"\nexit 1\n")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
            pipeline = try fixtures.write(
                "p.json",
                """
                {"name": "shared", "stages": [{"id": "running", "title": "Running"},
                  {"id": "failed", "title": "Failed", "outcome": "failure"}],
                 "providers": [{"id": "p", \(provider.replacingOccurrences(of: "STEAL", with: script)),
                   "map": {"X": "failed"}}],
                 "finish": {"deadline": "2s"}}
                """)
        }
    }

    static let command = #""type": "command", "config": {"run": ["./steal.sh"], "timeout": "1s"}"#
    static let gcloudPath =
        #""type": "vertex-gcloud", "config": {"project": "p", "region": "us-central1", "match": {"jobId": "1"}, "gcloud": "./steal.sh", "timeout": "1s"}"#

    @Test(
        "validate, run and doctor refuse a program the pipeline names, with exit 65, the field and how to allow it",
        arguments: [
            (command, "providers[0].config.run"), (gcloudPath, "providers[0].config.gcloud"),
        ])
    func refused(provider: String, field: String) async throws {
        for subcommand in ["validate", "run", "doctor"] {
            let shared = try Shared(provider: provider)
            let result = try await LaunchWatchProcess.run(
                [subcommand, shared.pipeline], environment: ["HOME": shared.fixtures.directory.path])
            #expect(result.status == 65, "\(subcommand): stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("\(field): "), "\(subcommand): \(result.stderr)")
            #expect(result.stderr.contains("\"./steal.sh\""), "\(subcommand): \(result.stderr)")
            #expect(result.stderr.contains("--allow-commands (or LAUNCHWATCH_ALLOW_COMMANDS=1)"), "\(result.stderr)")
            #expect(!shared.ran, "\(subcommand) ran the pipeline's program")
        }
    }

    @Test("--allow-commands or LAUNCHWATCH_ALLOW_COMMANDS=1 lets them run", arguments: [command, gcloudPath])
    func allowed(provider: String) async throws {
        let shared = try Shared(provider: provider)
        let validated = try await LaunchWatchProcess.run(
            ["validate", shared.pipeline], environment: ["LAUNCHWATCH_ALLOW_COMMANDS": "1"])
        #expect(validated.status == 0, "\(validated.stderr)")
        let run = try await LaunchWatchProcess.run(["run", shared.pipeline, "--allow-commands", "--json"])
        #expect(run.status != 65, "\(run.stderr)")
        #expect(shared.ran, "the allowed program ran: \(run.stderr)")
    }

    @Test("vertex-gcloud's env: only harmless variables and endpoint overrides unless programs are allowed")
    func gcloudEnvironment() async throws {
        let refused = [
            "CLOUDSDK_PYTHON", "PYTHONPATH", "LD_PRELOAD", "PATH", "CLOUDSDK_CONFIG",
            "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE", "cloudsdk_python",
        ]
        let env = (refused + ["CLOUDSDK_CORE_PROJECT", "CLOUDSDK_CORE_DISABLE_PROMPTS"])
            .map { #""\#($0)": "STEAL""# }.joined(separator: ", ")
        let shared = try Shared(
            provider:
                #""type": "vertex-gcloud", "config": {"project": "p", "region": "us-central1", "match": {"jobId": "1"}, "timeout": "5s", "env": {\#(env)}}"#
        )
        // The gcloud on PATH would run CLOUDSDK_PYTHON: refused before it starts.
        let result = try await LaunchWatchProcess.run(["run", shared.pipeline, "--json"])
        #expect(result.status == 65, "\(result.stderr)")
        for name in refused {
            #expect(result.stderr.contains("providers[0].config.env.\(name): "), "\(name): \(result.stderr)")
        }
        #expect(!result.stderr.contains("env.CLOUDSDK_CORE_PROJECT"))
        #expect(!result.stderr.contains("env.CLOUDSDK_CORE_DISABLE_PROMPTS"))
        #expect(result.stderr.contains("--allow-commands"))
        #expect(!shared.ran, "gcloud ran the pipeline's CLOUDSDK_PYTHON")

        let allowed = try await LaunchWatchProcess.run(["validate", shared.pipeline, "--allow-commands"])
        #expect(allowed.status == 0, "\(allowed.stderr)")

        // Interception stays refused, allowed or not.
        let intercepting = try Shared(
            provider:
                #""type": "vertex-gcloud", "config": {"project": "p", "region": "us-central1", "match": {"jobId": "1"}, "env": {"HTTPS_PROXY": "http://127.0.0.1:9"}}"#
        )
        let proxied = try await LaunchWatchProcess.run(["validate", intercepting.pipeline, "--allow-commands"])
        #expect(proxied.status == 65)
        #expect(proxied.stderr.contains("providers[0].config.env.HTTPS_PROXY: "))
    }

    @Test("the default gcloud on PATH needs no allowance")
    func defaultGcloud() async throws {
        let shared = try Shared(
            provider:
                #""type": "vertex-gcloud", "config": {"project": "p", "region": "us-central1", "match": {"jobId": "1"}, "gcloud": "gcloud", "env": {"CLOUDSDK_CORE_PROJECT": "p"}}"#
        )
        let result = try await LaunchWatchProcess.run(["validate", shared.pipeline])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("`providers command` and the schema say a command is trusted code and how to allow it")
    func documented() async throws {
        let described = try await LaunchWatchProcess.run(["providers", "command"])
        #expect(described.stdout.contains("--allow-commands"), "\(described.stdout)")
        let schema = try await LaunchWatchProcess.run(["schema"])
        #expect(schema.stdout.contains("Confined (run)"))
        let help = try await LaunchWatchProcess.run(["run", "--help"])
        #expect(help.stdout.contains("--allow-commands"))
    }
}
