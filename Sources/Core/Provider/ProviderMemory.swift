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

/// One lock for starting child processes with Foundation's `Process` in this process. Foundation's
/// `Process.run()` on Linux has crashed (a bad pointer in its memcpy) when two threads started
/// processes at the same moment, so every place that starts one with it — gcloud for vertex-gcloud,
/// the gcloud token fallback, the benchmark's watches, the tests' runs of the binary and of the
/// official clients — holds this lock while it does. Starting takes a millisecond; the lock is not
/// held while the process runs, nor across an `await` (a lock held across one can starve the
/// cooperative pool). The `command` kind starts its programs through swift-subprocess, which does
/// not go through Foundation's `Process`.
public enum ProcessStart {
    public static let lock = NSLock()

    /// Runs `start` (a `Process.run()` or a `posix_spawn`) under the lock.
    public static func serialized<T>(_ start: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try start()
    }
}
