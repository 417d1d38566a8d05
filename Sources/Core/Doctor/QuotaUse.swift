/// How much of a service's documented quota a provider may spend: its most requests in any minute
/// against the quota's limit. `launchwatch doctor` adds up the providers that share one quota (two
/// Vertex providers in the same project and region).
public struct QuotaUse: Sendable, Hashable {
    /// Names the quota and its scope, so that equal names share it:
    /// `Vertex AI requests in projects/p/locations/us-central1`.
    public var quota: String
    public var requestsPerMinute: Int
    /// The documented limit per minute, shared with every other client of the quota.
    public var limitPerMinute: Int

    public init(quota: String, requestsPerMinute: Int, limitPerMinute: Int) {
        self.quota = quota
        self.requestsPerMinute = requestsPerMinute
        self.limitPerMinute = limitPerMinute
    }
}
