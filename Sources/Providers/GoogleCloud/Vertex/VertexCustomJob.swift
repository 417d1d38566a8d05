import Foundation
import LaunchWatchCore

/// The fields of a Vertex AI CustomJob that a watch needs, read from its REST JSON (as the API and
/// `gcloud --format=json` print it).
public struct VertexCustomJob: Sendable, Hashable {
    /// `projects/{project}/locations/{region}/customJobs/{id}`.
    public var name: String
    public var id: String
    public var displayName: String
    public var state: String
    public var createTime: Date?
    public var startTime: Date?
    public var endTime: Date?
    public var updateTime: Date?
    public var labels: [String: String]
    public var errorCode: Int?
    public var errorMessage: String?

    /// All 12 JobStates, and those after which nothing changes.
    public static let states = [
        "JOB_STATE_UNSPECIFIED", "JOB_STATE_QUEUED", "JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED",
        "JOB_STATE_FAILED", "JOB_STATE_CANCELLING", "JOB_STATE_CANCELLED", "JOB_STATE_PAUSED", "JOB_STATE_EXPIRED",
        "JOB_STATE_UPDATING", "JOB_STATE_PARTIALLY_SUCCEEDED",
    ]

    /// The default status → stage map of the Vertex providers. PAUSED and PARTIALLY_SUCCEEDED are
    /// terminal but mean different things to different teams: they are left out, so the watch reports
    /// them as unmapped (naming the fix) until the pipeline's `map` places them.
    public static let defaultStageMap: [String: String?] = [
        "JOB_STATE_UNSPECIFIED": nil,
        "JOB_STATE_QUEUED": "submitted",
        "JOB_STATE_PENDING": "submitted",
        "JOB_STATE_RUNNING": "running",
        "JOB_STATE_SUCCEEDED": "succeeded",
        "JOB_STATE_FAILED": "failed",
        "JOB_STATE_CANCELLING": nil,
        "JOB_STATE_CANCELLED": "failed",
        "JOB_STATE_EXPIRED": "failed",
        "JOB_STATE_UPDATING": nil,
    ]

    /// Reads a job; `nil` when `json` lacks a name or a state (the caller reports the response as
    /// malformed).
    public init?(json: JSONValue) {
        guard case .string(let name)? = json["name"], !name.isEmpty, case .string(let state)? = json["state"] else {
            return nil
        }
        self.name = name
        self.id = VertexJobMatch.id(fromNameOrID: name)
        if case .string(let displayName)? = json["displayName"] {
            self.displayName = displayName
        } else {
            displayName = ""
        }
        self.state = state
        func date(_ key: String) -> Date? {
            if case .string(let text)? = json[key] { return RFC3339.date(from: text) }
            return nil
        }
        createTime = date("createTime")
        startTime = date("startTime")
        endTime = date("endTime")
        updateTime = date("updateTime")
        var labels: [String: String] = [:]
        if case .object(let members)? = json["labels"] {
            for member in members {
                if case .string(let value) = member.value { labels[member.key] = value }
            }
        }
        self.labels = labels
        if case .object? = json["error"] {
            if case .number(let code)? = json["error"]?["code"] { errorCode = Int(exactly: code) }
            if case .string(let message)? = json["error"]?["message"] { errorMessage = message }
        }
    }

    /// When the backend says the current state began: `startTime` for RUNNING, `endTime` once ended,
    /// `createTime` while QUEUED, otherwise `updateTime`.
    public var stateSince: Date? {
        switch state {
        case "JOB_STATE_RUNNING": startTime ?? updateTime
        case "JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED": endTime ?? updateTime
        case "JOB_STATE_QUEUED": createTime ?? updateTime
        default: updateTime ?? createTime
        }
    }

    /// Vertex AI's message for a crashed replica says only that it exited and where the logs are.
    static func pointsToLogs(_ message: String) -> Bool {
        let lowered = message.lowercased()
        return lowered.contains("exited with a non-zero status") || lowered.contains("check the logs")
    }

    /// The job as an observation: its state, the time that state began, the error as detail, and
    /// the fact `job_id`.
    public var observation: Observation {
        var detail: FailureDetail?
        if let errorMessage, !errorMessage.isEmpty {
            detail = FailureDetail(
                code: errorCode.map(String.init), message: errorMessage,
                inconclusive: Self.pointsToLogs(errorMessage) ? true : nil)
        }
        return Observation(status: state, subject: name, backendTime: stateSince, detail: detail, facts: ["job_id": id])
    }
}
