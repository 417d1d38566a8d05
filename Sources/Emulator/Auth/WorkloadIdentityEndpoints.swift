import Foundation
import LaunchWatchCore

/// The endpoints behind impersonation and workload identity federation, in the wire formats of
/// Google's references and of what google-auth sends (google/oauth2/sts.py,
/// google/auth/impersonated_credentials.py):
///
/// - **STS token exchange** (`sts.googleapis.com`), `POST /v1/token`, route `token.sts`: a form body
///   with `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`, `audience`, `scope`,
///   `requested_token_type=urn:ietf:params:oauth:token-type:access_token`, `subject_token`,
///   `subject_token_type`. The subject token must be one of `auth.subjectTokens` (any non-empty one
///   when that is empty, unless `auth.strict`). Success: `{"access_token", "issued_token_type",
///   "token_type": "Bearer", "expires_in"}`; failures are OAuth errors (`invalid_request`,
///   `invalid_grant`, `unsupported_grant_type`) with an `error_description`.
/// - **IAM Credentials** (`iamcredentials.googleapis.com`), `POST
///   /v1/projects/-/serviceAccounts/{account}:generateAccessToken`, route
///   `iam.generateAccessToken`: a bearer token that passes the scenario's auth (401/403 otherwise),
///   a JSON body `{"delegates", "scope": [...], "lifetime": "3600s"}` with at least one scope and a
///   lifetime of at most 3600s. Success: `{"accessToken", "expireTime"}`, the time in whole seconds
///   (`2026-12-07T17:00:00Z`, which google-auth parses with `%Y-%m-%dT%H:%M:%SZ`).
///
/// Issued tokens are the emulator's own, valid for `auth.tokenLifetime`.
enum WorkloadIdentityEndpoints {
    static let tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"

    static var routes: [EmulatorRoute] {
        [
            EmulatorRoute(name: "token.sts", method: .post, pattern: "/v1/token", family: .google, handler: exchange),
            EmulatorRoute(
                name: "iam.generateAccessToken", method: .post,
                pattern: "/v1/projects/{project}/serviceAccounts/{account}:generateAccessToken", family: .google,
                handler: generateAccessToken),
        ]
    }

    @Sendable static func exchange(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        let form = OAuthTokenEndpoint.parameters(of: request)
        guard form["grant_type"] == tokenExchange else {
            return OAuthTokenEndpoint.error(
                "unsupported_grant_type", "Invalid value for \"grant_type\": \(form["grant_type"] ?? "")")
        }
        for name in ["audience", "subject_token", "subject_token_type"] where (form[name] ?? "").isEmpty {
            return OAuthTokenEndpoint.error("invalid_request", "Missing required field: \(name)")
        }
        guard form["requested_token_type"] == accessTokenType else {
            return OAuthTokenEndpoint.error(
                "invalid_request", "Invalid value for \"requested_token_type\": \(form["requested_token_type"] ?? "")")
        }
        guard !(form["scope"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty else {
            return OAuthTokenEndpoint.error("invalid_scope", "Scope(s) must be provided.")
        }
        let auth = await state.scenario.auth
        let subject = form["subject_token"] ?? ""
        let known = auth.subjectTokens.isEmpty ? !auth.strict : auth.subjectTokens.contains(subject)
        guard known else {
            return OAuthTokenEndpoint.error("invalid_grant", "The given subject token is invalid or has expired.")
        }
        let (token, expiresIn) = await state.read { $0.issueToken() }
        return .json(AccessTokenAnswer(accessToken: token, expiresIn: expiresIn, issuedTokenType: accessTokenType))
    }

    @Sendable static func generateAccessToken(_ request: EmulatorRequest, _ state: EmulatorState) async
        -> EmulatorResponse
    {
        if let refused = await GoogleError.authorize(request, state) { return refused }
        let account = request.parameters["account"] ?? ""
        guard account.contains("@") || (!account.isEmpty && account.allSatisfy(\.isNumber)) else {
            return GoogleError.response(404, "Not found; Gaia id not found for email \(account)")
        }
        guard case .object = request.json else {
            return GoogleError.response(400, "Invalid JSON payload received. Expected an object.")
        }
        var scopes: [String] = []
        if case .array(let values)? = request.json?["scope"] {
            scopes = values.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }
        guard !scopes.isEmpty else { return GoogleError.response(400, "Scope required.") }
        var lifetime = 3600.0
        if case .string(let text)? = request.json?["lifetime"] {
            guard text.hasSuffix("s"), let seconds = Double(text.dropLast()), seconds > 0 else {
                return GoogleError.response(
                    400, "Invalid value at 'lifetime' (type.googleapis.com/google.protobuf.Duration)")
            }
            guard seconds <= 3600 else {
                return GoogleError.response(
                    400, "The lifetime requested is greater than the maximum allowed for the service account.")
            }
            lifetime = seconds
        }
        let (token, expiresIn) = await state.read { $0.issueToken() }
        let expiry = Int64(Date().timeIntervalSince1970) + Int64(min(Double(expiresIn), lifetime))
        return .json(GeneratedAccessToken(accessToken: token, expireTime: RFC3339.string(wholeSeconds: expiry)))
    }

    /// IAM Credentials' `GenerateAccessTokenResponse`.
    struct GeneratedAccessToken: Codable, Sendable, Equatable {
        var accessToken: String
        /// Whole seconds, `Z`.
        var expireTime: String
    }
}
