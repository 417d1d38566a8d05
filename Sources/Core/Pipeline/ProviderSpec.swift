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
