import ArgumentParser
import LaunchWatchCore

/// `--allow-host HOST`, shared by the commands that load pipelines: a host that may receive
/// credentials for this run although a pipeline names it (see `CredentialDestinationRule`). The
/// hosts are added to `LAUNCHWATCH_ALLOW_HOSTS` in the environment the providers see, so the flag
/// and the variable mean the same.
struct AllowHostOptions: ParsableArguments {
    @Option(
        name: .customLong("allow-host"),
        help: ArgumentHelp(
            "Lets credentials go to this host (https) although the pipeline names it; repeat for several. "
                + "Also LAUNCHWATCH_ALLOW_HOSTS=HOST,HOST.",
            valueName: "host"))
    var hosts: [String] = []

    @Flag(
        name: .customLong("allow-commands"),
        help: ArgumentHelp(
            "Lets the pipeline's programs run (command providers' run, a gcloud other than the one on PATH): "
                + "they run with your environment and credentials, so allow them only for pipelines you trust. "
                + "Also LAUNCHWATCH_ALLOW_COMMANDS=1."))
    var commands = false

    func validate() throws {
        for host in hosts {
            let name = host.hasPrefix("*.") ? String(host.dropFirst(2)) : host
            guard !name.isEmpty, !name.contains("/"), !name.contains(":"), !name.contains(","), !name.contains(" ")
            else {
                throw ValidationError(
                    "--allow-host \(host): expected a host name such as wandb.example.com or *.example.com, "
                        + "without a scheme, port or path")
            }
        }
    }

    /// `environment` with the hosts added to `LAUNCHWATCH_ALLOW_HOSTS`, and
    /// `LAUNCHWATCH_ALLOW_COMMANDS=1` with `--allow-commands`.
    func applied(to environment: [String: String]) -> [String: String] {
        var environment = environment
        if commands { environment[CommandAllowance.variable] = "1" }
        guard !hosts.isEmpty else { return environment }
        let variable = CredentialDestinationRule.allowHostsVariable
        let existing = environment[variable].map { [$0] } ?? []
        environment[variable] = (existing + hosts).joined(separator: ",")
        return environment
    }
}
