import Foundation
import LaunchWatchCore

/// Sends authorised JSON requests to a Google REST API over one `HTTPTransport` (one connection
/// reused between polls, answers capped at 16 MB), fetching a token from `AccessTokenSource`,
/// sending the credentials' quota project as `x-goog-user-project`, refusing a URL Google
/// credentials must not go to (`GoogleCredentialDestinations`), retrying once with a fresh token
/// after a 401, and turning every failure — an error envelope, a
/// timeout, a reset, a runaway answer, a body that is not JSON — into a `ProviderError`.
public struct GoogleAPIClient: Sendable {
    public let tokens: AccessTokenSource
    let transport: HTTPTransport
    /// The service's name in messages: "Vertex AI".
    let service: String
    let timeout: Duration

    public init(service: String, tokens: AccessTokenSource, transport: HTTPTransport, timeout: Duration = .seconds(10))
    {
        self.service = service
        self.tokens = tokens
        self.transport = transport
        self.timeout = timeout
    }

    /// GETs `url` and returns the JSON body.
    public func get(_ url: URL) async throws(ProviderError) -> JSONValue {
        try await send(HTTPTransport.Request(url: url), retryOn401: true)
    }

    /// POSTs `body` as JSON to `url` and returns the JSON body.
    public func post(_ url: URL, body: JSONValue) async throws(ProviderError) -> JSONValue {
        var request = HTTPTransport.Request(url: url)
        request.method = "POST"
        request.setValue("application/json", forHeader: "Content-Type")
        request.body = Data(body.jsonText.utf8)
        return try await send(request, retryOn401: true)
    }

    private func send(_ base: HTTPTransport.Request, retryOn401: Bool) async throws(ProviderError) -> JSONValue {
        // Checked where the token is attached, whatever checked the configuration before.
        try await tokens.check(destination: base.url)
        let token = try await tokens.token()
        var request = base
        request.setValue("Bearer \(token)", forHeader: "Authorization")
        // google/auth/credentials.py `apply`: the quota project rides along with every request.
        if let project = await tokens.quotaProject {
            request.setValue(project, forHeader: "x-goog-user-project")
        }
        request.setValue("application/json", forHeader: "Accept")
        let answer: HTTPTransport.Answer
        do {
            answer = try await transport.send(request, timeout: timeout)
        } catch {
            throw error.providerError(service: service, timeout: timeout)
        }
        if answer.status == 401, retryOn401 {
            await tokens.invalidate(token)
            return try await send(base, retryOn401: false)
        }
        guard (200..<300).contains(answer.status) else {
            throw GoogleAPIError(httpStatus: answer.status, headers: answer.headers, body: answer.body).providerError(
                service: service)
        }
        do {
            return try JSONParser.parse(answer.body)
        } catch {
            throw ProviderError(
                code: .malformedResponse, message: "\(service) sent a body that is not valid JSON (\(error.message))")
        }
    }
}
