/// The reference namespaces (`${env.NAME}`, `${var.NAME}`, ...), also the source of "did you mean"
/// suggestions. The sections declare their own keys (`DeclaredSection`): `PipelineDocument`,
/// `StageSection`, `ProviderSection`, `VariablesSection.Entry` and `FinishSection`, and `schedule` and
/// `activate` with their policies (`ScheduleSection`, `ActivationKind`); the loader and
/// `launchwatch schema` read them there.
package enum PipelineKeys {
    static let namespaces = ["env", "var", "launch", "fact"]
}
