/// An event of one target of a sweep.
public struct SweepEvent: Sendable {
    public var target: String
    public var event: WatchEvent
}
