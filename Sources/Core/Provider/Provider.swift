import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A source of observations about one launch: a status API, a log, a recording.
///
/// A provider is created from its typed `Configuration` (decoded from the pipeline's `config`, with
/// `${fact.NAME}` references already filled in) and then polled on its schedule. It knows nothing of
/// stages: it reports the backend's raw statuses and the pipeline's map places them.
///
/// - `poll` is called by one task at a time per provider, never concurrently with itself; a new
///   instance is made when the facts its configuration uses change.
/// - `poll` must return promptly when its task is cancelled.
/// - Throw `ProviderError` (with a retry hint where the backend gave one) for anything the backend
///   or the network did; the watch reports it and carries on. Never put a secret in a message.
///
/// ```swift
/// struct StatusPageProvider: Provider {
///     struct Configuration: Decodable, Sendable { var url: String }
///     static let kind = "status-page"
///     static let summary = "Reads a JSON status page."
///     static let defaultStageMap: [String: String?] = ["up": "running", "down": "failed"]
///
///     let url: URL
///     init(configuration: Configuration, context: ProviderContext) throws {
///         guard let url = URL(string: configuration.url) else {
///             throw ProviderError(code: "bad_config", message: "url is not a URL")
///         }
///         self.url = url
///     }
///
///     func poll(_ context: PollContext) async throws -> PollResult {
///         let status = try await fetchStatus(url)
///         return PollResult([Observation(status: status)])
///     }
/// }
/// ```
public protocol Provider: Sendable {
    /// The configuration a pipeline gives in `providers[i].config`. Decoded strictly: unknown keys
    /// are errors. Accept any string where a value may come from a variable; check formats in `init`.
    associatedtype Configuration: Decodable & Sendable

    /// The pipeline's `type` for this provider, such as `"vertex-rest"`.
    static var kind: String { get }
    /// One line for `launchwatch providers`.
    static var summary: String { get }
    /// The configuration fields, for `launchwatch providers KIND` and the JSON Schema.
    static var configurationFields: [ConfigurationField] { get }
    /// Raw status → stage id. A `nil` stage means "known, changes nothing"; a status that is absent
    /// is reported once as unmapped. The pipeline's `map` adds to and overrides this.
    static var defaultStageMap: [String: String?] { get }
    /// The facts this provider can publish; `nil` when it cannot know in advance (a recording).
    static var publishedFacts: [String]? { get }
    /// The facts a provider with this configuration can publish, for kinds whose configuration says
    /// (the `command` kind's `publishes`). Defaults to `publishedFacts`; `validate` uses it to check
    /// `${fact.NAME}` references.
    static func publishedFacts(for configuration: Configuration) -> [String]?
    /// How often to poll when the pipeline's `schedule` does not say.
    static var defaultInterval: Duration { get }
    /// When true, a status that equals a declared stage id reaches that stage even without a map
    /// entry (recordings store the stage they reached).
    static var statusesNameStages: Bool { get }

    init(configuration: Configuration, context: ProviderContext) throws

    /// Asks the backend once and reports what it saw.
    func poll(_ context: PollContext) async throws -> PollResult
}

extension Provider {
    public static var configurationFields: [ConfigurationField] { [] }
    public static var defaultStageMap: [String: String?] { [:] }
    public static var publishedFacts: [String]? { [] }
    public static func publishedFacts(for configuration: Configuration) -> [String]? { publishedFacts }
    public static var defaultInterval: Duration { .seconds(1) }
    public static var statusesNameStages: Bool { false }
}

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

/// What a provider learns at each poll.
public struct PollContext: Sendable {
    /// The current time of the watch's clock, as a date.
    public var now: Date
    /// When the watch started.
    public var startedAt: Date
    /// How many polls this provider instance has made before this one (in a sweep's batch poll, how many
    /// polls the batch has made).
    public var attempt: Int
    /// Every fact the watch knows at this poll (not only those the configuration uses), for providers
    /// that hand them on, as the `command` kind does in `LAUNCHWATCH_FACT_<NAME>`: in a sweep, its
    /// target's facts; empty in a batch poll, whose targets each know their own.
    public var facts: [String: String]
    /// The provider's request budget (`schedule.budget.perMinute`, by default what polling at `every`
    /// spends); `nil` when the caller sets none (a provider then assumes 60). The schedule counts a poll
    /// as one request: a poll that sends several (pages, batches) keeps within the budget by asking for
    /// a later next poll (`retryAfter`).
    public var requestsPerMinute: Int?

    public init(
        now: Date, startedAt: Date, attempt: Int, facts: [String: String] = [:], requestsPerMinute: Int? = nil
    ) {
        self.now = now
        self.startedAt = startedAt
        self.attempt = attempt
        self.facts = facts
        self.requestsPerMinute = requestsPerMinute
    }
}

/// One configuration field of a provider kind, as `launchwatch providers KIND` shows it.
public struct ConfigurationField: Sendable, Hashable {
    /// The JSON type of a field, also used for the JSON Schema.
    public enum FieldType: String, Sendable, Hashable {
        case string, integer, number, boolean, duration, object, array
        /// An object whose values are all strings (labels, env).
        case stringMap = "map of strings"
    }

    public var name: String
    public var type: FieldType
    public var required: Bool
    /// The default, as the user would write it, when the field is optional.
    public var defaultValue: String?
    public var summary: String

    public init(
        _ name: String, _ type: FieldType, required: Bool = false, default defaultValue: String? = nil,
        _ summary: String
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.summary = summary
    }
}
