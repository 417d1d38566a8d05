/// Which stages end the watch, and how long it may take.
public struct FinishPolicy: Sendable, Hashable {
    /// Progress stages that end the watch successfully when reached (outcome stages always end it).
    public var on: Set<String>
    /// The longest a watch may run before it ends with the outcome `deadline`.
    public var deadline: Duration
    /// How long a failure without detail waits for a detail provider before the watch ends.
    public var detailWait: Duration

    public static let defaultDeadline = Duration.seconds(30 * 60)
    public static let defaultDetailWait = Duration.seconds(120)

    public init(on: Set<String> = [], deadline: Duration = defaultDeadline, detailWait: Duration = defaultDetailWait) {
        self.on = on
        self.deadline = deadline
        self.detailWait = detailWait
    }
}
