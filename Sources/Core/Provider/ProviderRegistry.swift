#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The provider kinds a pipeline may use, by `type`.
///
/// An ordinary value: the runner's composition root registers the built-in kinds explicitly, and a
/// test or an embedding program builds its own.
///
/// ```swift
/// var registry = ProviderRegistry()
/// try registry.register(ReplayProvider.self)
/// try registry.register(StatusPageProvider.self)
/// ```
public struct ProviderRegistry: Sendable {
    private var entries: [String: RegisteredProvider] = [:]
    /// The registrations `adding` refused, for the program that runs the registry to report
    /// (`LaunchWatchCLI.main` stops with them before it runs any command).
    public private(set) var refusals: [RegistryError] = []

    public init() {}

    /// A copy with `type` added: the composition root's one-liner,
    /// `LaunchWatchCLI.main(registry: .builtin.adding(MyProvider.self))`. A refused kind (a duplicate,
    /// an invalid name) is not added; it is kept in `refusals`.
    public func adding<P: Provider>(_ type: P.Type) -> ProviderRegistry {
        var copy = self
        do {
            try copy.register(type)
        } catch {
            copy.refusals.append(error)
        }
        return copy
    }

    /// Adds a provider kind. Throws when the kind is already registered or is not a valid name
    /// (lowercase letters, digits and `-`).
    public mutating func register<P: Provider>(_ type: P.Type) throws(RegistryError) {
        let kind = P.kind
        guard !kind.isEmpty, kind.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) else {
            throw RegistryError(
                code: "invalid_kind",
                message: "provider kind \"\(kind)\" of \(P.self) must use lowercase letters, digits and '-' only")
        }
        if let existing = entries[kind] {
            throw RegistryError(
                code: "duplicate_kind",
                message: "provider kind \"\(kind)\" is registered twice (\(existing.typeName) and \(P.self))")
        }
        entries[kind] = RegisteredProvider(P.self)
    }

    /// The registered kinds, sorted.
    public var kinds: [String] { entries.keys.sorted() }

    /// The registration for `kind`, if any.
    public subscript(kind: String) -> RegisteredProvider? { entries[kind] }
}

/// Why a registration was refused.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var description: String { message }
}

/// A registered provider kind with its type erased, so the engine can decode and create it from
/// JSON.
public struct RegisteredProvider: Sendable {
    public let kind: String
    public let summary: String
    public let configurationFields: [ConfigurationField]
    public let defaultStageMap: [String: String?]
    public let publishedFacts: [String]?
    public let defaultInterval: Duration
    public let statusesNameStages: Bool
    let typeName: String
    public typealias BatchPoller =
        @Sendable ([any Provider], BatchMemory, PollContext) async -> [Result<PollResult, ProviderError>]
    /// The kind's batch poll, when it conforms to `BatchPolling`.
    public let pollBatch: BatchPoller?
    /// The kind's `diagnose` for `launchwatch doctor`, when it conforms to `DiagnosableProvider`.
    public let diagnose: Diagnoser?
    private let factsFromConfiguration: @Sendable (JSONValue) -> [String]??
    typealias CredentialChecker = @Sendable (JSONValue, JSONPath, ProviderContext) -> [PipelineIssue]
    /// The kind's check of where its credentials go, when it conforms to `CredentialConfined`.
    let checkCredentials: CredentialChecker?
    /// The config fields naming where credentials go (`CredentialConfined`); empty for other kinds.
    public let credentialDestinationFields: [String]
    /// Where the kind's credentials may go, for `launchwatch providers KIND`; `nil` for other kinds.
    public let credentialDestinationSummary: String?
    private let decodeAndMake:
        @Sendable (JSONValue, JSONPath, ProviderContext?) throws(JSONValueDecoder.Failures) -> (any Provider)?

    init<P: Provider>(_ type: P.Type) {
        kind = P.kind
        summary = P.summary
        configurationFields = P.configurationFields
        defaultStageMap = P.defaultStageMap
        publishedFacts = P.publishedFacts
        defaultInterval = P.defaultInterval
        statusesNameStages = P.statusesNameStages
        typeName = "\(P.self)"
        if let batching = P.self as? any BatchPolling.Type {
            pollBatch = Self.batchPoller(batching)
        } else {
            pollBatch = nil
        }
        diagnose = (P.self as? any DiagnosableProvider.Type).map { Self.diagnoser($0) }
        factsFromConfiguration = { value in
            guard let configuration = try? JSONValueDecoder().decode(P.Configuration.self, from: value) else {
                return .none
            }
            return .some(P.publishedFacts(for: configuration))
        }
        if let confined = P.self as? any CredentialConfined.Type {
            checkCredentials = Self.credentialChecker(confined)
            credentialDestinationFields = confined.credentialDestinationFields
            credentialDestinationSummary = confined.credentialDestinationSummary
        } else {
            checkCredentials = nil
            credentialDestinationFields = []
            credentialDestinationSummary = nil
        }
        decodeAndMake = { value, path, context throws(JSONValueDecoder.Failures) in
            let configuration = try JSONValueDecoder().decode(P.Configuration.self, from: value, basePath: path)
            guard let context else { return nil }
            do {
                return try P(configuration: configuration, context: context)
            } catch let error as ProviderError {
                throw JSONValueDecoder.Failures(failures: [.init(path: path, message: error.message)])
            } catch {
                throw JSONValueDecoder.Failures(failures: [.init(path: path, message: "\(error)")])
            }
        }
    }

    /// The facts a provider with `configuration` can publish (`Provider.publishedFacts(for:)`); the
    /// kind's `publishedFacts` when the configuration does not decode (its errors are reported apart).
    public func publishedFacts(configuration: JSONValue) -> [String]? {
        factsFromConfiguration(configuration) ?? publishedFacts
    }

    /// Checks that `configuration` decodes; returns the problems, each with its path.
    public func validate(configuration: JSONValue, at path: JSONPath) -> [JSONValueDecoder.Failure] {
        do {
            _ = try decodeAndMake(configuration, path, nil)
            return []
        } catch {
            return error.failures
        }
    }

    /// Decodes `configuration` and creates the provider.
    public func make(configuration: JSONValue, at path: JSONPath, context: ProviderContext) throws(JSONValueDecoder
        .Failures) -> any Provider
    {
        // Checked again on every configuration a provider is made from, the one with facts filled
        // in included: a fact or a `$${` escape may have turned into text the check before the
        // run could not see, and only this check stands between it and the user's credentials.
        // Only where credentials go: whether the pipeline's programs may run was decided for the whole
        // pipeline before any provider was made (`CommandAllowance`, the CLI's `--allow-commands`), and
        // a program embedding launchwatch composes its own pipelines.
        var destinations = context
        destinations.environment[CommandAllowance.variable] = "1"
        if let refused = checkCredentials?(configuration, path, destinations), !refused.isEmpty {
            throw JSONValueDecoder.Failures(failures: refused.map { .init(path: $0.path, message: $0.message) })
        }
        guard let provider = try decodeAndMake(configuration, path, context) else {
            throw JSONValueDecoder.Failures(failures: [.init(path: path, message: "could not be created")])
        }
        return provider
    }
}
