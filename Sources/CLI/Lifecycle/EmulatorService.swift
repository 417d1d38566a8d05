import Foundation
import LaunchWatchEmulator
import ServiceLifecycle

/// The emulator as a `Service`: serves until its group shuts down (`emulate` on Ctrl-C, `demo` once
/// its watch has ended).
///
/// A graceful shutdown cancels `Emulator.run()`, which stops the server gracefully in turn: it closes
/// the connections it has accepted, drops requests a scenario holds on purpose (a `hang` fault)
/// rather than waiting for them, and cancels the server if the stop takes over two seconds.
struct EmulatorService: Service {
    let emulator: Emulator
    /// Called once the server listens, with its base URL (`emulate` prints it).
    var onListening: (@Sendable (URL) async -> Void)? = nil

    func run() async throws {
        try await cancelWhenGracefulShutdown { [emulator, onListening] in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await emulator.run() }
                if let onListening {
                    group.addTask { await onListening(try await emulator.baseURL()) }
                }
                try await group.waitForAll()
            }
        }
    }
}
