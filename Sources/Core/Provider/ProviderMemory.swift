import Foundation
import Synchronization

/// What a provider learns across polls (the job it found, a cursor), in a value that copies of the
/// provider share. Thread-safe.
///
/// ```swift
/// private let jobName = ProviderMemory<String?>(nil)
/// jobName.withLock { $0 = "projects/p/locations/r/customJobs/1" }
/// ```
public final class ProviderMemory<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { mutex = Mutex(value) }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result: Sendable>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try mutex.withLock { try body(&$0) }
    }

    /// The current value.
    public var value: Value { mutex.withLock { $0 } }
}

/// One gate for starting child processes in this process. Foundation's `Process.run()` on Linux has
/// crashed (a bad pointer in its memcpy) when two threads started processes at the same moment, so
/// every place that starts one — gcloud for vertex-gcloud, the `command` kind's programs (through
/// swift-subprocess), the benchmark's watches, the tests' runs of the binary — holds this gate while
/// it does. Starting takes a millisecond; the gate is not held while the process runs.
///
/// A semaphore rather than a lock: swift-subprocess reports that a program started on another
/// thread than the one that asked, so `release()` may come from another thread than `acquire()`.
public enum ProcessStart {
    private static let gate = DispatchSemaphore(value: 1)

    /// Runs `start` (a `Process.run()` or a `posix_spawn`) holding the gate.
    public static func serialized<T>(_ start: () throws -> T) rethrows -> T {
        gate.wait()
        defer { gate.signal() }
        return try start()
    }

    /// Takes the gate for a start that ends elsewhere; pair with exactly one `release()`.
    public static func acquire() { gate.wait() }

    /// Gives the gate back after `acquire()`.
    public static func release() { gate.signal() }
}
