import Foundation

/// A folder in which the real `gcloud` (the one on `PATH`) talks to an emulator: a config directory
/// of its own, an access-token file, and the environment that points gcloud's Vertex AI endpoint at
/// the emulator. Every test that runs gcloud makes one.
///
/// ```swift
/// guard let sandbox = try GcloudSandbox(emulator: harness.baseURL, token: "ya29.test") else { return }
/// defer { sandbox.remove() }
/// // run sandbox.gcloud with sandbox.environment
/// ```
public struct GcloudSandbox: Sendable {
    /// The real gcloud's path.
    public let gcloud: String
    /// The folder; a test may put its own files (a stand-in script) in it.
    public let directory: URL
    /// `CLOUDSDK_*` variables: the config directory, the endpoint, the token file, no prompts, no
    /// update checks or usage reports.
    public let environment: [String: String]

    /// The gcloud on `PATH`, if there is one.
    public static var installed: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/gcloud" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// `nil` when no gcloud is on `PATH` (the caller decides whether that is a failure).
    public init?(emulator: URL, token: String) throws {
        guard let gcloud = Self.installed else { return nil }
        self.gcloud = gcloud
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "launchwatch-gcloud-\(UUID().uuidString)")
        let configuration = directory.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: configuration, withIntermediateDirectories: true)
        let tokenFile = directory.appendingPathComponent("token")
        try Data("\(token)\n".utf8).write(to: tokenFile)
        environment = [
            "CLOUDSDK_CONFIG": configuration.path,
            // gcloud requires the trailing slash.
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM": emulator.absoluteString + "/",
            "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE": tokenFile.path,
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "1",
            "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "1",
        ]
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
