#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `stages`: each entry's shape from `StageSection`; ids unique and well formed, outcomes known.
extension PipelineDecoding {
    mutating func stages(_ value: JSONValue?, at path: JSONPath) -> [Stage] {
        guard let items = reader.array(value, at: path) else { return [] }
        if items.isEmpty { reader.error("empty", path, "must declare at least one stage") }
        var stages: [Stage] = []
        var firstPath: [String: JSONPath] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = path.appending(index)
            guard let section = reader.decode(StageSection.self, from: item, at: itemPath), let id = section.id else {
                continue
            }
            reader.checkIdentifier(id, at: itemPath.appending("id"), what: "a stage id")
            var outcome = Stage.Outcome.progress
            if let outcomeText = section.outcome {
                if let parsed = Stage.Outcome(rawValue: outcomeText) {
                    outcome = parsed
                } else {
                    reader.error(
                        "unknown_value", itemPath.appending("outcome"),
                        "must be \"progress\", \"success\" or \"failure\", not \"\(outcomeText)\""
                            + reader.suggestion(outcomeText, Stage.Outcome.allCases.map(\.rawValue)))
                }
            }
            if let first = firstPath[id] {
                reader.error(
                    "duplicate_id", itemPath.appending("id"),
                    "duplicate stage id \"\(id)\" (first declared at \(first))")
                continue
            }
            firstPath[id] = itemPath.appending("id")
            stages.append(Stage(id: id, title: section.title, outcome: outcome))
        }
        return stages
    }

}
