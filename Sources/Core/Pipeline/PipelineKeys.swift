/// The reference namespaces and `degradedAfter`; also the source of "did you mean" suggestions. The
/// sections declare their own keys: `PipelineDocument`, `StageSection`, `ProviderSection`,
/// `VariablesSection` and `FinishSection` as `CodingKeys`, `schedule` and `activate` with their
/// policies (`ScheduleSection`, `ActivationKind`), where `launchwatch schema` reads them too.
package enum PipelineKeys {
    /// How many failed polls in a row make a provider degraded.
    package static let degradedAfter = SectionKey("degradedAfter", .integer(minimum: 1))
    static let namespaces = ["env", "var", "launch", "fact"]
}
