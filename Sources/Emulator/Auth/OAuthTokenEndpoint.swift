import Foundation
import LaunchWatchCore
import _CryptoExtras

/// Google's OAuth 2.0 token endpoint, `POST /token` (also `/o/oauth2/token`), route `token.oauth`:
/// a form-encoded body (JSON is read too) with one of two grants.
///
/// - `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT` — a service-account key.
///   The JWT must be RS256-signed with the key whose public half is `auth.serviceAccountPublicKey`
///   (without a key configured the signature is not checked, unless `auth.strict`), its `iss` must be
///   `auth.serviceAccountEmail` when that is set, its `aud` Google's token endpoint
///   (`https://oauth2.googleapis.com/token`, or the legacy `https://accounts.google.com/o/oauth2/token`)
///   even when the key file's `token_uri` points here — google-auth signs that constant —,
///   `iat`/`exp` at most an hour apart and around now (wall-clock time: the
///   client signs with its own clock, not the scenario's), and a `scope` is required.
/// - `grant_type=refresh_token` with `client_id`, `client_secret` and `refresh_token` — a user's ADC
///   file. The refresh token must be one of `auth.refreshTokens` (when that is empty, any one is
///   accepted unless `auth.strict`); the client id and secret must be present.
///
/// Success is `{"access_token", "expires_in", "token_type": "Bearer"}` (plus `scope` for a refresh);
/// the token is valid for `auth.tokenLifetime` scenario seconds and revoked by `expireTokens`.
/// Failures are Google's: 400 `{"error": "invalid_grant", "error_description": "Invalid JWT
/// Signature."}`, `unsupported_grant_type`, `invalid_request`, `invalid_scope`, 401 `invalid_client`.
enum OAuthTokenEndpoint {
    static let jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    static let audiences = ["https://oauth2.googleapis.com/token", "https://accounts.google.com/o/oauth2/token"]
    /// Clock difference tolerated between the client and the endpoint.
    static let skew: Double = 300

    private static let headers = [
        "cache-control": "no-cache, no-store, max-age=0, must-revalidate", "pragma": "no-cache",
        "content-type": "application/json; charset=utf-8",
    ]

    /// OAuth 2.0's error body (RFC 6749 §5.2): `{"error": "invalid_grant", "error_description": "..."}`.
    struct ErrorBody: Codable, Sendable, Equatable {
        var error: String
        var errorDescription: String

        enum CodingKeys: String, CodingKey {
            case error
            case errorDescription = "error_description"
        }
    }

    static func error(_ code: String, _ description: String, status: Int = 400) -> EmulatorResponse {
        .json(ErrorBody(error: code, errorDescription: description), status: status, headers: headers)
    }

    @Sendable static func respond(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        let form = parameters(of: request)
        let auth = await state.scenario.auth
        switch form["grant_type"] ?? "" {
        case jwtBearer:
            guard let assertion = form["assertion"], !assertion.isEmpty else {
                return error("invalid_request", "Missing required parameter: assertion")
            }
            if let refused = check(assertion, auth: auth, now: Date()) {
                return refused
            }
        case "refresh_token":
            guard let clientID = form["client_id"], !clientID.isEmpty else {
                return error("invalid_request", "Could not determine client ID from request.")
            }
            guard let secret = form["client_secret"], !secret.isEmpty else {
                return error("invalid_request", "client_secret is missing.")
            }
            guard let refreshToken = form["refresh_token"], !refreshToken.isEmpty else {
                return error("invalid_request", "Missing required parameter: refresh_token")
            }
            let known = auth.refreshTokens.isEmpty ? !auth.strict : auth.refreshTokens.contains(refreshToken)
            guard known else { return error("invalid_grant", "Bad Request") }
        case let other:
            return error("unsupported_grant_type", "Invalid grant_type: \(other)")
        }
        let (token, expiresIn) = await state.read { $0.issueToken() }
        let scope =
            form["grant_type"] == "refresh_token"
            ? (form["scope"] ?? "https://www.googleapis.com/auth/cloud-platform") : nil
        return .json(AccessTokenAnswer(accessToken: token, expiresIn: expiresIn, scope: scope), headers: headers)
    }

    /// The form fields (the last value wins); a JSON object body is read as well.
    static func parameters(of request: EmulatorRequest) -> [String: String] {
        if request.headers["content-type"]?.lowercased().hasPrefix("application/json") == true,
            case .object(let members)? = request.json
        {
            var fields: [String: String] = [:]
            for member in members {
                if case .string(let value) = member.value { fields[member.key] = value }
            }
            return fields
        }
        let items = EmulatorRequest.queryItems(String(decoding: request.body, as: UTF8.self))
        return Dictionary(items.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// Whether `audience` names this endpoint. Google checks the JWT's `aud` against its own token
    /// URIs only; google-auth always signs `https://oauth2.googleapis.com/token`, wherever `token_uri`
    /// points (google/oauth2/service_account.py `_make_authorization_grant_assertion`), so an
    /// assertion that names an emulator's URL is refused, as Google would refuse it.
    static func isTokenEndpoint(_ audience: String) -> Bool {
        audiences.contains(audience)
    }

    /// The error answer for an assertion Google would refuse; `nil` when it is good.
    static func check(_ text: String, auth: Scenario.Auth, now: Date) -> EmulatorResponse? {
        guard let assertion = ServiceAccountAssertion(text) else {
            return error("invalid_grant", "Invalid JWT: the assertion is not a signed JWT (header.claims.signature).")
        }
        guard let issuer = assertion.string("iss"), !issuer.isEmpty else {
            return error("invalid_grant", "Invalid JWT: No issuer (iss) claim.")
        }
        if let email = auth.serviceAccountEmail, issuer != email {
            return error("invalid_grant", "Invalid grant: account not found")
        }
        if let pem = auth.serviceAccountPublicKey {
            guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) else {
                return GoogleError.response(
                    500, "The scenario's auth.serviceAccountPublicKey is not an RSA public key in PEM form.")
            }
            guard assertion.isSigned(by: key) else { return error("invalid_grant", "Invalid JWT Signature.") }
        } else if auth.strict {
            return error("invalid_grant", "Invalid JWT Signature.")
        }
        guard let audience = assertion.string("aud"), isTokenEndpoint(audience) else {
            return error("invalid_grant", "Invalid JWT: Failed audience check.")
        }
        let time = now.timeIntervalSince1970
        guard let issuedAt = assertion.number("iat"), let expiry = assertion.number("exp"), expiry > issuedAt,
            expiry - issuedAt <= 3600 + skew, issuedAt <= time + skew, expiry > time - skew
        else {
            return error(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            )
        }
        guard let scope = assertion.string("scope"), !scope.trimmingCharacters(in: .whitespaces).isEmpty else {
            return error("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        }
        return nil
    }
}

/// An OAuth 2.0 access-token answer, as Google's token endpoint and the metadata server write it:
/// `{"access_token", "expires_in", "token_type": "Bearer"}`, plus `scope` for a refresh and
/// `issued_token_type` for an STS exchange.
struct AccessTokenAnswer: Codable, Sendable, Equatable {
    var accessToken: String
    var expiresIn: Int
    var tokenType = "Bearer"
    var scope: String?
    var issuedTokenType: String?

    init(accessToken: String, expiresIn: Int, scope: String? = nil, issuedTokenType: String? = nil) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.scope = scope
        self.issuedTokenType = issuedTokenType
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case expiresIn = "expires_in"
        case tokenType = "token_type"
        case scope
        case issuedTokenType = "issued_token_type"
    }
}
