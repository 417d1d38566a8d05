import Foundation
import LaunchWatchCore

/// W&B's error body outside GraphQL: `{"error": "..."}`, for injected faults, rate limits and
/// unreadable requests.
struct WandbErrorBody: Codable, Sendable, Equatable {
    var error: String
}

/// A GraphQL-shaped refusal outside the executor: `{"errors": [{"message", "extensions": {"code"}}]}`,
/// as W&B's server answers a key without access or without a login.
struct WandbGraphQLRefusal: Codable, Sendable, Equatable {
    var errors: [Entry]

    struct Entry: Codable, Sendable, Equatable {
        var message: String
        var extensions: Extensions?
    }

    struct Extensions: Codable, Sendable, Equatable {
        var code: String
    }
}

/// W&B's error answers outside GraphQL, and the `RateLimit-*` headers of a 429.
enum WandbError {
    static func fault(_ code: Int) -> WandbErrorBody {
        WandbErrorBody(error: code == 429 ? "rate limit exceeded" : "Internal Server Error")
    }

    /// The headers of an injected 429: `headers` with W&B's `RateLimit-Limit`, `RateLimit-Remaining`
    /// (both on W&B's 0–1000 scale) and `RateLimit-Reset` (seconds to wait) added unless present.
    /// The reset counts down to the end of the rule (`until`) in real seconds, at least 1.
    static func rateLimitHeaders(_ headers: [String: String], rule: FaultRule, now: Double, timeScale: Double)
        -> [String: String]
    {
        var headers = headers
        let present = Set(headers.keys.map { $0.lowercased() })
        let reset = rule.until.map { max(1, Int((($0 - now) / max(timeScale, 0.0001)).rounded(.up))) } ?? 1
        for (name, value) in [
            ("RateLimit-Limit", "1000"), ("RateLimit-Remaining", "0"), ("RateLimit-Reset", String(reset)),
        ] where !present.contains(name.lowercased()) {
            headers[name] = value
        }
        return headers
    }

    /// A 403 to a key without access, as W&B's server words it (wandb/wandb#8609).
    static let permissionDenied = EmulatorResponse.json(
        WandbGraphQLRefusal(errors: [.init(message: "permission denied", extensions: .init(code: "PERMISSION_ERROR"))]),
        status: 403)

    /// A 401 to a wrong or missing key, as api.wandb.ai answers it.
    static let notLoggedIn = EmulatorResponse.json(
        WandbGraphQLRefusal(errors: [.init(message: "user is not logged in")]), status: 401)

    /// `{"error": message}` with `status`.
    static func response(_ status: Int, _ message: String) -> EmulatorResponse {
        .json(WandbErrorBody(error: message), status: status)
    }
}

/// `POST /graphql` (route `wandb.graphql`): W&B's public GraphQL API, served by a small GraphQL
/// executor over the scenario's queue items and runs (see `WandbSchema` for the fields).
///
/// - Auth: HTTP Basic with the API key as the password (clients send user `api`). The key must be
///   one of `wandb.apiKeys`, or any non-empty key when that list is empty; otherwise 401
///   `{"errors": [{"message": "user is not logged in"}]}`, as api.wandb.ai answers a wrong or
///   missing key (the official client prints it as `user is not logged in (<Response [401]>)`:
///   wandb/wandb#5319, #7118).
/// - Body: `{"query", "variables", "operationName"}`. An empty body is 400 `{"error": "EOF"}` and
///   a body that is not JSON 400 `{"error": ...}`, as W&B's server answers.
/// - The document is parsed and validated against the schema of the W&B subset (`WandbSDL`, as the
///   scenario's `wandb.strictQueueItems`/`wandb.runQueueItemById` shape it) by `GraphQLRequestReader`.
///   A document that does not parse or validate (syntax, a field or argument the schema does not
///   have — `Cannot query field "x" on type "Y".` —, an unknown operation, an undefined variable or
///   fragment, a missing required variable) is 400 with `errors` and no `data`; every document's
///   outcome is in `EmulatorState.graphQLLog()`. Field errors come with
///   `data` and the status of the first error (400 bad argument, 404 not found); answers without
///   errors are 200.
extension EmulatorRoutes {
    static var wandb: [EmulatorRoute] {
        [EmulatorRoute(name: "wandb.graphql", method: .post, pattern: "/graphql", family: .wandb, handler: graphql)]
    }

    @Sendable static func graphql(_ request: EmulatorRequest, _ state: EmulatorState) async -> EmulatorResponse {
        let keys = await state.scenario.wandb.apiKeys
        guard let key = basicPassword(request.headers["authorization"]), !key.isEmpty,
            keys.isEmpty || keys.contains(key)
        else {
            return WandbError.notLoggedIn
        }
        guard !request.body.isEmpty else { return WandbError.response(400, "EOF") }
        let body: JSONValue
        do {
            body = try JSONParser.parse(request.body)
        } catch {
            return WandbError.response(400, "invalid JSON body: \(error.message)")
        }
        guard case .object = body else { return WandbError.response(400, "the body must be a JSON object") }
        guard case .string(let query)? = body["query"], !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            return errorResponse([GraphQLError(message: "Must provide query string.")])
        }
        var variables: [String: JSONValue] = [:]
        switch body["variables"] {
        case .object(let members)?:
            for member in members { variables[member.key] = member.value }
        case .string(let text)? where !text.isEmpty:
            guard case .object(let members)? = try? JSONParser.parse(text) else {
                return errorResponse([GraphQLError(message: "variables must be a JSON object")])
            }
            for member in members { variables[member.key] = member.value }
        case nil, .null?, .string?:
            break
        default:
            return errorResponse([GraphQLError(message: "variables must be a JSON object")])
        }
        var operationName: String?
        if case .string(let name)? = body["operationName"], !name.isEmpty { operationName = name }

        let account = await state.scenario.wandb
        let variant = WandbSDL.Variant(
            strictQueueItems: account.strictQueueItems, withoutRunQueueItemByID: !account.runQueueItemByID)
        let recordedName = operationName ?? RequestLogMiddleware.graphQLOperation(request.body)
        let document: GraphQLDocument
        switch GraphQLRequestReader.read(query, variant: variant) {
        case .document(let read):
            document = read
            await state.recordGraphQL(GraphQLDocumentRecord(operation: recordedName, errors: []))
        case .refused(let errors):
            await state.recordGraphQL(GraphQLDocumentRecord(operation: recordedName, errors: errors.map(\.message)))
            return errorResponse(errors)
        }
        let executionVariables = variables
        let name = operationName
        let response = await state.read { state in
            var executor = GraphQLExecutor(resolver: WandbSchema(world: state.wandbWorld()))
            let response = executor.execute(document, operationName: name, variables: executionVariables)
            state.store(executor.resolver.world)
            return response
        }
        return .wire(response, status: response.status)
    }

    private static func errorResponse(_ errors: [GraphQLError]) -> EmulatorResponse {
        .wire(GraphQLResponse(data: nil, errors: errors), status: errors.first?.status ?? 400)
    }

    /// The password of a Basic `Authorization` header (the API key).
    static func basicPassword(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("basic ") else { return nil }
        let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded), let credentials = String(data: data, encoding: .utf8),
            let colon = credentials.firstIndex(of: ":")
        else { return nil }
        return String(credentials[credentials.index(after: colon)...])
    }
}
