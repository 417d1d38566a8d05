#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Which credentials a provider would use — by the name and path of their source, never their
/// value — and whether they gave a token.
public struct CredentialReport: Sendable, Hashable {
    /// Where they come from: `GOOGLE_APPLICATION_CREDENTIALS (/home/me/sa.json)`, `WANDB_API_KEY`,
    /// `/home/me/.netrc (machine api.wandb.ai)`; `nil` when none was found.
    public var source: String?
    /// A token (or key) was obtained from the source.
    public var obtained: Bool
    /// When the token expires, when the source says.
    public var expiresAt: Date?
    /// Why none was obtained.
    public var problem: String?

    public init(source: String?, obtained: Bool, expiresAt: Date? = nil, problem: String? = nil) {
        self.source = source
        self.obtained = obtained
        self.expiresAt = expiresAt
        self.problem = problem
    }
}
