#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A decoded, validated pipeline: the stages to report, the providers to run and when the watch
/// ends. Made by `PipelineLoader`; every reference in it (stage ids, provider kinds, facts) has been
/// checked.
public struct Pipeline: Sendable {
    public var name: String
    public var stages: [Stage]
    public var providers: [ProviderSpec]
    public var finish: FinishPolicy
    /// The variables the pipeline declares (`${var.NAME}`), with their defaults.
    public var variables: [VariableDeclaration]
    /// The folder relative paths in provider configurations are resolved against.
    public var baseDirectory: URL
    /// Providers left out of this run because their config uses an optional variable that was given
    /// no value; the watch names them in a notice at the start.
    public var omittedProviders: [OmittedProvider]

    public init(
        name: String, stages: [Stage], providers: [ProviderSpec], finish: FinishPolicy,
        variables: [VariableDeclaration] = [], baseDirectory: URL, omittedProviders: [OmittedProvider] = []
    ) {
        self.name = name
        self.stages = stages
        self.providers = providers
        self.finish = finish
        self.variables = variables
        self.baseDirectory = baseDirectory
        self.omittedProviders = omittedProviders
    }

    /// The stage with `id`, if declared.
    public func stage(_ id: String) -> Stage? { stages.first { $0.id == id } }
}

/// A variable a pipeline declares in `variables`, filled from `--var NAME=value`.
public struct VariableDeclaration: Sendable, Hashable {
    public var name: String
    public var summary: String?
    /// The value used when no `--var` gives one; `nil` makes the variable required unless `optional`.
    public var defaultValue: String?
    /// `"optional": true`: the variable may be left without a value. Then every provider whose `config`
    /// uses it is left out of the run (`Pipeline.omittedProviders`) instead of the run failing: a
    /// pipeline can offer a provider that only works when the user knows one more thing (a launch's
    /// name, an execution id).
    public var optional: Bool

    public init(name: String, summary: String? = nil, defaultValue: String? = nil, optional: Bool = false) {
        self.name = name
        self.summary = summary
        self.defaultValue = defaultValue
        self.optional = optional
    }
}

/// A provider left out of a run: its config uses optional variables that were given no value.
public struct OmittedProvider: Sendable, Hashable {
    public var id: String
    /// The optional variables it needs, sorted.
    public var missingVariables: [String]

    public init(id: String, missingVariables: [String]) {
        self.id = id
        self.missingVariables = missingVariables
    }

    /// `provider "vertex-by-name" is left out: it needs --var name`.
    public var notice: String {
        "provider \"\(id)\" is left out: it needs "
            + missingVariables.map { "--var \($0)=VALUE" }.joined(separator: " and ")
    }
}

/// One entry of the pipeline's `providers`, resolved against the registry.
public struct ProviderSpec: Sendable {
    /// The provider's id, unique in the pipeline.
    public var id: String
    /// The registered kind (`type` in JSON).
    public var registration: RegisteredProvider
    /// The `config` object, variables substituted; `${fact.NAME}` references are still in it.
    public var configuration: JSONValue
    /// Where `config` is in the pipeline file, so run-time errors name the same path.
    public var configurationPath: JSONPath
    /// The facts `configuration` references; the provider is not polled before all are known.
    public var requiredFacts: Set<String>
    package var schedule: ScheduleConfiguration
    package var activation: any ActivationPolicy
    /// Raw status → stage id (`nil`: known, no change): the kind's default map with the pipeline's
    /// `map` applied over it.
    public var stageMap: [String: String?]
    /// Consecutive failed polls after which the provider is reported degraded.
    public var degradedAfter: Int

    package init(
        id: String, registration: RegisteredProvider, configuration: JSONValue = .object([]),
        configurationPath: JSONPath = JSONPath(), requiredFacts: Set<String> = [],
        schedule: ScheduleConfiguration? = nil, activation: any ActivationPolicy = AlwaysActive(),
        stageMap: [String: String?]? = nil, degradedAfter: Int = 3
    ) {
        self.id = id
        self.registration = registration
        self.configuration = configuration
        self.configurationPath = configurationPath
        self.requiredFacts = requiredFacts
        self.schedule = schedule ?? ScheduleConfiguration(every: registration.defaultInterval)
        self.activation = activation
        self.stageMap = stageMap ?? registration.defaultStageMap
        self.degradedAfter = degradedAfter
    }

    /// The stage a raw status reaches, if any: the map first; then, for kinds whose statuses name
    /// stages (recordings), the recorded stage or the status itself when it is a declared stage id.
    /// `.unmapped` when nothing places it.
    package func stage(for status: String, recordedStage: String? = nil, declared stages: [Stage]) -> StageMapping {
        if let entry = stageMap[status] {
            return entry.map { .stage($0) } ?? .ignored
        }
        if registration.statusesNameStages {
            for candidate in [recordedStage, status].compactMap({ $0 })
            where stages.contains(where: { $0.id == candidate }) {
                return .stage(candidate)
            }
        }
        return .unmapped
    }
}

/// Where a raw status leads.
package enum StageMapping: Sendable, Hashable {
    case stage(String)
    case ignored
    case unmapped
}

/// Which stages end the watch, and how long it may take.
public struct FinishPolicy: Sendable, Hashable {
    /// Progress stages that end the watch successfully when reached (outcome stages always end it).
    public var on: Set<String>
    /// The longest a watch may run before it ends with the outcome `deadline`.
    public var deadline: Duration
    /// How long a failure without detail waits for a detail provider before the watch ends.
    public var detailWait: Duration

    public static let defaultDeadline = Duration.seconds(30 * 60)
    public static let defaultDetailWait = Duration.seconds(120)

    public init(on: Set<String> = [], deadline: Duration = defaultDeadline, detailWait: Duration = defaultDetailWait) {
        self.on = on
        self.deadline = deadline
        self.detailWait = detailWait
    }
}
