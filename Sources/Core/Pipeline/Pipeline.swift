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
