import Foundation
import LaunchWatchCore

/// The fields of a Vertex AI CustomJob that a watch needs, read from its REST JSON (as the API and
/// `gcloud --format=json` print it).
///
/// Decoding needs `name` (not empty) and `state`; every other field is read when it has the type the
/// API documents and is otherwise left out, so that one odd field never hides the job's state.
/// Fields the watch does not use (`jobSpec`, ...) are ignored.
public struct VertexCustomJob: Sendable, Hashable, Decodable {
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
        guard let job = try? JSONValueDecoder(rejectsUnknownKeys: false).decode(Self.self, from: json) else {
            return nil
        }
        self = job
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

extension VertexCustomJob {
    private enum CodingKeys: String, CodingKey {
        case name, displayName, state, createTime, startTime, endTime, updateTime, labels, error
    }

    /// The job's `error`, a google.rpc.Status.
    private struct Status: Decodable {
        enum CodingKeys: String, CodingKey { case code, message }
        var code: Int?
        var message: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = try? container.decodeIfPresent(Int.self, forKey: .code)
            message = try? container.decodeIfPresent(String.self, forKey: .message)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        if name.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .name, in: container, debugDescription: "is empty")
        }
        state = try container.decode(String.self, forKey: .state)
        id = VertexJobMatch.id(fromNameOrID: name)
        displayName = (try? container.decodeIfPresent(String.self, forKey: .displayName)) ?? ""
        func date(_ key: CodingKeys) -> Date? {
            (try? container.decodeIfPresent(String.self, forKey: key)).flatMap { RFC3339.date(from: $0) }
        }
        createTime = date(.createTime)
        startTime = date(.startTime)
        endTime = date(.endTime)
        updateTime = date(.updateTime)
        // A label whose value is not a string is left out, not the labels as a whole.
        let labels = (try? container.decodeIfPresent([String: JSONValue].self, forKey: .labels)) ?? [:]
        self.labels = labels.compactMapValues { value in
            if case .string(let text) = value { return text }
            return nil
        }
        let status = try? container.decodeIfPresent(Status.self, forKey: .error)
        errorCode = status?.code
        errorMessage = status?.message
    }
}
