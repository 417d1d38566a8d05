/// Why no access token could be had. Its message never contains a secret.
struct AccessTokenError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
