import Logging

/// Writes `--debug` lines (`launchwatch run --debug`) for a swift-log `Logger`: one line per HTTP
/// request and answer (`HTTPTransport`), per gcloud call and per credential source found, as
/// `debug: <source> <message>` — `debug: http → GET https://…`. The source is the topic the line is
/// logged under (`http`, `gcloud`, `credentials`).
///
/// Providers get the logger in `ProviderContext.logger`; it is `disabled` unless the program asked
/// for debug output. No global logging system is set up (`LoggingSystem.bootstrap`): each logger
/// carries its own handler, so tests running side by side each keep their own lines.
///
/// A line never carries a secret: HTTP lines go through `Redaction` where they are made, and nothing
/// writes request bodies or child environments. The handler does not redact: `write` (the runner's
/// standard error) does its own redaction of the environment's secrets too.
///
/// ```swift
/// let logger = DebugLogHandler.logger { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
/// logger.debug("→ gcloud --version", source: "gcloud")   // debug: gcloud → gcloud --version
/// ```
public struct DebugLogHandler: LogHandler {
    private let write: @Sendable (String) -> Void
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .debug

    /// A handler that hands each line to `write`.
    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// A logger that writes debug lines to `write`.
    public static func logger(_ write: @escaping @Sendable (String) -> Void) -> Logger {
        Logger(label: "launchwatch.debug") { _ in DebugLogHandler(write: write) }
    }

    /// A logger that writes nothing: debug output off.
    public static let disabled = Logger(label: "launchwatch.debug") { _ in SwiftLogNoOpLogHandler() }

    /// The logger a `ProviderContext` takes when it is given none: `disabled`, unless a caller
    /// binds one for the work it starts (`DebugLogHandler.$current.withValue(logger) { ... }`), as the
    /// runner does around a watch with `--debug`, so that the contexts the engine makes carry it.
    @TaskLocal public static var current: Logger = disabled

    public func log(event: LogEvent) {
        write("debug: \(event.source) \(event.message)")
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
