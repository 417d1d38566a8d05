import LaunchWatchCore

/// A `command` provider's program is trusted code: it runs with the user's whole environment, their
/// credentials included, and a shared pipeline could ship it next to itself. So `validate`, `run` and
/// `doctor` refuse every `command` provider (at `providers[i].config.run`, exit 65) unless the run
/// allows the pipeline's programs (`CommandAllowance`: `--allow-commands`, `LAUNCHWATCH_ALLOW_COMMANDS=1`).
/// An embedding program that composes a pipeline in-process decides for itself, as it does which
/// pipeline to load.
extension CommandProvider: CredentialConfined {
    public static let credentialDestinationFields = ["run"]
    public static let credentialDestinationSummary =
        "run names a program that runs with your environment and credentials (trusted code): validate, run and "
        + "doctor refuse it unless the run allows the pipeline's programs with \(CommandAllowance.howToAllow)."

    public static func credentialRefusals(_ configuration: Configuration, context: ProviderContext)
        -> [CredentialRefusal]
    {
        CommandAllowance.refusal(
            of: configuration.run.first ?? "", at: JSONPath([.key("run")]), environment: context.environment
        ).map { [$0] } ?? []
    }
}
