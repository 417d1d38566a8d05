#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One decoding pass over a pipeline document: parses it, reads its root (`PipelineDocument`), has
/// `VariableSubstitution` fill in the variables, decodes each section (`PipelineDecoding+Stages`, `+Providers`, `+Schedule`,
/// `+Activation`, `+Finish`), and runs the validators that need the whole document
/// (`FactReferenceCheck`, `StageReachabilityCheck`). Issues are collected, not thrown, so that all
/// of them are reported at once.
struct PipelineDecoding {
    let registry: ProviderRegistry
    let options: PipelineLoader.Options
    let baseDirectory: URL
    var reader: PipelineReader
    var declaredVariables: [VariableDeclaration] = []
    /// Some `providers` entry could not be resolved (or there are none): their maps are unknown.
    var providersIncomplete = false
    /// Provider index → the optional variables without a value its config uses: it is left out.
    var unsetOptionalVariables: [Int: Set<String>] = [:]
    /// `activate` conditions naming providers (`degraded`), checked once every id is known.
    var providerReferences: [(id: String, path: JSONPath)] = []
    var omittedProviders: [OmittedProvider] = []

    init(registry: ProviderRegistry, options: PipelineLoader.Options, baseDirectory: URL) {
        self.registry = registry
        self.options = options
        self.baseDirectory = baseDirectory
        self.reader = PipelineReader(options: options)
    }

    mutating func decode(_ data: Data) -> Pipeline? {
        let document: JSONValue
        do {
            document = try JSONParser.parse(data)
        } catch {
            reader.error("syntax", error.path, "not valid JSON: \(error)")
            return nil
        }
        guard let root = reader.decode(PipelineDocument.self, from: document, at: JSONPath()) else { return nil }
        var substitution = VariableSubstitution(options: options)
        substitution.declaredVariables = substitution.variables(
            root.variables, at: JSONPath([.key(PipelineDocument.variablesKey.name)]))
        let substituted = substitution.substitute(document)
        reader.issues += substitution.reader.issues
        declaredVariables = substitution.declaredVariables
        unsetOptionalVariables = substitution.unsetOptionalVariables
        guard case .object = substituted else { return nil }
        let rootPath = JSONPath()

        if let version = substituted["version"] {
            if version != .number(1) {
                reader.error(
                    "unsupported_version", rootPath.appending("version"), "must be 1, the only pipeline format version")
            }
        }
        if let schema = substituted["$schema"], case .string = schema {
        } else if let schema = substituted["$schema"] {
            reader.error("wrong_type", rootPath.appending("$schema"), "must be a string, not \(schema.typeDescription)")
        }
        let name = reader.string(substituted["name"], at: rootPath.appending("name")) ?? "pipeline"
        if let description = substituted["description"] {
            _ = reader.string(description, at: rootPath.appending("description"))
        }
        let stages = self.stages(substituted["stages"], at: rootPath.appending("stages"))
        let providers = self.providers(substituted["providers"], at: rootPath.appending("providers"), stages: stages)
        var finish = self.finish(substituted["finish"], at: rootPath.appending("finish"), stages: stages)
        if let deadline = options.deadline { finish.deadline = deadline }
        reader.issues += StageReachabilityCheck(
            stages: stages, providers: providers, finish: finish, providersIncomplete: providersIncomplete
        ).issues()
        return Pipeline(
            name: name, stages: stages, providers: providers, finish: finish, variables: declaredVariables,
            baseDirectory: baseDirectory, omittedProviders: omittedProviders)
    }

}
