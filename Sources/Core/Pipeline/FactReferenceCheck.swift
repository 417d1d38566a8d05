/// The facts validator: every `${fact.NAME}` in a provider's `config` must be published by another
/// provider of the pipeline, or the provider that waits for it would never run. A provider whose
/// facts depend on its data (`publishedFacts` is `nil`) could publish anything, so it silences the
/// check for the others.
struct FactReferenceCheck {
    /// A provider's `config` that uses facts.
    struct Use {
        var facts: Set<String>
        var config: JSONValue
        /// The path of the `config`.
        var path: JSONPath
        /// The provider's index in `providers`.
        var provider: Int
    }

    /// What a provider publishes; `nil` when it depends on the data.
    struct Publisher {
        var index: Int
        var facts: [String]?
    }

    var uses: [Use]
    var publishers: [Publisher]

    func issues() -> [PipelineIssue] {
        var issues: [PipelineIssue] = []
        for use in uses {
            let others = publishers.filter { $0.index != use.provider }
            if others.contains(where: { $0.facts == nil }) { continue }
            let known = Set(others.flatMap { $0.facts ?? [] })
            for fact in use.facts.sorted() where !known.contains(fact) {
                var location = use.path
                _ = use.config.mapStrings(path: use.path) { text, path in
                    if text.contains("${fact.\(fact)}") { location = path }
                    return text
                }
                let published = known.isEmpty ? "none" : known.sorted().joined(separator: ", ")
                let suggestion = NameSuggestion.nearest(to: fact, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
                issues.append(
                    PipelineIssue(
                        "unknown_fact", at: location,
                        "uses ${fact.\(fact)}, which no other provider of this pipeline publishes"
                            + suggestion + " (facts published here: \(published))"))
            }
        }
        return issues
    }
}
