import Foundation
import Hummingbird
import LaunchWatchCore

/// Records every request in the emulator's request log (`EmulatorState.requestLog()`, served at
/// `/_emulator/requests`): once its answer is made, with the route's name (`unknown` when no route
/// matched), the status, the client's port and, by family, what a wire-contract check reads — the
/// GraphQL operation, the Google query without credentials, the JSON body of Vertex AI, Cloud
/// Logging and Cloud Run requests, the quota project.
///
/// The outermost middleware: it reads the body once (at most 16 MB) for every route and the log,
/// and sees the answers of the fault middleware and of unknown routes too. A request that never
/// gets an answer (a `hang` fault) is logged by `FaultMiddleware`, with status 0.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let state: EmulatorState
    let routes: EmulatorRouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var request = request
        _ = try await request.collectBody(upTo: EmulatorRequest.maxBodySize)
        let route = routes.identity(method: request.method, endpointPath: context.endpointPath)
        let response = try await next(request, context)
        let read = try await EmulatorRequest(request, context: context)
        await state.record(
            await Self.record(
                of: read, route: route, status: Int(response.status.code), clientPort: context.clientPort,
                state: state))
        return response
    }

    /// The log's record of `request`, served by `route` (`nil`: no route matched) with `status`.
    static func record(
        of request: EmulatorRequest, route: EmulatorRoute.Identity?, status: Int, clientPort: Int?,
        state: EmulatorState
    ) async -> RequestRecord {
        let time = await state.now
        guard let route else {
            return RequestRecord(
                time: time, method: request.method, path: request.path, route: "unknown", status: status,
                clientPort: clientPort)
        }
        return RequestRecord(
            time: time, method: request.method, path: request.path, route: route.name, status: status,
            clientPort: clientPort,
            operation: route.family == .wandb ? graphQLOperation(request.body) : nil,
            query: route.family == .google ? request.query.filter { !["access_token", "key"].contains($0.key) } : [:],
            body: ["vertex.", "logging.", "cloudrun."].contains { route.name.hasPrefix($0) } ? request.json : nil,
            userProject: request.headers["x-goog-user-project"])
    }

    /// The operation name of a GraphQL request body: `operationName`, else the name after the
    /// document's first `query` or `mutation`.
    static func graphQLOperation(_ body: Data) -> String? {
        guard let request = try? JSONParser.parse(body) else { return nil }
        if case .string(let name)? = request["operationName"], !name.isEmpty { return name }
        guard case .string(let document)? = request["query"] else { return nil }
        let words = document.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
        guard let keyword = words.firstIndex(where: { $0 == "query" || $0 == "mutation" }),
            keyword + 1 < words.count
        else { return nil }
        return String(words[keyword + 1])
    }
}

/// Answers a request no route matches — an unknown path, or a known path with another method — as
/// Google's front end answers one: 404 with the Google error envelope naming the path. (No 405:
/// the services answer a method they do not map with a 404 too.)
///
/// The router calls its middleware with `context.endpointPath` set when a route matched, and
/// without it on the way to its not-found responder; this answers there instead of Hummingbird's
/// own 404 body.
struct UnknownRouteMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard context.endpointPath == nil else { return try await next(request, context) }
        return GoogleError.response(404, "The requested URL \(request.uri.path) was not found on this server.")
            .response(from: request, context: context)
    }
}
