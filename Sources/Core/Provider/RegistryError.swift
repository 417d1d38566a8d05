/// Why a registration was refused.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reasons a registry refuses a kind. A closed set: only `ProviderRegistry` makes these.
    public enum Code: String, Sendable, Hashable, CustomStringConvertible {
        /// `invalid_kind`: the kind is empty or uses more than lowercase letters, digits and `-`.
        case invalidKind = "invalid_kind"
        /// `duplicate_kind`: another type is already registered under the kind.
        case duplicateKind = "duplicate_kind"

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    public var description: String { message }
}
