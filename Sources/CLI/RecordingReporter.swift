import Foundation
import LaunchWatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--record FILE`: writes every observation and failed poll as a `RecordingEntry` line, so the
/// `replay` provider can play the watch back later.
///
/// Lines go to `FILE.partial` as they happen, and the file is renamed to `FILE` when the watch ends:
/// recording over the recording being replayed does not destroy it, and a crash leaves the partial
/// file behind. A write error (a full disk) is reported once and stops the recording, not the watch.
final class RecordingReporter: Reporter, @unchecked Sendable {
    private let path: String
    private let partialPath: String
    private var handle: FileHandle?
    private let pipeline: Pipeline
    private let startedAt: Date
    private let redactor: SecretRedactor
    private let warn: @Sendable (String) -> Void
    private let lock = NSLock()

    init(
        path: String, pipeline: Pipeline, startedAt: Date, redactor: SecretRedactor,
        warn: @escaping @Sendable (String) -> Void
    ) throws {
        self.path = path
        self.partialPath = path + ".partial"
        guard FileManager.default.createFile(atPath: partialPath, contents: nil) else {
            throw RecordingError(message: "cannot create \(partialPath): \(String(cString: strerror(errno)))")
        }
        guard let handle = FileHandle(forWritingAtPath: partialPath) else {
            throw RecordingError(message: "cannot open \(partialPath) for writing")
        }
        self.handle = handle
        self.pipeline = pipeline
        self.startedAt = startedAt
        self.redactor = redactor
        self.warn = warn
    }

    struct RecordingError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    func started(pipeline: Pipeline) {}

    func handle(_ event: WatchEvent) {
        let entry: RecordingEntry
        switch event {
        case .observation(let observation):
            var stage: String?
            if let spec = pipeline.providers.first(where: { $0.id == observation.provider }),
                case .stage(let id) = spec.stage(
                    for: observation.status, recordedStage: observation.recordedStage, declared: pipeline.stages)
            {
                stage = id
            }
            entry = RecordingEntry(observation, stage: stage, startedAt: startedAt)
        case .pollFailed(let provider, let error, let at):
            entry = RecordingEntry(failure: error, provider: provider, at: at, startedAt: startedAt)
        default:
            return
        }
        // Redact the values before they are JSON-escaped: an escaped secret would no longer match.
        var line = entry.jsonLine()
        if let value = try? JSONParser.parse(line) { line = redactor.redact(value).jsonText }
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { return }
        do {
            try handle.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            self.handle = nil
            try? handle.close()
            warn("--record \(path): writing failed (\(error.localizedDescription)); recording stopped")
        }
    }

    func finished(_ result: WatchResult, signal: Int32?) {
        lock.lock()
        defer { lock.unlock() }
        try? handle?.close()
        handle = nil
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: partialPath, toPath: path)
        } catch {
            warn("--record \(path): could not move \(partialPath) into place (\(error.localizedDescription))")
        }
    }
}
