import Foundation
import LaunchWatchCore

/// `--record FILE`: writes every observation and failed poll as a `RecordingEntry` line, so the
/// `replay` provider can play the watch back later.
final class RecordingReporter: Reporter, @unchecked Sendable {
    private let handle: FileHandle
    private let pipeline: Pipeline
    private let startedAt: Date
    private let redactor: SecretRedactor

    /// Creates (or truncates) the file.
    init(path: String, pipeline: Pipeline, startedAt: Date, redactor: SecretRedactor) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw RecordingError(message: "cannot create the file")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw RecordingError(message: "cannot open the file for writing")
        }
        self.handle = handle
        self.pipeline = pipeline
        self.startedAt = startedAt
        self.redactor = redactor
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
                case .stage(let id) = spec.stage(for: observation.status, declared: pipeline.stages)
            {
                stage = id
            }
            entry = RecordingEntry(observation, stage: stage, startedAt: startedAt)
        case .pollFailed(let provider, let error, let at):
            entry = RecordingEntry(failure: error, provider: provider, at: at, startedAt: startedAt)
        default:
            return
        }
        handle.write(Data((redactor.redact(entry.jsonLine()) + "\n").utf8))
    }

    func finished(_ result: WatchResult, signal: Int32?) {
        try? handle.close()
    }
}
