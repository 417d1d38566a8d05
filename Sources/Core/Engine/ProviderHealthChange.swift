#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A provider's health changed.
public struct ProviderHealthChange: Sendable, Hashable {
    public enum Health: String, Sendable, Hashable {
        case degraded
        case recovered
    }

    public var provider: String
    public var health: Health
    /// For `degraded`, the last error; for `recovered`, how long it was degraded.
    public var message: String
    public var at: Date
}
