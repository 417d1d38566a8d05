import LaunchWatchCore

/// `baseURL` is checked before any connection: the W&B API key goes only where
/// `WandbCredentials` says.
extension WandbLaunchProvider: CredentialConfined {
    public static let credentialDestinationFields = ["baseURL"]
    public static let credentialDestinationSummary = WandbCredentials.summary

    public static func credentialRefusals(_ configuration: Configuration, context: ProviderContext)
        -> [CredentialRefusal]
    {
        WandbCredentials.refusals(baseURL: configuration.baseURL, environment: context.environment)
    }
}
