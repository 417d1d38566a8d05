/// A destination a provider's configuration names that its credential must not go to: the field,
/// relative to the provider's `config` (`credentials.tokenEndpoint`), and why.
public struct CredentialRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: JSONPath
    public var message: String

    public init(field: JSONPath, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }

    /// This refusal as the provider error an initialiser or a request throws.
    public var providerError: ProviderError {
        ProviderError(code: .credentialsRefused, message: "\(field): \(message)")
    }
}
