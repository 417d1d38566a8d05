import Foundation
import LaunchWatchCore

/// A request as the emulator's handlers see it.
struct EmulatorRequest: Sendable {
    var method: String
    /// The path without the query, percent-decoded per segment.
    var path: String
    /// Query parameters, percent-decoded (`+` as space); the last value wins for repeated names,
    /// all values are in `queryItems`.
    var query: [String: String]
    var queryItems: [(name: String, value: String)]
    /// Header names lowercased.
    var headers: [String: String]
    var body: Data
    /// Values captured by the route's pattern (`{id}`).
    var parameters: [String: String] = [:]

    /// The body as JSON, or `nil` when it is not JSON.
    var json: JSONValue? { body.isEmpty ? nil : try? JSONParser.parse(body) }

    /// The bearer token of the `Authorization` header.
    var bearerToken: String? {
        guard let value = headers["authorization"], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// What a handler answers.
struct EmulatorResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    init(status: Int = 200, headers: [String: String] = [:], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    static func json(_ value: JSONValue, status: Int = 200, headers: [String: String] = [:]) -> EmulatorResponse {
        var headers = headers
        headers["content-type"] = "application/json; charset=UTF-8"
        return EmulatorResponse(status: status, headers: headers, body: Data(value.jsonText.utf8))
    }

    /// A plain-text answer.
    static func text(_ text: String, status: Int, contentType: String = "text/plain; charset=utf-8")
        -> EmulatorResponse
    {
        EmulatorResponse(status: status, headers: ["content-type": contentType], body: Data(text.utf8))
    }
}

/// One route: a method, a path pattern and a handler. Patterns are literal segments and `{name}`
/// captures; a capture may end in a literal suffix (`{id}:cancel`), and `{name...}` takes the rest.
struct EmulatorRoute: Sendable {
    /// The name the request log and fault rules use: `vertex.list`, `wandb.graphql`...
    var name: String
    var method: String
    var pattern: String
    /// The family for default error bodies: `google` or `wandb` or `emulator`.
    var family: Family
    var handler: @Sendable (EmulatorRequest, EmulatorState) async -> EmulatorResponse

    enum Family: Sendable {
        case google
        case wandb
        case emulator
    }

    /// The captures if `path` matches.
    func match(_ path: String) -> [String: String]? {
        let patternParts = pattern.split(separator: "/", omittingEmptySubsequences: true)
        let pathParts = path.split(separator: "/", omittingEmptySubsequences: true)
        var captures: [String: String] = [:]
        for (index, part) in patternParts.enumerated() {
            if part.hasPrefix("{"), part.hasSuffix("...}") {
                captures[String(part.dropFirst().dropLast(4))] = pathParts.dropFirst(index).joined(separator: "/")
                return captures
            }
            guard index < pathParts.count else { return nil }
            let actual = pathParts[index]
            if part.hasPrefix("{"), let close = part.firstIndex(of: "}") {
                let name = String(part[part.index(after: part.startIndex)..<close])
                let suffix = part[part.index(after: close)...]
                guard actual.hasSuffix(suffix), actual.count > suffix.count else { return nil }
                captures[name] = String(actual.dropLast(suffix.count))
            } else if part != actual {
                return nil
            }
        }
        return patternParts.count == pathParts.count ? captures : nil
    }
}

/// Google's error envelope: `{"error": {"code", "message", "status", "details"}}`.
enum GoogleError {
    static let statusNames: [Int: String] = [
        400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
        409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
        503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
    ]

    static func response(
        _ code: Int, _ message: String, status: String? = nil, details: [JSONValue] = [],
        headers: [String: String] = [:]
    ) -> EmulatorResponse {
        var error: [(key: String, value: JSONValue)] = [
            ("code", .number(Double(code))), ("message", .string(message)),
            ("status", .string(status ?? statusNames[code] ?? "UNKNOWN")),
        ]
        if !details.isEmpty { error.append(("details", .array(details))) }
        return .json(.object([("error", .object(error))]), status: code, headers: headers)
    }

    /// The default body of an injected fault with `code`.
    static func fault(_ code: Int) -> JSONValue {
        let message: String
        var details: [JSONValue] = []
        switch code {
        case 429:
            message = "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service."
            details = [
                .object([
                    ("@type", .string("type.googleapis.com/google.rpc.ErrorInfo")),
                    ("reason", .string("RATE_LIMIT_EXCEEDED")), ("domain", .string("googleapis.com")),
                    (
                        "metadata",
                        .object([
                            ("quota_limit", .string("ReadRequestsPerMinutePerProject")),
                            ("quota_limit_value", .string("60")),
                        ])
                    ),
                ])
            ]
        case 503: message = "The service is currently unavailable."
        case 500: message = "Internal error encountered."
        case 401:
            message =
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
        case 403: message = "The caller does not have permission"
        default: message = "Injected fault \(code)."
        }
        var error: [(key: String, value: JSONValue)] = [
            ("code", .number(Double(code))), ("message", .string(message)),
            ("status", .string(statusNames[code] ?? "UNKNOWN")),
        ]
        if !details.isEmpty { error.append(("details", .array(details))) }
        return .object([("error", .object(error))])
    }

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
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                headers: ["www-authenticate": "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""])
        case .forbidden:
            return response(403, "The caller does not have permission")
        }
    }
}
