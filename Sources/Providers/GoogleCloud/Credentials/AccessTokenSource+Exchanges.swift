import Foundation
import LaunchWatchCore

/// The token requests, each as google-auth sends it. Every URL is checked (`checked(_:what:)`)
/// before a credential goes to it.
extension AccessTokenSource {
    typealias Token = (token: String, expiresAt: Date?)

    /// How long a token request may take: the provider's own request timeout, at most 10 s. A token
    /// endpoint that hangs must not hold a poll longer than the API itself may (the fault matrix's
    /// "hang" rows for the impersonation and external-account sources).
    var tokenTimeout: Duration { min(transport.timeout, .seconds(10)) }

    /// An OAuth 2.0 grant: a form POST to `tokenURI` (google/oauth2/_client.py `_token_endpoint_request`).
    func grant(_ tokenURI: String, form: [String: String]) async throws(AccessTokenError) -> Token {
        let url = try checked(tokenURI, what: "the token endpoint")
        return try await oauthTokenResponse(
            formRequest(url, form: form), what: "the token endpoint", timeout: tokenTimeout)
    }

    /// IAM Credentials `generateAccessToken`: `POST url` with the source's bearer token and
    /// `{"delegates", "scope", "lifetime": "3600s"}`; the answer is `{"accessToken", "expireTime"}`
    /// (google/auth/impersonated_credentials.py `_perform_refresh_token`, `_make_iam_token_request`).
    func generateAccessToken(_ text: String, bearer: String, delegates: [String]?, lifetime: Int)
        async throws(AccessTokenError) -> Token
    {
        let url = try checked(text, what: "the IAM Credentials endpoint")
        var request = HTTPTransport.Request(url: url)
        request.method = "POST"
        request.setValue("application/json", forHeader: "Content-Type")
        request.setValue("Bearer \(bearer)", forHeader: "Authorization")
        let body = JSONValue.object([
            ("delegates", delegates.map { .array($0.map { .string($0) }) } ?? .null),
            ("scope", .array([.string(Self.scope)])), ("lifetime", .string("\(lifetime)s")),
        ])
        request.body = Data(body.jsonText.utf8)
        let answer = try await send(request, what: "the IAM Credentials endpoint", timeout: tokenTimeout)
        let json = try? JSONParser.parse(answer.body)
        guard answer.status == 200, case .string(let token)? = json?["accessToken"], !token.isEmpty else {
            var reason = "no accessToken"
            if case .string(let message)? = json?["error"]?["message"] { reason = message }
            throw AccessTokenError("the IAM Credentials endpoint refused: HTTP \(answer.status): \(reason)")
        }
        var expiresAt = Date().addingTimeInterval(Double(lifetime))
        if case .string(let text)? = json?["expireTime"], let date = RFC3339.date(from: text) { expiresAt = date }
        return (token, expiresAt)
    }

    /// An `external_account`: the subject token, the STS token exchange (RFC 8693, a form POST to
    /// `token_url`: google/oauth2/sts.py `exchange_token`, with the grant and token types of
    /// google/auth/external_account.py), then `generateAccessToken` when the file asks for it.
    func exchange(_ account: ExternalAccount) async throws(AccessTokenError) -> Token {
        let subjectToken = try await subjectToken(account)
        let url = try checked(account.tokenURL, what: "the STS endpoint")
        var form = [
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "audience": account.audience,
            "scope": Self.scope, "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "subject_token": subjectToken, "subject_token_type": account.subjectTokenType,
        ]
        if let project = account.workforcePoolUserProject, account.clientID == nil {
            form["options"] = JSONValue.object([("userProject", .string(project))]).jsonText
        }
        var request = formRequest(url, form: form)
        if let clientID = account.clientID {
            let pair = "\(clientID):\(account.clientSecret ?? "")"
            request.setValue("Basic " + Data(pair.utf8).base64EncodedString(), forHeader: "Authorization")
        }
        let exchanged = try await oauthTokenResponse(request, what: "the STS endpoint", timeout: tokenTimeout)
        guard let impersonation = account.impersonationURL else { return exchanged }
        return try await generateAccessToken(
            impersonation, bearer: exchanged.token, delegates: nil, lifetime: account.impersonationLifetime)
    }

    /// The subject token, from the file or the URL, as text or from a JSON field
    /// (google/auth/identity_pool.py `_FileSupplier`, `_UrlSupplier`, `_parse_token_data`). A text
    /// token is used as it is, as google-auth does.
    private func subjectToken(_ account: ExternalAccount) async throws(AccessTokenError) -> String {
        let content: String
        let location: String
        switch account.subject {
        case .file(let path):
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw AccessTokenError("File '\(path)' was not found.")
            }
            content = text
            location = path
        case .url(let text, let headers):
            let url = try checked(text, what: "the subject token URL")
            var request = HTTPTransport.Request(url: url)
            for (name, value) in headers { request.setValue(value, forHeader: name) }
            let answer = try await send(request, what: "the subject token URL", timeout: tokenTimeout)
            guard answer.status == 200 else {
                throw AccessTokenError("Unable to retrieve Identity Pool subject token (HTTP \(answer.status))")
            }
            content = String(decoding: answer.body, as: UTF8.self)
            location = url.absoluteString
        }
        var token = content
        if let field = account.subjectTokenField {
            guard let json = try? JSONParser.parse(Data(content.utf8)), case .string(let value)? = json[field] else {
                throw AccessTokenError(
                    "Unable to parse subject_token from JSON file '\(location)' using key '\(field)'")
            }
            token = value
        }
        guard !token.isEmpty else { throw AccessTokenError("Missing subject_token in the credential_source file") }
        return token
    }

    func formRequest(_ url: URL, form: [String: String]) -> HTTPTransport.Request {
        var request = HTTPTransport.Request(url: url)
        request.method = "POST"
        request.setValue("application/x-www-form-urlencoded", forHeader: "Content-Type")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        request.body = Data(
            form.sorted { $0.key < $1.key }.map {
                "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
            }.joined(separator: "&").utf8)
        return request
    }

    func send(_ request: HTTPTransport.Request, what: String, timeout: Duration) async throws(AccessTokenError)
        -> HTTPTransport.Answer
    {
        do {
            return try await transport.send(request, timeout: timeout)
        } catch {
            throw AccessTokenError("\(what) did not answer (\(error.summary))")
        }
    }

    /// An OAuth-style answer: `{"access_token", "expires_in"}` (a number, or a string as some STS
    /// servers send: external_account.py), or `{"error", "error_description"}`.
    func oauthTokenResponse(_ request: HTTPTransport.Request, what: String, timeout: Duration)
        async throws(AccessTokenError)
        -> Token
    {
        let answer = try await send(request, what: what, timeout: timeout)
        let json = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
        guard answer.status == 200, let token = json?["access_token"] as? String, !token.isEmpty else {
            let reason = (json?["error_description"] as? String) ?? (json?["error"] as? String) ?? "no access_token"
            throw AccessTokenError("\(what) refused: HTTP \(answer.status): \(reason)")
        }
        let expiresIn =
            (json?["expires_in"] as? NSNumber)?.doubleValue ?? (json?["expires_in"] as? String).flatMap(Double.init)
            ?? 3600
        return (token, Date().addingTimeInterval(expiresIn))
    }
}
