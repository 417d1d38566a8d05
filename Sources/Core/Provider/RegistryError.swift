/// Why a registration was refused.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var description: String { message }
}
