import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchWandb
import Testing

/// The W&B server and key found where wandb's own tools find them, and kept where they belong.
@Suite("W&B credentials as wandb finds them")
struct WandbCredentialsTests {
    static let key = "local-0123456789abcdef0123456789abcdef01234567"
    static let scenario = """
        {"name": "wandb-login", "timeScale": 0.001,
         "wandb": {"apiKeys": ["\(key)"], "entity": "team"},
         "timeline": [{"at": "0s", "do": "enqueueItem", "item": "item-1", "queue": "gpu", "entity": "team", "name": "train"}]}
        """
    static let launch = #"{"entity": "team", "queue": "gpu", "item": "item-1"}"#

    static func make(_ config: String = launch, environment: [String: String]) throws -> WandbLaunchProvider {
        let configuration = try JSONValueDecoder().decode(
            WandbLaunchProvider.Configuration.self, from: try JSONParser.parse(config))
        return try WandbLaunchProvider(
            configuration: configuration,
            context: ProviderContext(
                id: "queue", baseDirectory: URL(fileURLWithPath: "/"), environment: environment, startedAt: Date()))
    }

    static func poll(_ provider: WandbLaunchProvider) async throws -> PollResult {
        try await provider.poll(PollContext(now: Date(), startedAt: Date(), attempt: 0))
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wandb-login-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// What `wandb login --host http://127.0.0.1:PORT KEY` writes (checked against wandb 0.2x by
    /// `realWandbLogin`): a netrc entry for `host:port` and `base_url` in the settings file.
    static func writeLogin(home: URL, configDirectory: URL, base: URL) throws {
        let netloc = "\(base.host ?? ""):\(base.port ?? 0)"
        try "machine \(netloc)\n  login user\n  password \(key)\n".write(
            to: home.appendingPathComponent(".netrc"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        try "[default]\nbase_url = \(base.absoluteString)\n\n".write(
            to: configDirectory.appendingPathComponent("settings"), atomically: true, encoding: .utf8)
    }

    @Test("a self-hosted W&B on its own port works with only what `wandb login --host` wrote: netrc and settings")
    func selfHostedWithLoginFilesOnly() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            let home = try Self.folder()
            // WANDB_CONFIG_DIR, or ~/.config/wandb when it is unset.
            for configDirectory in [home.appendingPathComponent("cfg"), home.appendingPathComponent(".config/wandb")] {
                try Self.writeLogin(home: home, configDirectory: configDirectory, base: emulator.baseURL)
                var environment = ["HOME": home.path]
                if configDirectory.lastPathComponent == "cfg" { environment["WANDB_CONFIG_DIR"] = configDirectory.path }
                let provider = try Self.make(environment: environment)
                let result = try await Self.poll(provider)
                #expect(result.observations.map(\.status) == ["PENDING"])
                try FileManager.default.removeItem(at: configDirectory)
            }
            // Each poll: the item, and once the optional detail request (createdAt, error).
            let statuses = await emulator.state.requestLog().map(\.status)
            #expect(statuses.count >= 2 && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        }
    }

    @Test("the files the real `wandb login --host` writes are the ones launchwatch reads (conformance)")
    func realWandbLogin() async throws {
        let environment = ProcessInfo.processInfo.environment
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let python = [
            environment["LAUNCHWATCH_CONFORMANCE_PYTHON"],
            repository.appendingPathComponent(".venv-conformance/bin/python").path,
        ].compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else {
            if environment["CI"] != nil { Issue.record("CONFORMANCE NOT RUN: no python with wandb") }
            return
        }
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            let home = try Self.folder()
            let configDirectory = home.appendingPathComponent("cfg")
            let login = try await ProgramRun.run(
                python, ["-m", "wandb", "login", "--host", emulator.baseURL.absoluteString, Self.key],
                environment: [
                    "HOME": home.path, "WANDB_CONFIG_DIR": configDirectory.path, "PATH": "/usr/bin:/bin",
                    "WANDB_SILENT": "true",
                ], inherit: false)
            #expect(login.status == 0 && !login.signalled)
            let provider = try Self.make(environment: ["HOME": home.path, "WANDB_CONFIG_DIR": configDirectory.path])
            #expect(try await Self.poll(provider).observations.map(\.status) == ["PENDING"])
        }
    }

    @Test("netrc is read under host:port first, then the bare host, then its default entry")
    func netrcOrder() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { emulator in
            let home = try Self.folder()
            let host = emulator.baseURL.host ?? "127.0.0.1"
            let port = emulator.baseURL.port ?? 0
            let config = #"{"entity": "team", "queue": "gpu", "item": "item-1", "baseURL": "BASE"}"#
                .replacingOccurrences(of: "BASE", with: emulator.baseURL.absoluteString)
            let wrong = "local-" + String(repeating: "9", count: 40)
            let netrcs = [
                "machine \(host) password \(wrong)\nmachine \(host):\(port) password \(Self.key)\n",
                "machine \(host):1 password \(wrong)\nmachine \(host) password \(Self.key)\n",
                "machine other.example password \(wrong)\ndefault login user password \(Self.key)\n",
            ]
            for netrc in netrcs {
                try netrc.write(to: home.appendingPathComponent(".netrc"), atomically: true, encoding: .utf8)
                let provider = try Self.make(config, environment: ["HOME": home.path])
                #expect(try await Self.poll(provider).observations.count == 1, "\(netrc)")
            }
            #expect(await emulator.state.requestLog().allSatisfy { $0.status == 200 })
        }
    }

    @Test("a key shorter than 40 characters is refused as wandb refuses it, before any request")
    func keyLength() throws {
        let error = #expect(throws: ProviderError.self) {
            try Self.make(environment: ["WANDB_API_KEY": "local-short0123456789"])
        }
        #expect(error?.message == "WANDB_API_KEY invalid: API key must have 40+ characters, has 15.")
        let home = try Self.folder()
        try "machine api.wandb.ai login user password abc$def\n".write(
            to: home.appendingPathComponent(".netrc"), atomically: true, encoding: .utf8)
        let netrcError = #expect(throws: ProviderError.self) { try Self.make(environment: ["HOME": home.path]) }
        #expect(
            netrcError?.message
                == "\(home.path)/.netrc (machine api.wandb.ai) invalid: "
                + "API key may only contain the letters A-Z, digits and underscores.")
        #expect(netrcError?.message.contains("abc$def") == false)
        // wandb's own internal JWTs pass.
        #expect(throws: Never.self) { try Self.make(environment: ["WANDB_API_KEY": "eyJhbGci.eyJzdWIi.c2lnbmF0"]) }
    }

    @Test("an embedding program that skips validation still cannot send the key elsewhere: the client refuses")
    func clientRefusesForeignHost() throws {
        let listener = try ConnectionRecorder()
        defer { listener.close() }
        let config = #"{"entity": "team", "queue": "gpu", "item": "item-1", "baseURL": "http://0.0.0.0:PORT"}"#
            .replacingOccurrences(of: "PORT", with: "\(listener.port)")
        let error = #expect(throws: ProviderError.self) {
            try Self.make(config, environment: ["WANDB_API_KEY": Self.key])
        }
        #expect(error?.code == "credentials_refused")
        #expect(error?.message.contains("plain http") == true)
        #expect(listener.connections == 0)
        // The host a netrc entry holding this key names is the user's own: it is trusted (https).
        let home = try Self.folder()
        try "machine wandb.corp.invalid:8443 login user password \(Self.key)\n".write(
            to: home.appendingPathComponent(".netrc"), atomically: true, encoding: .utf8)
        let own = #"{"entity": "team", "queue": "gpu", "item": "item-1", "baseURL": "https://wandb.corp.invalid:8443"}"#
        #expect(throws: Never.self) { try Self.make(own, environment: ["HOME": home.path]) }
        let refusals = WandbCredentials.refusals(
            baseURL: "https://wandb.corp.invalid:8443",
            environment: ["HOME": home.path, "WANDB_API_KEY": "local-" + String(repeating: "7", count: 40)])
        #expect(refusals.count == 1, "another key than the entry's is not the entry's to receive")
    }
}
