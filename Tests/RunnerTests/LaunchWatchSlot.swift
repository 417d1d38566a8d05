import Foundation
import Synchronization
import Testing

/// At most one test per core runs the built binary at a time: the trait every suite of these tests
/// carries (`@Suite("…", .launchWatchSlot)`).
///
/// Their waits hold no thread (see `LaunchWatchProcess`), so nothing else bounds them, and Swift
/// Testing starts every test at once: a whole-suite run then started about a hundred `launchwatch`
/// runs, emulators, `gcloud` and Python clients together, and on a 2-core machine the signal tests'
/// moments came late (the watch had ended before its SIGINT) while all of them took the CPU from the
/// in-process tests beside them. One test per core is how many ran at once when each blocked a thread
/// of the cooperative pool (one per core). A test holds its slot for its whole run, so the children
/// it runs together (two watches at once, an emulator and a watch) still run together, and no test
/// waits for another's slot while it holds one.
struct LaunchWatchSlot: SuiteTrait, TestTrait, TestScoping {
    /// How many tests may run the binary at once.
    static let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
    static let gate = Gate(width: width)

    /// Whether the current task runs inside a slot (`LaunchWatchProcess` checks it).
    @TaskLocal static var held = false

    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await Self.gate.enter()
        defer { Self.gate.leave() }
        try await Self.$held.withValue(true) { try await function() }
    }

    /// A counting semaphore whose waiters are suspended tasks, never blocked threads.
    final class Gate: Sendable {
        private struct State {
            var free: Int
            var waiting: [CheckedContinuation<Void, Never>] = []
        }
        private let state: Mutex<State>

        init(width: Int) { state = Mutex(State(free: width)) }

        func enter() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    guard state.free > 0 else {
                        state.waiting.append(continuation)
                        return false
                    }
                    state.free -= 1
                    return true
                }
                if now { continuation.resume() }
            }
        }

        func leave() {
            let next = state.withLock { state in
                guard !state.waiting.isEmpty else {
                    state.free += 1
                    return nil as CheckedContinuation<Void, Never>?
                }
                return state.waiting.removeFirst()
            }
            next?.resume()
        }
    }
}

extension Trait where Self == LaunchWatchSlot {
    /// The test runs the built `launchwatch` binary: it waits for one of a few slots (see
    /// `LaunchWatchSlot`).
    static var launchWatchSlot: Self { LaunchWatchSlot() }
}
