import Foundation
import LaunchWatchCore

/// Google's error envelope, as every Google REST API writes it:
///
/// ```json
/// {"error": {"code": 429, "message": "Quota exceeded ...", "status": "RESOURCE_EXHAUSTED",
///            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": ..., ...}]}}
/// ```
///
/// `code` is the HTTP status and `status` the canonical code's name; `details` is left out when
/// empty, as the services leave it out.
struct GoogleErrorBody: Codable, Sendable, Equatable {
    var error: Status

    /// `google.rpc.Status` in its JSON form.
    struct Status: Codable, Sendable, Equatable {
        var code: Int
        var message: String
        var status: String
        var details: [ErrorInfo]?
    }

    init(code: Int, message: String, status: String? = nil, details: [ErrorInfo] = []) {
        error = Status(
            code: code, message: message, status: status ?? GoogleError.statusNames[code] ?? "UNKNOWN",
            details: details.isEmpty ? nil : details)
    }
}

/// `google.rpc.ErrorInfo`: why a call failed, in words a program can match (`reason`, `domain`) and
/// the facts that go with it (`metadata`: the permission, the quota limit).
struct ErrorInfo: Codable, Sendable, Equatable {
    var type = "type.googleapis.com/google.rpc.ErrorInfo"
    var reason: String
    var domain: String
    var metadata: [String: String]

    init(reason: String, domain: String, metadata: [String: String]) {
        self.reason = reason
        self.domain = domain
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case type = "@type"
        case reason
        case domain
        case metadata
    }
}

/// Google's error answers: the envelope with the right status, the default bodies of injected
/// faults, and the bearer-token check every Google API route makes first.
enum GoogleError {
    static let statusNames: [Int: String] = [
        400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
        409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
        503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
    ]

    static func response(
        _ code: Int, _ message: String, status: String? = nil, details: [ErrorInfo] = [],
        headers: [String: String] = [:]
    ) -> EmulatorResponse {
        .json(
            GoogleErrorBody(code: code, message: message, status: status, details: details), status: code,
            headers: headers)
    }

    /// The default body of an injected fault with `code`, worded as the services word it.
    static func fault(_ code: Int) -> GoogleErrorBody {
        switch code {
        case 429:
            return GoogleErrorBody(
                code: code,
                message:
                    "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service.",
                details: [
                    ErrorInfo(
                        reason: "RATE_LIMIT_EXCEEDED", domain: "googleapis.com",
                        metadata: ["quota_limit": "ReadRequestsPerMinutePerProject", "quota_limit_value": "60"])
                ])
        case 503: return GoogleErrorBody(code: code, message: "The service is currently unavailable.")
        case 500: return GoogleErrorBody(code: code, message: "Internal error encountered.")
        case 401: return GoogleErrorBody(code: code, message: invalidCredentials)
        case 403: return GoogleErrorBody(code: code, message: "The caller does not have permission")
        default: return GoogleErrorBody(code: code, message: "Injected fault \(code).")
        }
    }

    static let invalidCredentials =
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."

    /// Checks the bearer token of `request`; a 401 or 403 response when it does not pass.
    static func authorize(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse? {
        switch await state.check(bearer: request.bearerToken) {
        case .valid:
            return nil
        case .missing:
            return response(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                headers: ["www-authenticate": "Bearer realm=\"https://accounts.google.com/\""])
        case .invalid, .expired:
            return response(
                401, invalidCredentials,
                headers: ["www-authenticate": "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""])
        case .forbidden:
            return response(403, "The caller does not have permission")
        }
    }
}
