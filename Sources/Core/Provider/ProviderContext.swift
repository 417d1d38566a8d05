import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a provider learns once, when it is created.
public struct ProviderContext: Sendable {
    /// The provider's id in the pipeline.
    public var id: String
    /// The folder of the pipeline file: relative paths in a configuration are resolved against it.
    public var baseDirectory: URL
    /// The process environment (or the one a test injects).
    public var environment: [String: String]
    /// When the watch started (also `${launch.startedAt}`).
    public var startedAt: Date
    /// The HTTP client to send requests through (`HTTPTransport(timeout:context:)`): shared by every
    /// provider of the process, so that connections are reused. Never shut down by a provider.
    public var http: SharedHTTPClient
    /// Where `--debug` lines go (`DebugLogHandler`): HTTP requests, gcloud calls, credential sources.
    /// Secrets never go in a line.
    public var logger: Logger

    /// A context; `http` defaults to the process's client and `logger` to the one bound for the
    /// current task (`DebugLogHandler.current`: off unless the caller turned debug output on).
    public init(
        id: String, baseDirectory: URL, environment: [String: String], startedAt: Date,
        http: SharedHTTPClient = .processWide, logger: Logger = DebugLogHandler.current
    ) {
        self.id = id
        self.baseDirectory = baseDirectory
        self.environment = environment
        self.startedAt = startedAt
        self.http = http
        self.logger = logger
    }

    /// `path` resolved against `baseDirectory` unless it is absolute.
    public func resolve(path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        return baseDirectory.appendingPathComponent(path)
    }
}
