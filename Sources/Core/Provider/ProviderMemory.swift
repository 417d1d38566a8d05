import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

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
