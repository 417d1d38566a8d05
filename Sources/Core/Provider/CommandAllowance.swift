// Full Foundation, not FoundationEssentials: trimmingCharacters(in:) is not in FoundationEssentials.
import Foundation

/// Whether the programs a pipeline names may run for this run: a `command` provider's `run`, a
/// `vertex-gcloud` provider's `gcloud` when it is not the `gcloud` on `PATH`.
///
/// Such a program runs with the environment of whoever runs the pipeline — `WANDB_API_KEY`, Google
/// access tokens, `HOME` and so `~/.netrc` and the application-default credentials — so it is trusted
/// code, as a script in a Makefile is. A pipeline is meant to be shared, and a shared pipeline can
/// ship a program next to itself; so `validate`, `run` and `doctor` refuse to run any of them (exit
/// 65, naming the field) unless the user allows it for the run with `--allow-commands` or
/// `LAUNCHWATCH_ALLOW_COMMANDS=1`. One switch for every program of the run rather than a list of
/// programs: a list of paths would still trust whatever those paths (and the scripts they are given
/// as arguments) contain, so the honest question is the one the switch asks: "do I trust this
/// pipeline's programs?". The rule that a pipeline can never redirect *credentials* to a host
/// (`CredentialDestinationRule`) holds with or without it.
public enum CommandAllowance {
    /// `1` (or `true`, `yes`) allows the run's programs; the runner's `--allow-commands` sets it.
    public static let variable = "LAUNCHWATCH_ALLOW_COMMANDS"

    /// Whether `environment` allows the pipeline's programs to run.
    public static func isAllowed(_ environment: [String: String]) -> Bool {
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespaces).lowercased() else {
            return false
        }
        return ["1", "true", "yes"].contains(value)
    }

    /// `--allow-commands (or LAUNCHWATCH_ALLOW_COMMANDS=1)`.
    public static let howToAllow = "--allow-commands (or \(variable)=1)"

    /// The refusal of `program`, which a pipeline names at `field` (relative to the provider's
    /// `config`), when the run does not allow programs; `nil` when it does.
    public static func refusal(
        of program: String, at field: JSONPath, environment: [String: String]
    ) -> CredentialRefusal? {
        guard !isAllowed(environment) else { return nil }
        return CredentialRefusal(
            field: field,
            message:
                "the pipeline would run the program \(program.isEmpty ? "(none given)" : "\"\(program)\"") with your "
                + "environment and credentials; run a pipeline's programs only when you trust them, and then allow "
                + "them with \(howToAllow)")
    }
}
