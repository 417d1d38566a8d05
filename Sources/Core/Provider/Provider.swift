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
///             throw ProviderError(code: .badConfig, message: "url is not a URL")
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
