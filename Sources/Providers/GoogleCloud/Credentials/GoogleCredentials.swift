import Foundation

/// The `credentials` a Google provider's config may give. Without it, credentials are found the way
/// Google's own tools find them (see `AccessTokenSource`).
///
/// ```json
/// "credentials": {"accessTokenFile": "/run/secrets/token"}
/// "credentials": {"serviceAccountKeyFile": "keys/launcher.json"}
/// ```
public struct GoogleCredentials: Decodable, Sendable, Hashable {
    /// A file holding an access token (re-read when a request is refused with 401).
    public var accessTokenFile: String?
    /// A service-account key file (JSON): tokens come from the RS256 JWT-bearer grant at its
    /// `token_uri`.
    public var serviceAccountKeyFile: String?
    /// Overrides the OAuth token endpoint of key and ADC files (an emulator's `/token`). Confined
    /// like every destination: see `GoogleCredentialDestinations`.
    public var tokenEndpoint: String?
    /// Overrides the metadata server (`host:port`), as `GCE_METADATA_HOST` does; confined too.
    public var metadataHost: String?

    public init(
        accessTokenFile: String? = nil, serviceAccountKeyFile: String? = nil, tokenEndpoint: String? = nil,
        metadataHost: String? = nil
    ) {
        self.accessTokenFile = accessTokenFile
        self.serviceAccountKeyFile = serviceAccountKeyFile
        self.tokenEndpoint = tokenEndpoint
        self.metadataHost = metadataHost
    }
}
