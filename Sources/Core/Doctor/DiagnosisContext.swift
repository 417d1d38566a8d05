import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a provider's `diagnose` learns from `launchwatch doctor`: where it runs, and what the
/// pipeline says about how often it will poll (for quota notes).
public struct DiagnosisContext: Sendable {
    /// The provider's id in the pipeline.
    public var id: String
    /// The folder of the pipeline file: relative paths in a configuration resolve against it.
    public var baseDirectory: URL
    /// The process environment (or the one a test injects).
    public var environment: [String: String]
    /// When the doctor started (stands in for the watch's start).
    public var startedAt: Date
    /// The most requests the provider's schedule sends in any minute (its budget, or 60 s / `every`).
    public var requestsPerMinute: Int
    /// The HTTP client the checks send through (see `ProviderContext.http`).
    public var http: SharedHTTPClient
    /// Where debug lines go (see `ProviderContext.logger`).
    public var logger: Logger

    public init(
        id: String, baseDirectory: URL, environment: [String: String], startedAt: Date, requestsPerMinute: Int,
        http: SharedHTTPClient = .processWide, logger: Logger = DebugLogHandler.current
    ) {
        self.id = id
        self.baseDirectory = baseDirectory
        self.environment = environment
        self.startedAt = startedAt
        self.requestsPerMinute = requestsPerMinute
        self.http = http
        self.logger = logger
    }

    /// The context a provider's initialiser takes, for building its clients the same way.
    public var providerContext: ProviderContext {
        ProviderContext(
            id: id, baseDirectory: baseDirectory, environment: environment, startedAt: startedAt, http: http,
            logger: logger)
    }

    /// The references in `text` that have no value before a launch, as written: `${fact.run_id}`,
    /// `${var.item}` (a variable not given). Empty when `text` is fully known.
    public func unknownReferences(in text: String?) -> [String] {
        guard let text, text.contains("${"), let template = try? Template(text) else { return [] }
        return template.references.map { "${\($0.namespace).\($0.name)}" }
    }

    /// The unknown references of all of `texts`, in order.
    public func unknownReferences(inAll texts: [String?]) -> [String] {
        texts.reduce(into: []) { $0 += unknownReferences(in: $1) }
    }
}
