#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `activate`: one condition or an array of them, each read by the keys its `ActivationKind`
/// declares.
extension PipelineDecoding {
    /// `activate`: one condition, or an array of conditions of which any activates the provider.
    mutating func activation(_ value: JSONValue?, at path: JSONPath, stages: [Stage]) -> any ActivationPolicy {
        guard let value else { return AlwaysActive() }
        guard case .array(let items) = value else { return condition(value, at: path, stages: stages) }
        if items.isEmpty {
            reader.error(
                "empty", path, "must list at least one condition (or leave out \"activate\" to poll from the start)")
            return AlwaysActive()
        }
        let conditions = items.enumerated().map { condition($1, at: path.appending($0), stages: stages) }
        return conditions.count == 1 ? conditions[0] : ActiveWhenAny(conditions)
    }

    mutating func condition(_ value: JSONValue, at path: JSONPath, stages: [Stage]) -> any ActivationPolicy {
        let allKeys = ActivationKind.conditionKeys
        guard let fields = reader.object(value, at: path, keys: allKeys.map(\.name), required: ["when"]),
            let when = reader.string(fields["when"], at: path.appending("when"))
        else { return AlwaysActive() }
        guard let kind = ActivationKind.named(when) else {
            let names = ActivationKind.names
            reader.error(
                "unknown_value", path.appending("when"),
                "unknown activation \"\(when)\"" + reader.suggestion(when, names)
                    + " (use one of: \(names.joined(separator: ", ")))")
            return AlwaysActive()
        }
        for key in allKeys where key.name != "when" {
            let declared = kind.keys.first { $0.name == key.name }
            if fields[key.name] != nil, declared == nil {
                reader.error("unexpected_key", path.appending(key.name), "is not used by \"when\": \"\(when)\"")
            } else if fields[key.name] == nil, declared?.required == true {
                reader.error("missing_key", path.appending(key.name), "is required by \"when\": \"\(when)\"")
            }
        }
        var values = ActivationKind.Values()
        for key in kind.keys {
            let keyPath = path.appending(key.name)
            switch key.value {
            case .stageID:
                guard let stage = reader.string(fields[key.name], at: keyPath) else { continue }
                reader.checkStageReference(stage, at: keyPath, stages: stages)
                values.stage = stage
            case .duration:
                values.duration = reader.duration(key, in: fields, at: path)
            case .providerIDs:
                guard let items = reader.array(fields[key.name], at: keyPath) else { continue }
                if items.isEmpty { reader.error("empty", keyPath, "must name at least one provider id") }
                for (index, item) in items.enumerated() {
                    guard let id = reader.string(item, at: keyPath.appending(index)) else { continue }
                    values.providers.append(id)
                    providerReferences.append((id, keyPath.appending(index)))
                }
            case .text, .constant, .identifier, .number, .integer, .boolean, .stageIDs, .oneOf, .section, .list,
                .defined, .variables, .providerKind, .configuration, .stageMap:
                // No built-in kind declares these; a kind that did would read them here.
                continue
            }
        }
        return kind.make(values) ?? AlwaysActive()
    }
}
