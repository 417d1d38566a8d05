#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The provider kinds a pipeline may use, by `type`.
///
/// An ordinary value: the runner's composition root registers the built-in kinds explicitly, and a
/// test or an embedding program builds its own.
///
/// ```swift
/// var registry = ProviderRegistry()
/// try registry.register(ReplayProvider.self)
/// try registry.register(StatusPageProvider.self)
/// ```
public struct ProviderRegistry: Sendable {
    private var entries: [String: RegisteredProvider] = [:]
    /// The registrations `adding` refused, for the program that runs the registry to report
    /// (`LaunchWatchCLI.main` stops with them before it runs any command).
    public private(set) var refusals: [RegistryError] = []

    public init() {}

    /// A copy with `type` added: the composition root's one-liner,
    /// `LaunchWatchCLI.main(registry: .builtin.adding(MyProvider.self))`. A refused kind (a duplicate,
    /// an invalid name) is not added; it is kept in `refusals`.
    public func adding<P: Provider>(_ type: P.Type) -> ProviderRegistry {
        var copy = self
        do {
            try copy.register(type)
        } catch {
            copy.refusals.append(error)
        }
        return copy
    }

    /// Adds a provider kind. Throws when the kind is already registered or is not a valid name
    /// (lowercase letters, digits and `-`).
    public mutating func register<P: Provider>(_ type: P.Type) throws(RegistryError) {
        let kind = P.kind
        guard !kind.isEmpty, kind.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) else {
            throw RegistryError(
                code: .invalidKind,
                message: "provider kind \"\(kind)\" of \(P.self) must use lowercase letters, digits and '-' only")
        }
        if let existing = entries[kind] {
            throw RegistryError(
                code: .duplicateKind,
                message: "provider kind \"\(kind)\" is registered twice (\(existing.typeName) and \(P.self))")
        }
        entries[kind] = RegisteredProvider(P.self)
    }

    /// The registered kinds, sorted.
    public var kinds: [String] { entries.keys.sorted() }

    /// The registration for `kind`, if any.
    public subscript(kind: String) -> RegisteredProvider? { entries[kind] }
}
