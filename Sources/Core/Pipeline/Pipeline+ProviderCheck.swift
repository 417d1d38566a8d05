#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Pipeline {
    /// Creates every provider whose configuration is complete now (it needs no fact, and no
    /// reference is left unfilled) and returns what their initialisers refused, with the path of the
    /// provider's `config`: a recording that cannot be read, a speed of 0. `run` and `validate`
    /// report these as pipeline errors before any polling, rather than as a provider that keeps
    /// failing. Initialisers do no network I/O, so this is safe offline. Where credentials would go is
    /// checked first, for every provider (`checkCredentialDestinations`); a provider refused there is
    /// not created.
    public func checkProviders(environment: [String: String], startedAt: Date = Date()) -> [PipelineIssue] {
        var issues = checkCredentialDestinations(environment: environment, startedAt: startedAt)
        let refused = Set(issues.map { Array($0.path.components.prefix(2)) })
        for spec in providers where spec.requiredFacts.isEmpty {
            if refused.contains(Array(spec.configurationPath.components.prefix(2))) { continue }
            var unresolved = false
            _ = spec.configuration.mapStrings { text, _ in
                if text.contains("${") { unresolved = true }
                return text
            }
            if unresolved { continue }
            let context = ProviderContext(
                id: spec.id, baseDirectory: baseDirectory, environment: environment, startedAt: startedAt)
            do {
                _ = try spec.registration.make(
                    configuration: spec.configuration.substitutingFacts([:]), at: spec.configurationPath,
                    context: context)
            } catch {
                for failure in error.failures {
                    issues.append(PipelineIssue("provider_config", at: failure.path, failure.message))
                }
            }
        }
        return issues
    }
}
