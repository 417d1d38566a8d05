extension ProviderError {
    /// What kind of failure a `ProviderError` is: a short stable code such as `http_429`, `timeout`
    /// or `malformed_response`.
    ///
    /// Match on the members rather than on raw strings:
    ///
    /// ```swift
    /// if error.code == .http(400) { ... }
    /// switch error.code {
    /// case .timeout, .network: retryLater()
    /// case .credentialsRefused: stop()
    /// default: if error.code.httpStatus == 429 { waitForTheHint() }
    /// }
    /// ```
    ///
    /// The set is open, like an HTTP status: a provider with a failure of its own declares a code
    /// beside its kind, from a string literal, lowercase words joined by `_`:
    ///
    /// ```swift
    /// extension ProviderError.Code {
    ///     /// The status page answered, but with a maintenance notice instead of a status.
    ///     static let maintenance: Self = "maintenance"
    /// }
    /// ```
    ///
    /// The raw value is what recordings store (`{"error": {"code": "http_503", ...}}`) and what a
    /// replay throws again, so a member's raw value never changes once released. The built-in
    /// provider modules declare their own codes the same way: `command_failed`, `command_not_started`,
    /// `command_output` (the `command` kind), `gcloud_failed`, `gcloud_not_found`, `gcloud_not_started`
    /// (`vertex-gcloud`), `graphql` (the W&B kinds).
    public struct Code: Hashable, Sendable, RawRepresentable, ExpressibleByStringLiteral, CustomStringConvertible,
        Codable
    {
        /// The code as written in recordings, such as `http_429`.
        public let rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public init(stringLiteral value: String) {
            self.init(rawValue: value)
        }

        /// The raw value, so that a code reads the same in a message as in a recording.
        public var description: String { rawValue }

        // MARK: The configuration

        /// `bad_config`: a configuration value is not usable (a project id that is not one, an
        /// endpoint that is not an http(s) URL, two fields that exclude each other). The message
        /// names the field.
        public static let badConfig: Self = "bad_config"
        /// `configuration`: the provider's `config` could not be decoded (a missing or misspelt
        /// key, a wrong type); the message names every field at fault with its JSON path.
        public static let configuration: Self = "configuration"
        /// `unreadable`: a file the configuration names cannot be read (a recording).
        public static let unreadable: Self = "unreadable"
        /// `bad_recording`: a recording's line is not a recording entry; the message names the line.
        public static let badRecording: Self = "bad_recording"

        // MARK: Credentials

        /// `credentials`: no usable credentials were found, or the ones found cannot be used (an
        /// unreadable key file, a token endpoint that refused them).
        public static let credentials: Self = "credentials"
        /// `credentials_refused`: credentials were not sent because the destination is not a host
        /// they may go to (see the README's "Where credentials may go").
        public static let credentialsRefused: Self = "credentials_refused"

        // MARK: The request

        /// `timeout`: no answer within the provider's timeout (a request, a command, `gcloud`).
        public static let timeout: Self = "timeout"
        /// `cancelled`: the poll was cancelled (the watch is finishing or was interrupted). The
        /// engine drops a cancelled poll's failure instead of reporting it.
        public static let cancelled: Self = "cancelled"
        /// `network`: the host was not reached or the connection broke.
        public static let network: Self = "network"
        /// `redirected`: the server answered with a redirect, which is never followed (credentials
        /// would go along to a host nobody checked).
        public static let redirected: Self = "redirected"
        /// `response_too_large`: the answer passed the size cap and the rest was not read.
        public static let responseTooLarge: Self = "response_too_large"

        /// `http_STATUS`: the backend answered with this HTTP status outside 2xx, such as `http_429`.
        public static func http(_ status: Int) -> Self { Self(rawValue: "http_\(status)") }

        /// The HTTP status of an `http_STATUS` code (`429` for `http_429`), `nil` for other codes.
        public var httpStatus: Int? {
            guard rawValue.hasPrefix("http_") else { return nil }
            let digits = rawValue.dropFirst(5)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let status = Int(digits),
                Self.http(status) == self
            else { return nil }
            return status
        }

        /// Whether this is an `http_STATUS` code.
        public var isHTTP: Bool { httpStatus != nil }

        // MARK: The answer

        /// `malformed_response`: the backend answered, but not in the shape its API documents (not
        /// JSON, a field missing or of another type).
        public static let malformedResponse: Self = "malformed_response"
        /// `unsupported`: the backend does not offer what this configuration needs (an older W&B
        /// server without a field); the message says what to configure instead.
        public static let unsupported: Self = "unsupported"

        // MARK: The provider itself

        /// `internal`: a provider broke its own contract (a batch answered for fewer targets than
        /// it was given). A bug to report, not a backend problem.
        public static let `internal`: Self = "internal"
        /// `error`: a provider threw something other than a `ProviderError`; the message is that
        /// error's description.
        public static let unexpected: Self = "error"
    }
}
