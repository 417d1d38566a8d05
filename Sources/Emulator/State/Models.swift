import Foundation
import LaunchWatchCore

/// A Vertex AI CustomJob as the emulator keeps it.
struct VertexJob: Sendable {
    var id: String
    var project: String
    var region: String
    var displayName: String
    var labels: [String: String]
    var machineType: String
    var state: String
    var createTime: Date
    var startTime: Date?
    var endTime: Date?
    var updateTime: Date
    var error: JobError?
    /// The `jobSpec` a client sent with `create`, kept as sent; `nil` renders a realistic default
    /// (`CustomJobResource.ScenarioSpec`).
    var jobSpec: JSONValue?

    struct JobError: Sendable {
        var code: Int
        var message: String
    }

    /// In the order of their enum numbers (`JOB_STATE_FAILED` is 5).
    static let allStates = [
        "JOB_STATE_UNSPECIFIED", "JOB_STATE_QUEUED", "JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED",
        "JOB_STATE_FAILED", "JOB_STATE_CANCELLING", "JOB_STATE_CANCELLED", "JOB_STATE_PAUSED", "JOB_STATE_EXPIRED",
        "JOB_STATE_UPDATING", "JOB_STATE_PARTIALLY_SUCCEEDED",
    ]
    static let terminalStates: Set<String> = [
        "JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_PAUSED", "JOB_STATE_EXPIRED",
        "JOB_STATE_PARTIALLY_SUCCEEDED",
    ]

    init(
        id: String, project: String, region: String, displayName: String, labels: [String: String],
        machineType: String, state: String, createTime: Date, updateTime: Date
    ) {
        self.id = id
        self.project = project
        self.region = region
        self.displayName = displayName
        self.labels = labels
        self.machineType = machineType
        self.state = state
        self.createTime = createTime
        self.updateTime = updateTime
    }

    var name: String { "projects/\(project)/locations/\(region)/customJobs/\(id)" }

    /// Moves to `state` as the service does: `startTime` when it first runs, `endTime` when it ends.
    mutating func transition(to newState: String, at date: Date) {
        state = newState
        updateTime = date
        if newState == "JOB_STATE_RUNNING", startTime == nil { startTime = date }
        if ["JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED"].contains(newState), endTime == nil {
            endTime = date
        }
        if newState == "JOB_STATE_CANCELLED", error == nil { error = JobError(code: 1, message: "CANCELED") }
    }
}

/// A W&B Launch run-queue item.
struct QueueItem: Sendable {
    var id: String
    var queue: String
    var entity: String
    var project: String
    /// The launch spec's `name`.
    var name: String
    /// PENDING, LEASED, CLAIMED, FAILED, FINISHED.
    var state: String
    var createdAt: Date
    var associatedRunId: String?
    var error: ItemError?
    /// The launch spec pushed with the item (`pushToRunQueueByName`); `nil` for scenario items.
    var runSpec: JSONValue? = nil

    struct ItemError: Sendable {
        var message: String
        var stage: String
    }
}

/// A W&B run.
struct WandbRun: Sendable {
    /// The run's name in URLs (its id, like `k3x9ab12`).
    var id: String
    var entity: String
    var project: String
    var displayName: String
    /// pending, running, finished, failed, crashed, killed, preempting, preempted.
    var state: String
    var createdAt: Date
    var heartbeatAt: Date
    var details = Scenario.RunDetails()
}

/// A Cloud Logging entry, readable from `readableAt` (scenario seconds) on.
struct LogEntry: Sendable {
    var spec: Scenario.LogEntrySpec
    var timestamp: Date
    var receiveTimestamp: Date
    var insertId: String
    var readableAt: Double
}

/// A Cloud Run job execution (the launch agent's).
struct CloudRunExecution: Sendable {
    var id: String
    var job: String
    var createTime: Date
    var completed: Completion?

    struct Completion: Sendable {
        var succeeded: Bool
        var message: String?
        var at: Date
    }
}

/// RFC 3339 timestamps as Google APIs write them: UTC, `Z`, fractional seconds only when non-zero.
enum Timestamp {
    static func string(_ date: Date, nanoseconds: Bool = false) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down)
        let fraction = date.timeIntervalSince1970 - whole
        var text = RFC3339.string(wholeSeconds: Int64(whole))
        let digits = nanoseconds ? 9 : 6
        let scaled = Int((fraction * pow(10, Double(digits))).rounded())
        if scaled > 0 {
            var decimals = String(format: "%0\(digits)d", min(scaled, Int(pow(10, Double(digits))) - 1))
            while decimals.hasSuffix("0") { decimals.removeLast() }
            text.insert(contentsOf: "." + decimals, at: text.index(before: text.endIndex))
        }
        return text
    }

    /// Reads RFC 3339 (any fraction digits, `Z` or offset).
    static func date(_ text: String) -> Date? { RFC3339.date(from: text) }
}
