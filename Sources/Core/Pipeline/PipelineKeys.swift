/// The keys of the document's root and the reference namespaces; also the source of "did you mean"
/// suggestions. The sections declare their own keys: `StageSection`, `ProviderSection`,
/// `VariablesSection` and `FinishSection` as `CodingKeys`, `schedule` and `activate` with their
/// policies (`ScheduleSection`, `ActivationKind`), where `launchwatch schema` reads them too.
package enum PipelineKeys {
    static let root = ["$schema", "version", "name", "description", "variables", "stages", "providers", "finish"]
    /// How many failed polls in a row make a provider degraded.
    package static let degradedAfter = SectionKey("degradedAfter", .integer(minimum: 1))
    static let namespaces = ["env", "var", "launch", "fact"]
}
