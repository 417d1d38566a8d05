#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Pipeline {
    /// Where every provider of a `CredentialConfined` kind would send credentials, checked before any
    /// provider is created or any connection is made: the destinations that are refused, each at
    /// its field's JSON path (`providers[1].config.baseURL`) with the host and how to allow it.
    ///
    /// Every provider is checked, also those that wait for a fact: a destination does not depend on
    /// one, and one whose host would come from a fact is refused. `checkProviders` runs this first,
    /// so `validate`, `run` and every command that checks a pipeline refuse such a file (exit 65).
    public func checkCredentialDestinations(environment: [String: String], startedAt: Date = Date()) -> [PipelineIssue]
    {
        providers.flatMap { spec -> [PipelineIssue] in
            guard let check = spec.registration.checkCredentials else { return [] }
            let context = ProviderContext(
                id: spec.id, baseDirectory: baseDirectory, environment: environment, startedAt: startedAt)
            return check(spec.configuration, spec.configurationPath, context)
        }
    }
}
