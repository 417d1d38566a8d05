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

    /// `environment` with the hosts added to `LAUNCHWATCH_ALLOW_HOSTS`.
    func applied(to environment: [String: String]) -> [String: String] {
        guard !hosts.isEmpty else { return environment }
        var environment = environment
        let variable = CredentialDestinationRule.allowHostsVariable
        let existing = environment[variable].map { [$0] } ?? []
        environment[variable] = (existing + hosts).joined(separator: ",")
        return environment
    }
}
