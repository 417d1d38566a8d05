import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command's services (the watch, the sweep, the emulator, the launch command) in one
/// `ServiceGroup` that the first SIGINT or SIGTERM shuts down gracefully, and remembers which signal
/// did, for the exit code (130, 143) and the summary.
///
/// - The first signal triggers the group's graceful shutdown: each service ends in turn, the last
///   given first (the watch before the emulator it polls), so the watch ends `interrupted` and its
///   summary and NDJSON `finished` event are written.
/// - A second signal (Ctrl-C pressed again while a shutdown is slow) ends the process at once with
///   128 + that signal, without a summary: ServiceLifecycle has no equivalent (its cancellation
///   signals must differ from the graceful ones), and a person pressing Ctrl-C twice means "now".
///
/// The group itself is given no signals: it would shut down the same way, but would not say which
/// signal it was. Signals are trapped before any service starts, so a watch can be interrupted from
/// its first line on.
final class Interruption: Sendable {
    private let first = Mutex<Int32?>(nil)
    private let signals: [UnixSignal]

    /// - Parameter signals: the signals that interrupt; tests in-process give none.
    init(signals: [UnixSignal] = [.sigint, .sigterm]) {
        self.signals = signals
    }

    /// The signal that interrupted the services, if one did.
    var received: Int32? { first.withLock { $0 } }

    /// ServiceLifecycle logs only at debug level, and standard output may be an NDJSON stream:
    /// nothing of it is written.
    private static let logger = Logger(label: "launchwatch.lifecycle") { _ in SwiftLogNoOpLogHandler() }

    /// Runs `services` until they end (see `ServiceGroup` for how each one's end is handled), or
    /// until a signal has shut them down. Rethrows the error of a service that threw.
    func run(_ services: [ServiceGroupConfiguration.ServiceConfiguration]) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: Self.logger))
        let signals = await UnixSignalsSequence(trapping: self.signals)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // Ends when the group has ended (the task is cancelled, which ends the sequence).
                for await signal in signals {
                    guard self.record(signal.rawValue) else { exit(128 + signal.rawValue) }
                    await group.triggerGracefulShutdown()
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
    }

    /// Records `signal` if it is the first; false for a later one.
    private func record(_ signal: Int32) -> Bool {
        first.withLock { received in
            guard received == nil else { return false }
            received = signal
            return true
        }
    }

    /// Runs `body` as the last service of the group, beside `others` (which it may need running, as
    /// `demo`'s watch needs the emulator): the group shuts down gracefully when `body` returns or
    /// throws, and on a signal `body` is shut down first. Returns `body`'s value, or rethrows its error.
    func run<Value: Sendable>(
        beside others: [ServiceGroupConfiguration.ServiceConfiguration] = [],
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let ended = ServiceValue<Value>()
        let service = ClosureService {
            let value = try await body()
            ended.set(value)
        }
        try await run(
            others + [
                .init(
                    service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            ])
        // The group ends only after every service has returned, `body` included.
        guard let value = ended.value else { throw CancellationError() }
        return value
    }
}

/// The value a service returned, read once the group has ended.
private final class ServiceValue<Value: Sendable>: Sendable {
    private let stored = Mutex<Value?>(nil)
    var value: Value? { stored.withLock { $0 } }
    func set(_ value: Value) { stored.withLock { $0 = value } }
}
