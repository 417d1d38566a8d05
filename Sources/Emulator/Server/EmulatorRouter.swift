import HTTPTypes
import Hummingbird

/// The emulator's Hummingbird router: one `RouteCollection` per service, behind three middleware,
/// outermost first:
///
/// 1. `RequestLogMiddleware` — every request into the request log, once answered;
/// 2. `UnknownRouteMiddleware` — Google's 404 for a request no route matches;
/// 3. `FaultMiddleware` — the scenario's fault schedule, per route.
enum EmulatorRouter {
    static func router(state: EmulatorState) -> Router<EmulatorRequestContext> {
        let table = EmulatorRouteTable(EmulatorService.allCases.flatMap(\.routes))
        let router = Router(context: EmulatorRequestContext.self)
        router.add(middleware: RequestLogMiddleware(state: state, routes: table))
        router.add(middleware: UnknownRouteMiddleware())
        router.add(middleware: FaultMiddleware(state: state, routes: table))
        for service in EmulatorService.allCases {
            router.addRoutes(service.routeCollection(state: state))
        }
        return router
    }
}

/// A service the emulator serves, with its routes.
enum EmulatorService: CaseIterable, Sendable {
    /// `/_emulator/...`: the control API for tests and scripts.
    case control
    /// Vertex AI `customJobs`.
    case vertex
    /// W&B's GraphQL API.
    case wandb
    /// Cloud Logging `entries:list`.
    case logging
    /// Cloud Run Admin API v2: jobs and executions.
    case cloudRun
    /// The metadata server, the OAuth token endpoint, STS and IAM Credentials.
    case tokens

    var routes: [EmulatorRoute] {
        switch self {
        case .control: EmulatorRoutes.control
        case .vertex: EmulatorRoutes.vertex
        case .wandb: EmulatorRoutes.wandb
        case .logging: EmulatorRoutes.logging
        case .cloudRun: EmulatorRoutes.cloudRun + EmulatorRoutes.cloudRunJob
        case .tokens: EmulatorRoutes.tokens
        }
    }

    /// The service's routes as a Hummingbird route collection; each handler gets the request read
    /// into an `EmulatorRequest` and the emulator's state.
    func routeCollection(state: EmulatorState) -> RouteCollection<EmulatorRequestContext> {
        let collection = RouteCollection(context: EmulatorRequestContext.self)
        for route in routes {
            let handler = route.handler
            collection.on(RouterPath(route.pattern), method: route.method) { request, context in
                await handler(try await EmulatorRequest(request, context: context), state)
            }
        }
        return collection
    }
}

/// Which route a matched endpoint is, for the middleware: the router tells them the endpoint's path
/// pattern (`context.endpointPath`, as it tells Hummingbird's metrics middleware), and this table
/// maps method and pattern to the route's name and family.
struct EmulatorRouteTable: Sendable {
    private var identities: [String: EmulatorRoute.Identity] = [:]

    init(_ routes: [EmulatorRoute]) {
        for route in routes {
            identities[Self.key(route.method, RouterPath(route.pattern).description)] = route.identity
        }
    }

    /// The route of a request with `method` that the router matched to `endpointPath`; `nil` when
    /// no route matched.
    func identity(method: HTTPRequest.Method, endpointPath: String?) -> EmulatorRoute.Identity? {
        guard let endpointPath else { return nil }
        return identities[Self.key(method, endpointPath)]
    }

    private static func key(_ method: HTTPRequest.Method, _ path: String) -> String {
        "\(method.rawValue) \(path)"
    }
}
