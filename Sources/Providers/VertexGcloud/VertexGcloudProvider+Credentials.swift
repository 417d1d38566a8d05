import LaunchWatchCore
import LaunchWatchGoogleCloud

/// gcloud sends the user's credentials wherever its environment points it, so the `env` a pipeline
/// adds is confined like a REST provider's `endpoint`: `CLOUDSDK_API_ENDPOINT_OVERRIDES_*` and
/// `CLOUDSDK_AUTH_TOKEN_HOST` only where `GoogleCredentialDestinations` allows, and no variable that
/// turns off or replaces TLS verification or routes gcloud through a proxy.
extension VertexGcloudProvider: CredentialConfined {
    public static let credentialDestinationFields = ["env"]
    public static let credentialDestinationSummary =
        GoogleCredentialDestinations.summary
        + " In env, CLOUDSDK_API_ENDPOINT_OVERRIDES_* and CLOUDSDK_AUTH_TOKEN_HOST are held to the same rule, and "
        + "variables that set a proxy or change TLS verification are refused."

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
            }
        }
        return refusals
    }
}
