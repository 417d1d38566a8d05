import Foundation
import HTTPTypes
import Hummingbird
import LaunchWatchCore
import Logging
import NIOCore

/// The local stand-in for Vertex AI, W&B, Cloud Logging, Cloud Run and Google's token endpoints: a
/// real HTTP server on loopback, driven by a `Scenario`.
///
/// `run()` serves until its task is cancelled. Every service is under the same base URL:
/// Vertex AI at `/v1/projects/...`, Cloud Logging at `/v2/entries:list`, Cloud Run at
/// `/v2/projects/.../executions/...`, W&B at `/graphql`, tokens at `/token` and
/// `/computeMetadata/v1/...`, and the control API at `/_emulator/`.
///
/// ```swift
/// let emulator = Emulator(scenario: scenario)
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { try await emulator.run() }
///     let baseURL = try await emulator.baseURL()   // http://127.0.0.1:PORT
///     ...
///     group.cancelAll()
/// }
/// ```
public struct Emulator: Sendable {
    public let state: EmulatorState
    private let host: String
    private let port: Int
    private let listening: ListeningAddress

    /// - Parameter port: 0 picks a free port.
    public init(scenario: Scenario, host: String = "127.0.0.1", port: Int = 0) {
        self.state = EmulatorState(scenario: scenario)
        self.host = host
        self.port = port
        self.listening = ListeningAddress()
    }

    /// The base URL once the server listens (waits for it).
    public func baseURL() async throws -> URL {
        let port = try await listening.port()
        guard let url = URL(string: "http://\(host):\(port)") else { throw EmulatorError.noAddress }
        return url
    }

    enum EmulatorError: Error {
        case noAddress
        case stopped
    }

    /// Serves until the task is cancelled.
    public func run() async throws {
        let state = self.state
        let listening = self.listening
        let routes = EmulatorRoutes.all
        var logger = Logger(label: "launchwatch-emulator")
        logger.logLevel = .critical
        let responder = CallbackResponder<EmulatorRequestContext> { request, context in
            try await Self.respond(to: request, routes: routes, state: state, clientPort: context.clientPort)
        }
        let application = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "ESF"),
            onServerRunning: { channel in
                await listening.set(channel.localAddress?.port)
            },
            logger: logger)
        defer { Task { await listening.set(nil) } }
        do {
            try await application.run()
        } catch is CancellationError {
            return
        }
    }

    private static func respond(
        to request: Request, routes: [EmulatorRoute], state: EmulatorState, clientPort: Int?
    ) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024 * 1024)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let path = request.uri.path
        let queryItems = Self.queryItems(request.uri.query ?? "")
        var emulatorRequest = EmulatorRequest(
            method: request.method.rawValue, path: Self.decodePath(path),
            query: Dictionary(queryItems.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
            queryItems: queryItems, headers: headers, body: Data(buffer: body))

        let method = request.method.rawValue
        let matched = routes.lazy.compactMap { route in
            route.method == method ? route.match(emulatorRequest.path).map { (route, $0) } : nil
        }.first
        guard let (route, parameters) = matched else {
            let response = GoogleError.response(404, "The requested URL \(path) was not found on this server.")
            await state.record(
                RequestRecord(
                    time: await state.now, method: method, path: path, route: "unknown", status: 404,
                    clientPort: clientPort))
            return Self.httpResponse(response)
        }
        emulatorRequest.parameters = parameters

        let fault = route.family == .emulator ? nil : await state.fault(for: route.name)
        if let latency = fault?.latency {
            let scale = await state.scenario.timeScale
            try? await Task.sleep(for: .seconds(double: latency / scale))
        }
        var response: EmulatorResponse
        var reset = false
        switch fault?.kind {
        case .status(let code, let faultHeaders, let faultBody)?:
            let body = faultBody ?? (route.family == .wandb ? WandbError.fault(code) : GoogleError.fault(code))
            var headers = faultHeaders
            if route.family == .wandb, code == 429, let fault {
                headers = WandbError.rateLimitHeaders(
                    faultHeaders, rule: fault, now: await state.now, timeScale: await state.scenario.timeScale)
            }
            response = .json(body, status: code, headers: headers)
        case .hang?:
            await state.record(
                RequestRecord(
                    time: await state.now, method: method, path: path, route: route.name, status: 0,
                    clientPort: clientPort))
            // Never answers; the connection stays open until the client gives up or the server stops.
            try await Task.sleep(for: .seconds(86_400))
            throw CancellationError()
        case .reset?:
            response = await route.handler(emulatorRequest, state)
            reset = true
        case .malformed?:
            response = EmulatorResponse(
                status: 200, headers: ["content-type": "application/json; charset=UTF-8"],
                body: Data("<!DOCTYPE html><html><body>Bad Gateway</body></html>".utf8))
        case .truncated?:
            response = await route.handler(emulatorRequest, state)
            response.body = response.body.prefix(max(1, response.body.count / 2))
        case .oversize(let bytes, let announced)?:
            await state.record(
                RequestRecord(
                    time: await state.now, method: method, path: path, route: route.name, status: 200,
                    clientPort: clientPort))
            return Self.oversizeResponse(bytes: bytes, announced: announced)
        case .permissionDenied(let permission)?:
            response =
                route.family == .wandb
                ? WandbError.permissionDenied
                : PermissionDenial.response(route: route.name, parameters: parameters, permission: permission)
        case .none?, nil:
            response = await route.handler(emulatorRequest, state)
        }
        await state.record(
            RequestRecord(
                time: await state.now, method: method, path: path, route: route.name, status: response.status,
                clientPort: clientPort,
                operation: route.family == .wandb ? Self.graphQLOperation(emulatorRequest.body) : nil,
                query: route.family == .google
                    ? emulatorRequest.query.filter { !["access_token", "key"].contains($0.key) } : [:],
                body: ["vertex.", "logging.", "cloudrun."].contains { route.name.hasPrefix($0) }
                    ? emulatorRequest.json : nil,
                userProject: emulatorRequest.headers["x-goog-user-project"]))
        return Self.httpResponse(response, resetMidBody: reset)
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

    private static func httpResponse(_ response: EmulatorResponse, resetMidBody: Bool = false) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        let buffer = ByteBuffer(bytes: response.body)
        let status = HTTPResponse.Status(code: response.status)
        guard resetMidBody else {
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: buffer))
        }
        // Announce the whole length, send half, then fail the stream: the connection is closed
        // mid-body, as a reset looks to a client.
        let half = ByteBuffer(bytes: response.body.prefix(max(1, response.body.count / 2)))
        let body = ResponseBody(contentLength: response.body.count) { writer in
            try await writer.write(half)
            throw ConnectionReset()
        }
        return Response(status: status, headers: fields, body: body)
    }

    private struct ConnectionReset: Error {}

    /// `{"padding":"aaa…"}` of `bytes` bytes, written 1 MB at a time, so that neither side needs the
    /// whole body in memory and a client that hangs up stops the writing.
    private static func oversizeResponse(bytes: Int, announced: Bool) -> Response {
        let body = ResponseBody(contentLength: announced ? max(bytes, 14) : nil) { writer in
            try await writer.write(ByteBuffer(string: #"{"padding":""#))
            var left = max(0, bytes - 14)
            let piece = ByteBuffer(repeating: UInt8(ascii: "a"), count: 1_048_576)
            while left > 0 {
                try await writer.write(
                    left >= piece.readableBytes ? piece : ByteBuffer(repeating: UInt8(ascii: "a"), count: left))
                left -= min(left, piece.readableBytes)
            }
            try await writer.write(ByteBuffer(string: #""}"#))
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=UTF-8"], body: body)
    }

    static func decodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).removingPercentEncoding ?? String($0)
        }.joined(separator: "/")
    }

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

/// Hummingbird's request context plus the client's port, which tells the request log's connections apart.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The remote port of the request's connection: one per TCP connection.
    let clientPort: Int?

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        clientPort = source.channel.remoteAddress?.port
    }
}

/// Holds the port once the server listens, for `baseURL()` to wait on.
actor ListeningAddress {
    private var value: Int??
    private var waiters: [CheckedContinuation<Int?, Never>] = []

    func set(_ port: Int?) {
        if value == nil { value = .some(port) }
        for waiter in waiters { waiter.resume(returning: port) }
        waiters = []
    }

    func port() async throws -> Int {
        let port: Int?
        if let value {
            port = value
        } else {
            port = await withCheckedContinuation { waiters.append($0) }
        }
        guard let port else { throw Emulator.EmulatorError.stopped }
        return port
    }
}

/// Every route the emulator serves; each service adds its own.
enum EmulatorRoutes {
    static var all: [EmulatorRoute] { control + vertex + wandb + logging + cloudRun + cloudRunJob + tokens }
}
