import LaunchWatchCore

/// Something that shows or stores the events of a watch: the terminal view, NDJSON, a recording.
///
/// Called from one task at a time, in event order; `tick` is called about ten times a second for
/// animations and may come from another task.
protocol Reporter: Sendable {
    func started(pipeline: Pipeline)
    func handle(_ event: WatchEvent)
    func tick()
    func finished(_ result: WatchResult, signal: Int32?)
}

extension Reporter {
    func tick() {}
}
