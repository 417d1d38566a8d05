/// Where providers write what they send and receive when a user asks for it (`launchwatch run
/// --debug`): one line per HTTP request and answer (`HTTPTransport`), one per gcloud call. Off
/// unless a sink is set. A line never carries a secret: HTTP lines go through `Redaction`, and
/// nothing writes request bodies or child environments.
public enum DebugLog {
    private static let sink = ProviderMemory<(@Sendable (String) -> Void)?>(nil)

    /// Sends every line to `write` from now on; `nil` turns debug output off.
    public static func setSink(_ write: (@Sendable (String) -> Void)?) {
        sink.withLock { $0 = write }
    }

    /// Whether lines are wanted: a caller may skip building one when not.
    public static var isOn: Bool { sink.value != nil }

    /// Writes `line()` under `topic` ("http", "gcloud"), when debug output is on.
    public static func write(_ topic: String, _ line: () -> String) {
        guard let write = sink.value else { return }
        write("\(topic) \(line())")
    }
}
