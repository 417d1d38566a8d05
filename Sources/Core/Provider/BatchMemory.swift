import Synchronization

/// What a batch of providers remembers between polls: text values by key. Thread-safe.
public final class BatchMemory: Sendable {
    private let values = Mutex<[String: String]>([:])

    public init() {}

    public subscript(key: String) -> String? {
        get { values.withLock { $0[key] } }
        set { values.withLock { $0[key] = newValue } }
    }
}
