import Foundation
import HTTPTypes
import Hummingbird
import LaunchWatchCore
import NIOCore

/// A request as the emulator's handlers see it: Hummingbird's request with its body collected,
/// its query read as the Google and W&B front ends read it, and the router's captures.
struct EmulatorRequest: Sendable {
    var method: String
    /// The path without the query, as sent.
    var path: String
    /// Query parameters, percent-decoded (`+` as space); the last value wins for repeated names,
    /// all values are in `queryItems`.
    var query: [String: String]
    var queryItems: [(name: String, value: String)]
    /// Header names lowercased.
    var headers: [String: String]
    var body: Data
    /// Values captured by the route's pattern (`{id}`), percent-decoded.
    var parameters: [String: String] = [:]

    /// The largest body the emulator reads (the providers' own response cap).
    static let maxBodySize = 16 * 1024 * 1024

    init(
        method: String, path: String, query: [(name: String, value: String)], headers: [String: String], body: Data,
        parameters: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.queryItems = query
        self.query = Dictionary(query.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        self.headers = headers
        self.body = body
        self.parameters = parameters
    }

    /// Reads `request` (collecting its body) with the captures the router put in `context`.
    init(_ request: Request, context: some RequestContext) async throws {
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBodySize)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var parameters: [String: String] = [:]
        for (name, value) in context.parameters {
            parameters[String(name)] = String(value).removingPercentEncoding ?? String(value)
        }
        self.init(
            method: request.method.rawValue, path: request.uri.path, query: Self.queryItems(request.uri.query ?? ""),
            headers: headers, body: Data(buffer: body), parameters: parameters)
    }

    /// The body as JSON, or `nil` when it is not JSON.
    var json: JSONValue? { body.isEmpty ? nil : try? JSONParser.parse(body) }

    /// The bearer token of the `Authorization` header.
    var bearerToken: String? {
        guard let value = headers["authorization"], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// `name=value&...` pairs, percent-decoded with `+` read as a space, as an HTML form encodes
    /// them (Python's `requests` sends `filter=a+AND+b`). Hummingbird's own `queryParameters` keeps
    /// `+` and leaves names encoded, so the emulator reads the query itself.
    static func queryItems(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}

/// What a handler answers: status, headers and a whole body.
struct EmulatorResponse: Sendable, ResponseGenerator {
    var status: Int
    var headers: [String: String]
    var body: Data

    init(status: Int = 200, headers: [String: String] = [:], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static let jsonContentType = "application/json; charset=UTF-8"

    /// A JSON answer.
    static func json(_ value: JSONValue, status: Int = 200, headers: [String: String] = [:]) -> EmulatorResponse {
        var headers = headers
        headers["content-type"] = jsonContentType
        return EmulatorResponse(status: status, headers: headers, body: Data(value.jsonText.utf8))
    }

    /// A JSON answer from a wire-format type, its keys sorted so that every answer is the same bytes.
    static func json(_ value: some Encodable, status: Int = 200, headers: [String: String] = [:])
        -> EmulatorResponse
    {
        var headers = headers
        headers["content-type"] = jsonContentType
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding the emulator's own wire types (strings, numbers, arrays) cannot fail; an empty
        // object is the answer if it ever did.
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return EmulatorResponse(status: status, headers: headers, body: body)
    }

    /// A wire-format answer (a Google resource or list response, a GraphQL response) as the service
    /// writes it: its members in the order its type declares them, the proto's field order
    /// (`JSONValueEncoder`).
    static func wire(_ value: some Encodable, status: Int = 200, headers: [String: String] = [:])
        -> EmulatorResponse
    {
        // The wire types hold strings, numbers, string maps and JSON, which always encode; an empty
        // object is the answer if one ever did not.
        .json((try? JSONValueEncoder().encode(value)) ?? .object([]), status: status, headers: headers)
    }

    /// A plain-text answer.
    static func text(_ text: String, status: Int, contentType: String = "text/plain; charset=utf-8")
        -> EmulatorResponse
    {
        EmulatorResponse(status: status, headers: ["content-type": contentType], body: Data(text.utf8))
    }

    /// The Hummingbird response: these headers and this body, with its length.
    func response(from request: Request, context: some RequestContext) -> Response {
        Response(status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    var fields: HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        return fields
    }
}

/// One route: its name, method, path pattern (Hummingbird's `RouterPath`: literal segments,
/// `{name}` captures, and a capture with a literal suffix such as `{id}:cancel`) and handler.
///
/// The router matches the path as sent and the handler gets the captures percent-decoded (an
/// account's `%40`). A literal written percent-encoded (`entries%3Alist`) matches no route: no
/// client seen here encodes one (gcloud, the Python clients and the providers write `:` as is).
struct EmulatorRoute: Sendable {
    /// The name the request log and fault rules use: `vertex.list`, `wandb.graphql`...
    var name: String
    var method: HTTPRequest.Method
    var pattern: String
    /// The family for default error bodies: `google` or `wandb` or `emulator`.
    var family: Family
    var handler: @Sendable (EmulatorRequest, EmulatorState) async -> EmulatorResponse

    enum Family: Sendable {
        case google
        case wandb
        /// The control API: never faulted.
        case emulator
    }

    /// What the fault and request-log middleware know of the route a request matched.
    struct Identity: Sendable {
        var name: String
        var family: Family
    }

    var identity: Identity { Identity(name: name, family: family) }
}
