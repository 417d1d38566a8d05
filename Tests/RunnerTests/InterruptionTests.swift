import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing

@testable import LaunchWatchCLI

/// How `Interruption` runs a command's services, in-process (no signals are trapped here: the
/// binary's own tests send real ones): what `demo` and `launch` rely on.
@Suite("Interruption (the command line's ServiceGroup)")
struct InterruptionTests {
    /// What the services did, in order.
    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        var all: [String] { entries.withLock { $0 } }
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
    }

    struct Failure: Error, Equatable {}

    /// A service that runs until the group shuts it down gracefully (as the emulator does).
    static func untilShutdown(_ name: String, log: Log, started: AsyncStream<Void>.Continuation? = nil) -> any Service {
        ClosureService {
            started?.yield()
            try? await gracefulShutdown()
            log.add(name)
        }
    }

    @Test("the body's value is returned, and its end shuts the services beside it down")
    func bodyEndsTheGroup() async throws {
        let log = Log()
        let value = try await Interruption(signals: []).run(beside: [
            .init(service: Self.untilShutdown("emulator", log: log))
        ]) {
            log.add("watch")
            return 42
        }
        #expect(value == 42)
        #expect(log.all == ["watch", "emulator"])
    }

    @Test("a service beside that throws shuts the body down gracefully, then its error is rethrown")
    func besideFailureStopsTheBody() async throws {
        let log = Log()
        let (started, continuation) = AsyncStream.makeStream(of: Void.self)
        let command = ClosureService {
            // The command fails once the watch runs.
            for await _ in started { break }
            log.add("command failed")
            throw Failure()
        }
        await #expect(throws: Failure.self) {
            try await Interruption(signals: []).run(
                beside: [.init(service: command, failureTerminationBehavior: .gracefullyShutdownGroup)]
            ) {
                continuation.yield()
                try? await gracefulShutdown()
                log.add("watch interrupted")
                return 0
            }
        }
        #expect(log.all == ["command failed", "watch interrupted"])
    }

    @Test("a graceful shutdown (as a signal triggers) ends the body first, then the services beside it")
    func shutdownOrder() async throws {
        let log = Log()
        let (started, continuation) = AsyncStream.makeStream(of: Void.self)
        try await testGracefulShutdown { trigger in
            async let value = Interruption(signals: []).run(
                beside: [.init(service: Self.untilShutdown("emulator", log: log, started: continuation))]
            ) {
                continuation.yield()
                try? await gracefulShutdown()
                log.add("watch")
                return 130
            }
            var count = 0
            for await _ in started {
                count += 1
                if count == 2 { break }
            }
            trigger.triggerGracefulShutdown()
            let result = try await value
            #expect(result == 130)
        }
        #expect(log.all == ["watch", "emulator"])
    }
}
