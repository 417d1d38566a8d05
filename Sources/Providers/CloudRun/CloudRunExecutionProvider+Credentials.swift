import LaunchWatchCore
import LaunchWatchGoogleCloud

/// `endpoint`, `credentials.tokenEndpoint` and `credentials.metadataHost` are checked before any
/// connection: Google credentials go only where `GoogleCredentialDestinations` says.
extension CloudRunExecutionProvider: CredentialConfined {
    public static let credentialDestinationFields = GoogleCredentialDestinations.fields
    public static let credentialDestinationSummary = GoogleCredentialDestinations.summary

    public static func credentialRefusals(_ configuration: Configuration, context: ProviderContext)
        -> [CredentialRefusal]
    {
        GoogleCredentialDestinations.refusals(
            endpoint: configuration.endpoint, credentials: configuration.credentials,
            environment: context.environment)
    }
}
