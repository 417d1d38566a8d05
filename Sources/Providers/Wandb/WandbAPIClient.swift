import Foundation
import LaunchWatchCore

/// Talks to W&B's public GraphQL API the way W&B's own tools do: `POST {base}/graphql` with HTTP
/// Basic auth `api:<key>`; the server and the key are found as wandb finds them, and the key goes
/// only where it belongs (`WandbCredentials`).
///
/// GraphQL `errors` (with HTTP 200 or 400) are provider errors carrying the server's message; 429
/// and 5xx are provider errors with a retry hint from `RateLimit-Reset` or `Retry-After`.
public struct WandbAPIClient: Sendable {
    public let baseURL: URL
    private let authorization: String
    private let transport: HTTPTransport
    private let timeout: Duration

    /// Finds the base URL and the API key (`WandbCredentials`) in `context`'s environment; throws a
    /// `bad_config`/`credentials` error naming what to set when there is no usable key, and
    /// `credentials_refused` when the key must not go to the base URL. Requests go through the
    /// context's HTTP client.
    public init(baseURL configured: String?, context: ProviderContext, timeout: Duration) throws(ProviderError) {
        let found = try WandbCredentials.resolve(
            baseURL: configured, environment: context.environment, logger: context.logger)
        baseURL = found.baseURL
        authorization = found.authorization
        self.timeout = timeout
        transport = HTTPTransport(timeout: timeout, context: context)
    }

    /// Runs `query` with `variables` and returns `data`.
    public func query(_ query: String, variables: [(String, JSONValue)]) async throws(ProviderError) -> JSONValue {
        let answer = try await send(query, variables: variables)
        if let message = Self.firstError(answer.json) {
            throw ProviderError(
                code: answer.status == 200 ? .graphql : .http(answer.status), message: "W&B: \(message)")
        }
        guard (200..<300).contains(answer.status) else { throw answer.httpError }
        guard let json = answer.json, let dataField = json["data"] else {
            throw ProviderError(code: .malformedResponse, message: "W&B sent a body that is not a GraphQL answer")
        }
        return dataField
    }

    /// One top-level field of a batched query, under its own alias: `body` is the field with its
    /// arguments and selection (`project(name: $p0, entityName: $e0) { ... }`), `variables` the
    /// variables it uses with their GraphQL types (`("p0", "String!", "proj")`).
    struct AliasedField: Sendable {
        var alias: String
        var body: String
        var variables: [(name: String, type: String, value: JSONValue)]
    }

    /// The most aliased fields sent in one document; more are split over several requests.
    static let aliasesPerDocument = 200

    /// Asks for many fields in one request (one per `aliasesPerDocument`), each under its alias, and
    /// answers for each field in order: its value (`null` when the server has none), or the GraphQL
    /// error whose `path` starts with its alias. A request that fails as a whole (the network, an HTTP
    /// error such as 429 with its retry hint, a document error, an error not under an alias) fails
    /// every field it asked for with the same error.
    func query(batch fields: [AliasedField], operation: String) async -> [Result<JSONValue, ProviderError>] {
        var answers: [Result<JSONValue, ProviderError>] = []
        var start = 0
        while start < fields.count {
            let chunk = Array(fields[start..<min(start + Self.aliasesPerDocument, fields.count)])
            start += chunk.count
            answers += await query(chunk: chunk, operation: operation)
        }
        return answers
    }

    /// One document for `chunk`; when the server refuses it as too large (`isTooLarge`), each half
    /// again, down to single fields — how many aliases one W&B request may carry is not documented.
    ///
    /// When the first half fails the same way as the whole, halving does not help (a proxy that
    /// refuses every request, a server's other 400): the second half fails with it unsent, so a
    /// refusal costs at most one request per halving (9 for 200 aliases), not one per alias.
    private func query(chunk: [AliasedField], operation: String) async -> [Result<JSONValue, ProviderError>] {
        do {
            let values = try await queryAliases(chunk, operation: operation)
            return chunk.map { values[$0.alias] ?? .success(.null) }
        } catch {
            guard chunk.count > 1, Self.isTooLarge(error) else { return chunk.map { _ in .failure(error) } }
            let half = chunk.count / 2
            let first = await query(chunk: Array(chunk[..<half]), operation: operation)
            let unchanged = first.allSatisfy {
                guard case .failure(let again) = $0 else { return false }
                return again.code == error.code && again.message == error.message
            }
            if unchanged { return first + chunk[half...].map { _ in .failure(error) } }
            return await first + query(chunk: Array(chunk[half...]), operation: operation)
        }
    }

    /// Whether a whole request failed as too large: HTTP 413 or 414, or a 400 that is not a GraphQL
    /// document error the server explained (a refused field or argument would fail every half too).
    static func isTooLarge(_ error: ProviderError) -> Bool {
        switch error.code {
        case .http(413), .http(414): return true
        case .http(400):
            return !isSchemaRefusal(error) && !error.message.contains("Syntax Error")
                && !error.message.contains("Variable \"$")
        default: return false
        }
    }

    /// Whether `error` is the server refusing a field or an argument its schema does not have:
    /// `Cannot query field "x" on type "Y".` or `Unknown argument "x" on field "Y.z".` (graphql-js's
    /// wording, which the official client itself matches on — wandb/sdk/launch/api.py
    /// `push_to_run_queue_by_name`, wandb/apis/public/jobs.py `QueuedRun._get_item`).
    public static func isSchemaRefusal(_ error: ProviderError) -> Bool {
        error.message.contains("Cannot query field") || error.message.contains("Unknown argument")
    }

    private func queryAliases(_ fields: [AliasedField], operation: String) async throws(ProviderError)
        -> [String: Result<JSONValue, ProviderError>]
    {
        let variables = fields.flatMap(\.variables)
        let definitions = variables.map { "$\($0.name): \($0.type)" }.joined(separator: ", ")
        let selections = fields.map { "  \($0.alias): \($0.body)" }.joined(separator: "\n")
        let document = "query \(operation)(\(definitions)) {\n\(selections)\n}"
        let answer = try await send(document, variables: variables.map { ($0.name, $0.value) })
        if answer.status == 429 || answer.status >= 500 { throw answer.httpError }
        var data: [(key: String, value: JSONValue)]?
        if case .object(let members)? = answer.json?["data"] { data = members }
        var errors: [JSONValue] = []
        if case .array(let list)? = answer.json?["errors"] { errors = list }
        if errors.isEmpty, !(200..<300).contains(answer.status) { throw answer.httpError }
        let aliases = Set(fields.map(\.alias))
        var values: [String: Result<JSONValue, ProviderError>] = [:]
        for member in data ?? [] where aliases.contains(member.key) { values[member.key] = .success(member.value) }
        for error in errors {
            var message = "an error without a message"
            if case .string(let text)? = error["message"] { message = text }
            let failure = ProviderError(
                code: answer.status == 200 ? .graphql : .http(answer.status), message: "W&B: \(message)")
            // An error not under one of the aliases (a document error, a denied request) is the
            // whole request's; one under an alias is that field's only.
            guard data != nil, case .array(let path)? = error["path"], case .string(let alias)? = path.first,
                aliases.contains(alias)
            else { throw failure }
            if case .failure? = values[alias] { continue }
            values[alias] = .failure(failure)
        }
        guard data != nil else {
            throw ProviderError(code: .malformedResponse, message: "W&B sent a body that is not a GraphQL answer")
        }
        return values
    }

    /// An answer as it came: the HTTP status, the headers (lowercased names), the body if JSON.
    private struct Answer {
        var status: Int
        var headers: [String: String]
        var json: JSONValue?

        /// The error for an HTTP status outside 2xx, with the retry hint of a 429 or 5xx.
        var httpError: ProviderError {
            var message = "W&B answered \(status)"
            if case .string(let text)? = json?["error"] { message += ": \(text)" }
            if let text = WandbAPIClient.firstError(json) { message += ": \(text)" }
            return ProviderError(
                code: .http(status), message: message, retryAfter: WandbAPIClient.retryHint(headers))
        }
    }

    /// Posts `query` with `variables`.
    private func send(_ query: String, variables: [(String, JSONValue)]) async throws(ProviderError) -> Answer {
        var request = HTTPTransport.Request(url: baseURL.appendingPathComponent("graphql"))
        request.method = "POST"
        request.setValue(authorization, forHeader: "Authorization")
        request.setValue("application/json", forHeader: "Content-Type")
        let body = JSONValue.object([
            ("query", .string(query)), ("variables", .object(variables.map { (key: $0.0, value: $0.1) })),
        ])
        request.body = Data(body.jsonText.utf8)
        let answer: HTTPTransport.Answer
        do {
            answer = try await transport.send(request, timeout: timeout)
        } catch {
            throw error.providerError(service: "W&B", timeout: timeout)
        }
        return Answer(status: answer.status, headers: answer.headers, json: try? JSONParser.parse(answer.body))
    }

    /// Clients that send the same requests (base URL and key): their targets can share a batch.
    var batchGroup: String { baseURL.absoluteString + "\n" + authorization }

    private static func firstError(_ json: JSONValue?) -> String? {
        guard case .array(let errors)? = json?["errors"], let first = errors.first else { return nil }
        if case .string(let message)? = first["message"] { return message }
        return "an error without a message"
    }

    /// `RateLimit-Reset` (seconds), else `Retry-After` (seconds or an HTTP date, RFC 9110), at most an
    /// hour.
    static func retryHint(_ headers: [String: String], now: Date = Date()) -> Duration? {
        for name in ["ratelimit-reset", "retry-after"] {
            guard let text = headers[name]?.trimmingCharacters(in: .whitespaces) else { continue }
            if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
                return .seconds(double: min(seconds, 3600))
            }
            if name == "retry-after", let date = HTTPDate.date(from: text) {
                return .seconds(double: min(max(0, date.timeIntervalSince(now)), 3600))
            }
        }
        return nil
    }

    /// W&B's timestamps (`2025-11-05T17:46:35`, UTC without a zone) or RFC 3339.
    public static func date(_ text: String) -> Date? {
        RFC3339.date(from: text) ?? RFC3339.date(from: text + "Z")
    }
}
