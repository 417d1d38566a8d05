/// What a provider's `diagnose` found: its credentials, the calls it made, and notes (quota, what
/// could not be checked before a launch).
public struct ProviderDiagnosis: Sendable, Hashable {
    /// `nil` for a kind that needs no credentials.
    public var credentials: CredentialReport?
    /// In the order they were made.
    public var checks: [DiagnosisCheck]
    /// Quota notes, and what was left out because a fact or variable is not known yet.
    public var notes: [String]
    /// The documented quota the provider spends, when the service has one.
    public var quota: QuotaUse?

    public init(
        credentials: CredentialReport? = nil, checks: [DiagnosisCheck] = [], notes: [String] = [],
        quota: QuotaUse? = nil
    ) {
        self.credentials = credentials
        self.checks = checks
        self.notes = notes
        self.quota = quota
    }

    /// True when the credentials were found and no check failed.
    public var works: Bool {
        (credentials?.obtained ?? true) && !checks.contains { $0.outcome == .failed }
    }
}
