/// One launch of a sweep: a name (shown in views and carried by every event) and its pipeline, the
/// same pipeline file loaded with this launch's variables.
public struct SweepTarget: Sendable {
    public var name: String
    public var pipeline: Pipeline

    public init(name: String, pipeline: Pipeline) {
        self.name = name
        self.pipeline = pipeline
    }
}
