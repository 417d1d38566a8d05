#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `providers`: each entry's shape from `ProviderSection`, then its id, kind (from the registry),
/// `config` (checked by the kind), `schedule`, `activate`, `map` and `degradedAfter`; then the
/// references between providers (`degraded` names, facts through `FactReferenceCheck`).
extension PipelineDecoding {
    mutating func providers(_ value: JSONValue?, at path: JSONPath, stages: [Stage]) -> [ProviderSpec] {
        guard let items = reader.array(value, at: path) else {
            providersIncomplete = true
            return []
        }
        if items.isEmpty { reader.error("empty", path, "must list at least one provider") }
        var specs: [ProviderSpec] = []
        defer { providersIncomplete = items.isEmpty || specs.count < items.count }
        var firstPath: [String: JSONPath] = [:]
        var factUses: [FactReferenceCheck.Use] = []
        var publishers: [FactReferenceCheck.Publisher] = []
        for (index, item) in items.enumerated() {
            let itemPath = path.appending(index)
            guard let section = reader.decode(ProviderSection.self, from: item, at: itemPath) else { continue }
            let id = section.id
            if let id {
                reader.checkIdentifier(id, at: itemPath.appending("id"), what: "a provider id")
                if let first = firstPath[id] {
                    reader.error(
                        "duplicate_id", itemPath.appending("id"),
                        "duplicate provider id \"\(id)\" (first used at \(first))")
                } else {
                    firstPath[id] = itemPath.appending("id")
                }
            }
            let kind = section.type
            var registration: RegisteredProvider?
            if let kind {
                registration = registry[kind]
                if registration == nil {
                    reader.error(
                        "unknown_type", itemPath.appending("type"),
                        "unknown provider type \"\(kind)\"" + reader.suggestion(kind, registry.kinds)
                            + " (known types: \(registry.kinds.joined(separator: ", ")))")
                }
            }
            let configPath = itemPath.appending("config")
            var configuration = JSONValue.object([])
            var configIsObject = true
            if let config = section.config {
                if case .object = config {
                    configuration = config
                } else {
                    reader.error("wrong_type", configPath, "must be an object, not \(config.typeDescription)")
                    configIsObject = false
                }
            }
            if let missing = unsetOptionalVariables[index] {
                if let id { omittedProviders.append(OmittedProvider(id: id, missingVariables: missing.sorted())) }
                _ = self.activation(section.activate, at: itemPath.appending("activate"), stages: stages)
                continue
            }
            // A config that is not an object is already reported; its keys cannot be checked.
            if let registration, configIsObject {
                for failure in registration.validate(configuration: configuration, at: configPath) {
                    reader.error("config", failure.path, failure.message)
                }
            }
            let facts = configuration.referencedFacts
            if !facts.isEmpty {
                factUses.append(.init(facts: facts, config: configuration, path: configPath, provider: index))
            }
            publishers.append(.init(index: index, facts: registration?.publishedFacts(configuration: configuration)))

            let schedule = self.schedule(
                section.schedule, at: itemPath.appending("schedule"),
                defaultInterval: registration?.defaultInterval ?? .seconds(1))
            let activation = self.activation(section.activate, at: itemPath.appending("activate"), stages: stages)
            var stageMap = registration?.defaultStageMap ?? [:]
            if let map = section.map {
                for (status, stage) in self.map(map, at: itemPath.appending("map"), stages: stages) {
                    stageMap[status] = stage
                }
            }
            let degradedAfter = reader.integer(ProviderSection.degradedAfterKey, in: section.fields, at: itemPath) ?? 3
            if let id, let registration {
                specs.append(
                    ProviderSpec(
                        id: id, registration: registration, configuration: configuration, configurationPath: configPath,
                        requiredFacts: facts, schedule: schedule, activation: activation, stageMap: stageMap,
                        degradedAfter: degradedAfter))
            }
        }
        reader.issues += FactReferenceCheck(uses: factUses, publishers: publishers).issues()
        for reference in providerReferences where firstPath[reference.id] == nil {
            reader.error(
                "unknown_provider", reference.path,
                "no provider has the id \"\(reference.id)\"" + reader.suggestion(reference.id, firstPath.keys.sorted()))
        }
        return specs
    }

    /// Every `${fact.NAME}` must be published by another provider of the pipeline, or the provider
    /// that waits for it would never run.

    mutating func map(_ value: JSONValue, at path: JSONPath, stages: [Stage]) -> [(String, String?)] {
        guard case .object(let members) = value else {
            reader.error(
                "wrong_type", path, "must be an object of backend status → stage id, not \(value.typeDescription)")
            return []
        }
        var entries: [(String, String?)] = []
        for member in members {
            let memberPath = path.appending(member.key)
            switch member.value {
            case .null:
                entries.append((member.key, nil))
            case .string(let stage):
                if reader.checkStageReference(stage, at: memberPath, stages: stages) {
                    entries.append((member.key, stage))
                }
            default:
                reader.error(
                    "wrong_type", memberPath,
                    "must be a stage id (a string) or null (status changes nothing), not \(member.value.typeDescription)"
                )
            }
        }
        return entries
    }

}
