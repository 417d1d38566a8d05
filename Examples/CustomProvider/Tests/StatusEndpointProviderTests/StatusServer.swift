import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A small status service on loopback (a random port): `GET /launches/{id}` answers what a test set
/// with `set(_:status:)`, 404 for a launch it does not know.
final class StatusServer: Sendable {
    private let answers = Mutex<[String: (status: Int, body: String)]>([:])
    private let port = Mutex<Int?>(nil)

    func set(_ launch: String, status: Int = 200, _ body: String) {
        answers.withLock { $0[launch] = (status, body) }
    }

    /// Runs the server while `body` runs, with the server's base URL.
    func serving<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        let started = AsyncStream<Int>.makeStream()
        let router = Router()
        router.get("/launches/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard let answer = self.answers.withLock({ $0[id] }) else { return Response(status: .notFound) }
            return Response(
                status: HTTPResponse.Status(code: answer.status),
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        var logger = Logger(label: "status-server")
        logger.logLevel = .critical
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { started.continuation.yield(port) }
            }, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await application.run()
                return nil
            }
            var ports = started.stream.makeAsyncIterator()
            guard let port = await ports.next(), let base = URL(string: "http://127.0.0.1:\(port)") else {
                throw CancellationError()
            }
            let result = try await body(base)
            group.cancelAll()
            return result
        }
    }
}
