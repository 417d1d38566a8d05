/// A provider kind that sends credentials to hosts its configuration may name (`endpoint`,
/// `baseURL`, a token endpoint). `validate` and `run` ask it before any provider is created or any
/// connection made, and refuse a pipeline whose configuration would send a credential where it does
/// not belong (exit 65, the field's JSON path in the message). Providers check again when they send,
/// so an embedding program that skips the check is covered too.
///
/// ```swift
/// extension MyProvider: CredentialConfined {
///     static let credentialDestinationFields = ["endpoint"]
///     static let credentialDestinationSummary = "the API key goes only to https api.example.com or loopback"
///     static func credentialRefusals(_ configuration: Configuration, context: ProviderContext)
///         -> [CredentialRefusal]
///     {
///         let rule = CredentialDestinationRule(credential: "the API key", trustedHosts: ["api.example.com"])
///         guard let endpoint = configuration.endpoint,
///             let why = rule.refusal(endpoint, environment: context.environment)
///         else { return [] }
///         return [CredentialRefusal(field: JSONPath([.key("endpoint")]), message: why)]
///     }
/// }
/// ```
public protocol CredentialConfined: Provider {
    /// The config fields that name a destination, dotted (`credentials.tokenEndpoint`): the JSON
    /// Schema and `launchwatch providers KIND` say that they are confined.
    static var credentialDestinationFields: [String] { get }
    /// One sentence for `launchwatch providers KIND`: where the kind's credentials may go.
    static var credentialDestinationSummary: String { get }
    /// The destinations in `configuration` (with `${fact.NAME}` references not yet filled in) that
    /// its credentials must not go to. No I/O beyond reading the user's own credential files.
    static func credentialRefusals(_ configuration: Configuration, context: ProviderContext) -> [CredentialRefusal]
}

extension RegisteredProvider {
    /// The check of a kind that conforms to `CredentialConfined`.
    static func credentialChecker<C: CredentialConfined>(_ type: C.Type) -> CredentialChecker {
        { value, path, context in
            guard let configuration = try? JSONValueDecoder().decode(C.Configuration.self, from: value) else {
                return []  // decoding problems are reported by the decoding pass, with their paths
            }
            return C.credentialRefusals(configuration, context: context).map {
                PipelineIssue("credentials_refused", at: path.appending($0.field), $0.message)
            }
        }
    }
}
