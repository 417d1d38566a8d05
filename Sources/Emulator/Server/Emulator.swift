import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The local stand-in for Vertex AI, W&B, Cloud Logging, Cloud Run and Google's token endpoints: a
/// real HTTP server on loopback, driven by a `Scenario`.
///
/// `run()` serves until its task is cancelled, then stops gracefully (see `run()`). Every service is under the same base URL:
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
    /// How long a stop may take before the server is cancelled rather than left to finish: long
    /// enough for any answer under way, short enough that nothing waits on a stopping emulator.
    package var maximumStopDuration: Duration = .seconds(2)

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

    /// Serves until the task is cancelled, then stops gracefully and returns once the server has
    /// stopped.
    ///
    /// Cancelling the task asks for a graceful shutdown (swift-service-lifecycle's, which Hummingbird
    /// speaks): the server stops accepting, answers what it is answering, and closes every connection
    /// it has accepted, each through its own handler. Requests the scenario holds on purpose end
    /// then too: a `hang` drops its connection unanswered, a `latency` answers at once. The server
    /// itself runs in a task that the cancellation does not reach, because cancelling it outright
    /// tears down connections it has accepted but not yet handled without closing them, which NIO
    /// answers by killing the process ("Deinited NIOAsyncWriter without calling finish()"). A stop
    /// that takes longer than `maximumStopDuration` (a client that never reads an oversize body)
    /// falls back to cancelling the server; by then nothing waits to be accepted.
    public func run() async throws {
        let listening = self.listening
        var logger = Logger(label: "launchwatch-emulator")
        logger.logLevel = .critical
        let application = Application(
            router: EmulatorRouter.router(state: state),
            configuration: .init(address: .hostname(host, port: port), serverName: "ESF"),
            onServerRunning: { channel in
                await listening.set(channel.localAddress?.port)
            },
            logger: logger)
        var configuration = ServiceGroupConfiguration(services: [application], logger: logger)
        configuration.maximumGracefulShutdownDuration = maximumStopDuration
        let services = ServiceGroup(configuration: configuration)
        // Finished when this task is cancelled: the server's task then shuts the group down.
        let (stopRequests, stopRequested) = AsyncStream.makeStream(of: Never.self)
        let serving = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in stopRequests {}
                    await services.triggerGracefulShutdown()
                }
                // Once the server is done (stopped, or failed to start), so is the watcher.
                defer { group.cancelAll() }
                try await services.run()
            }
        }
        let result = await withTaskCancellationHandler {
            await serving.result
        } onCancel: {
            stopRequested.finish()
        }
        await listening.set(nil)
        // A failure while stopping (the bound's cancellation, a bind that lost the race with the
        // stop) is no news to a caller that asked for the stop.
        if !Task.isCancelled { try result.get() }
    }
}

extension Emulator {
    /// The emulator's router over this emulator's state as an application that is not started:
    /// for handler tests through HummingbirdTesting's in-process client (`app.test(.router)`),
    /// which need no socket.
    package func application() -> Application<RouterResponder<EmulatorRequestContext>> {
        var logger = Logger(label: "launchwatch-emulator")
        logger.logLevel = .critical
        return Application(router: EmulatorRouter.router(state: state), logger: logger)
    }
}

/// Hummingbird's request context plus the client's port, which tells the request log's connections apart.
package struct EmulatorRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The remote port of the request's connection: one per TCP connection (`nil` in-process).
    package let clientPort: Int?
    /// The request's connection, which a `hang` closes when the emulator stops.
    package let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        clientPort = source.channel.remoteAddress?.port
        channel = source.channel
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

/// The routes of every service, declared by each service in an extension (`EmulatorRoutes.vertex`,
/// `.wandb`, ...) and served through `EmulatorRouter`.
enum EmulatorRoutes {}
