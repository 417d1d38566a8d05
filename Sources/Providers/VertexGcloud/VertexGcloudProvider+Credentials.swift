import LaunchWatchCore
import LaunchWatchGoogleCloud

/// gcloud runs with the user's credentials and sends them wherever its environment points it, so
/// what a pipeline may change about it is confined:
/// - `gcloud`: the default `gcloud` on `PATH` runs as it is; any other program (a path, possibly one
///   shipped next to the pipeline) is the pipeline's own code and runs only when the run allows the
///   pipeline's programs (`CommandAllowance`: `--allow-commands`).
/// - `env`: an allow-list. `CLOUDSDK_API_ENDPOINT_OVERRIDES_*` and `CLOUDSDK_AUTH_TOKEN_HOST` go only
///   where `GoogleCredentialDestinations` allows; `harmlessVariables` (project, region, prompts, update
///   checks) always pass. Any other variable can run code (`CLOUDSDK_PYTHON`, `PYTHONPATH`,
///   `LD_PRELOAD`, `PATH`) or pick other credentials (`CLOUDSDK_CONFIG`,
///   `CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE`), so it needs `--allow-commands` too. A variable that
///   turns off or replaces TLS verification or routes gcloud through a proxy is refused even then.
extension VertexGcloudProvider: CredentialConfined {
    // `gcloud` is not listed: it is not a URL (the schema would give it a URL's pattern); the summary
    // and the field's own description say that it needs the allowance.
    public static let credentialDestinationFields = ["env"]
    public static let credentialDestinationSummary: String = {
        let harmless = harmlessVariables.sorted().joined(separator: ", ")
        let programs: String =
            "A gcloud other than the gcloud on PATH, and env variables other than " + harmless
            + ", run only when the run allows the pipeline's programs with " + CommandAllowance.howToAllow + "."
        return GoogleCredentialDestinations.summary
            + " In env, CLOUDSDK_API_ENDPOINT_OVERRIDES_* and CLOUDSDK_AUTH_TOKEN_HOST are held to the same rule, "
            + "and variables that set a proxy or change TLS verification are refused. " + programs
    }()

    /// Variables a pipeline may always set for gcloud: they choose the project and region gcloud
    /// works in and quieten it, and neither run code nor change which credentials gcloud uses.
    static let harmlessVariables: Set<String> = [
        "CLOUDSDK_CORE_PROJECT", "CLOUDSDK_COMPUTE_REGION", "CLOUDSDK_AI_REGION", "CLOUDSDK_CORE_DISABLE_PROMPTS",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING",
    ]

    /// Variables that would let whoever wrote the pipeline read gcloud's traffic.
    static let interceptingVariables: Set<String> = [
        "CLOUDSDK_AUTH_DISABLE_SSL_VALIDATION", "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE", "REQUESTS_CA_BUNDLE",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY",
    ]

    public static func credentialRefusals(_ configuration: Configuration, context: ProviderContext)
        -> [CredentialRefusal]
    {
        let rule = GoogleCredentialDestinations.rule(environment: context.environment)
        var refusals: [CredentialRefusal] = []
        let gcloud = (configuration.gcloud ?? "gcloud").trimmingCharacters(in: .whitespaces)
        if gcloud != "gcloud",
            let refusal = CommandAllowance.refusal(
                of: gcloud, at: JSONPath([.key("gcloud")]), environment: context.environment)
        {
            refusals.append(refusal)
        }
        let programsAllowed = CommandAllowance.isAllowed(context.environment)
        for (name, value) in (configuration.env ?? [:]).sorted(by: { $0.key < $1.key }) {
            let field = JSONPath([.key("env"), .key(name)])
            let upper = name.uppercased()
            if upper.hasPrefix("CLOUDSDK_API_ENDPOINT_OVERRIDES_") || upper == "CLOUDSDK_AUTH_TOKEN_HOST" {
                if let why = rule.refusal(value, environment: context.environment) {
                    refusals.append(CredentialRefusal(field: field, message: why))
                }
            } else if interceptingVariables.contains(upper) || upper.hasPrefix("CLOUDSDK_PROXY_") {
                refusals.append(
                    CredentialRefusal(
                        field: field,
                        message:
                            "a pipeline may not set \(name) for gcloud: it would let another party read gcloud's "
                            + "requests, and the credentials in them; set it in your own environment if you need it"))
            } else if !harmlessVariables.contains(name), !programsAllowed {
                refusals.append(
                    CredentialRefusal(
                        field: field,
                        message: Self.programVariableRefusal(name)))
            }
        }
        return refusals
    }

    /// Why `name` in `env` needs the run to allow the pipeline's programs.
    static func programVariableRefusal(_ name: String) -> String {
        let harmless = harmlessVariables.sorted().joined(separator: ", ")
        return "a pipeline may set for gcloud only " + harmless + " and endpoint overrides: " + name
            + " could make gcloud run other code or use other credentials; set it in your own environment, or, "
            + "if you trust this pipeline's programs, allow them with " + CommandAllowance.howToAllow
    }
}
