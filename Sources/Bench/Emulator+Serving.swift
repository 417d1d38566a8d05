import Foundation
import LaunchWatchEmulator

extension Emulator {
    /// Runs `body` with the base URL while the emulator serves in a child task, then stops it: the
    /// server lives exactly as long as the measurement that needs it.
    func serving<Value>(_ body: (URL) async throws -> Value) async throws -> Value {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            do {
                let value = try await body(try await baseURL())
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
