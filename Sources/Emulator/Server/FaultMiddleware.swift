import Foundation
import Hummingbird
import LaunchWatchCore
import NIOCore
import ServiceLifecycle

/// Plays the scenario's fault schedule (`Scenario.faults`): for a request to a service route, the
/// first `FaultRule` in force for that route (counted as applied) decides the answer — a status with
/// the service's own error body, a hang, a reset, a malformed, truncated or oversize body, or a
/// permission refusal — and `latency` delays it. The control API is never faulted; an unknown route
/// never gets here (see `UnknownRouteMiddleware`).
///
/// The route comes from the endpoint the router matched (`context.endpointPath`, which the router
/// sets before any middleware runs), looked up in the `EmulatorRouteTable`.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let state: EmulatorState
    let routes: EmulatorRouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let route = routes.identity(method: request.method, endpointPath: context.endpointPath),
            route.family != .emulator, let fault = await state.fault(for: route.name)
        else { return try await next(request, context) }
        if let latency = fault.latency {
            let scale = await state.scenario.timeScale
            // A stopping emulator answers at once rather than hold its stop for the latency.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(double: latency / scale)) }
        }
        switch fault.kind {
        case .none:
            return try await next(request, context)
        case .status(let code, let headers, let body):
            return try await statusAnswer(code: code, headers: headers, body: body, rule: fault, route: route)
                .response(from: request, context: context)
        case .hang:
            // Logged now, as a request without an answer (status 0): it never gets one, and the
            // request-log middleware records only what returns.
            let read = try await EmulatorRequest(request, context: context)
            await state.record(
                await RequestLogMiddleware.record(
                    of: read, route: route, status: 0, clientPort: context.clientPort, state: state))
            // The connection stays open until the emulator stops (a graceful shutdown, see
            // `Emulator.run()`), and is then dropped without an answer, as a server that dies drops
            // it; a client that gives up first just leaves it waiting. Cancelled instead (in-process
            // tests, or a stop past its bound), it throws and Hummingbird's handling ends it.
            try await gracefulShutdown()
            context.channel.close(promise: nil)
            throw CancellationError()
        case .reset:
            var response = try await next(request, context)
            let body = try await response.collectBody()
            response.body = Self.resetBody(body)
            return response
        case .malformed:
            return EmulatorResponse(
                status: 200, headers: ["content-type": EmulatorResponse.jsonContentType],
                body: Data("<!DOCTYPE html><html><body>Bad Gateway</body></html>".utf8)
            ).response(from: request, context: context)
        case .truncated:
            var response = try await next(request, context)
            let body = try await response.collectBody()
            response.body = ResponseBody(
                byteBuffer: body.getSlice(at: 0, length: max(1, body.readableBytes / 2)) ?? body)
            return response
        case .oversize(let bytes, let announced):
            return Self.oversizeResponse(bytes: bytes, announced: announced)
        case .permissionDenied(let permission):
            guard route.family != .wandb else {
                return WandbError.permissionDenied.response(from: request, context: context)
            }
            var parameters: [String: String] = [:]
            for (name, value) in context.parameters {
                parameters[String(name)] = String(value).removingPercentEncoding ?? String(value)
            }
            return PermissionDenial.response(route: route.name, parameters: parameters, permission: permission)
                .response(from: request, context: context)
        }
    }

    /// The answer of a `status` fault: the rule's body, else the service's own error body (W&B's
    /// `{"error": ...}` or Google's envelope); a W&B 429 carries W&B's `RateLimit-*` headers.
    private func statusAnswer(
        code: Int, headers: [String: String], body: JSONValue?, rule: FaultRule, route: EmulatorRoute.Identity
    ) async throws -> EmulatorResponse {
        // A scenario's body is whatever the scenario wants the client to see (any JSON), so it stays
        // `JSONValue`; the services' own error bodies are wire types.
        if let body { return .json(body, status: code, headers: headers) }
        guard route.family == .wandb else { return .json(GoogleError.fault(code), status: code, headers: headers) }
        var headers = headers
        if code == 429 {
            headers = WandbError.rateLimitHeaders(
                headers, rule: rule, now: await state.now, timeScale: await state.scenario.timeScale)
        }
        return .json(WandbError.fault(code), status: code, headers: headers)
    }

    /// Announces the whole length, sends half, then fails the stream: the connection is closed
    /// mid-body, as a reset looks to a client.
    static func resetBody(_ body: ByteBuffer) -> ResponseBody {
        let half = body.getSlice(at: 0, length: max(1, body.readableBytes / 2)) ?? body
        return ResponseBody(contentLength: body.readableBytes) { writer in
            try await writer.write(half)
            throw ConnectionReset()
        }
    }

    struct ConnectionReset: Error {}

    /// `{"padding":"aaa…"}` of `bytes` bytes, written 1 MB at a time, so that neither side needs the
    /// whole body in memory and a client that hangs up stops the writing.
    static func oversizeResponse(bytes: Int, announced: Bool) -> Response {
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
        return Response(status: .ok, headers: [.contentType: EmulatorResponse.jsonContentType], body: body)
    }
}

extension Response {
    /// The whole body, read through a writer that keeps it (the emulator's handlers answer whole
    /// bodies, so this never waits on a stream).
    mutating func collectBody() async throws -> ByteBuffer {
        let collector = BodyCollector()
        try await body.write(collector)
        let collected = collector.buffer
        body = ResponseBody(byteBuffer: collected)
        return collected
    }
}

/// A `ResponseBodyWriter` that keeps what is written. A class, because `write(_:)` consumes the
/// writer it is given.
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
