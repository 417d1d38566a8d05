import Foundation
import LaunchWatchCore

extension AccessTokenSource {
    /// For `launchwatch doctor`: finds the credentials, obtains a token, and says which source gave
    /// it (by name and path, as `sourceDescription` words it) and when it expires — never the token.
    /// An access token given as such (a file, `GOOGLE_OAUTH_ACCESS_TOKEN`) has no known expiry.
    public func diagnose() async -> CredentialReport {
        do {
            _ = try await token()
            return CredentialReport(source: sourceDescription, obtained: true, expiresAt: cachedExpiry)
        } catch {
            return CredentialReport(source: sourceDescription, obtained: false, problem: error.message)
        }
    }
}
