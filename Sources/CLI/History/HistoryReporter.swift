import ArgumentParser
import Foundation
import LaunchWatchCore

/// Appends the finished watch to the launch history. A history that cannot be written is a
/// warning on standard error, never a change of the watch's outcome or exit code.
struct HistoryReporter: Reporter {
    let history: LaunchHistory
    let pipeline: Pipeline
    let startedAt: Date
    let queue: String?
    let name: String?
    let redactor: SecretRedactor
    let skip: @Sendable () -> Bool
    let warn: @Sendable (String) -> Void

    func started(pipeline: Pipeline) {}
    func handle(_ event: WatchEvent) {}

    func finished(_ result: WatchResult, signal: Int32?) {
        guard !skip() else { return }
        let record = HistoryRecord(
            result: result, pipeline: pipeline, startedAt: startedAt, queue: queue, name: name, redactor: redactor)
        do {
            try history.append(record)
        } catch {
            warn("the launch history was not updated: \(error) (turn it off with --no-history)")
        }
    }
}

/// `--no-history`, shared by `run` and `launch`.
struct HistoryOptions: ParsableArguments {
    @Flag(
        name: .customLong("no-history"),
        help: """
            Do not record this launch in the history ($XDG_STATE_HOME/launchwatch/history.ndjson); \
            LAUNCHWATCH_NO_HISTORY=1 does the same.
            """)
    var disabled = false

    init() {}
}
