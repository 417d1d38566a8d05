import Foundation
import LaunchWatchCore

/// A scripted launch: what the emulated services know at each moment, and which faults they inject.
///
/// Scenarios are JSON (see `Examples/scenarios/README.md`):
/// ```json
/// {"name": "success", "timeScale": 1,
///  "timeline": [{"at": "0s", "do": "enqueueItem", "item": "item-1", "queue": "gpu", "name": "train"},
///               {"at": "4s", "do": "claimItem", "item": "item-1", "runId": "k3x9ab12"}],
///  "faults": [{"route": "vertex.list", "from": "10s", "count": 2, "status": 429}]}
/// ```
/// Times (`at`, `from`, `until`) are offsets from the moment the scenario starts, in scenario time:
/// with `timeScale` 10, ten scenario seconds pass per real second.
public struct Scenario: Sendable {
    public var name: String
    public var description: String?
    /// Scenario seconds per real second.
    public var timeScale: Double
    public var project: String
    public var projectNumber: String
    public var region: String
    /// Seconds after its timestamp that a log entry becomes readable (`logs.ingestionDelay`).
    public var logIngestionDelay: Double
    /// Added to every time the services report (`createTime`, log timestamps, …): their clock is
    /// this far ahead (negative: behind) of the machine's. `"clockSkew": "-10m"`.
    public var clockSkew: Double = 0
    /// The log time one `entries:list` call searches (`logs.scanWindow`); a stretch without a match
    /// answers a page with no entries and a `nextPageToken`. `nil`: each call searches everything.
    public var logScanWindow: Double? = nil
    public var auth: Auth
    public var wandb: Wandb
    /// How strict the emulated Vertex AI is, beyond holding to its reference (`vertex`).
    public var vertex: Vertex = Vertex()
    public var timeline: [Step]
    public var faults: [FaultRule]
    /// What the launch agent does with each pushed item (`agent`); nil: pushed items stay PENDING.
    public var agent: Agent? = nil

    /// How the emulated Google and W&B endpoints check credentials.
    public struct Auth: Sendable {
        /// Bearer tokens accepted without being issued here (for `CLOUDSDK_AUTH_ACCESS_TOKEN_FILE`).
        /// Empty: any non-empty bearer token is accepted, unless `strict`.
        public var accessTokens: [String]
        /// Only tokens issued by the token endpoints or listed in `accessTokens` are accepted.
        public var strict: Bool
        /// Tokens that authenticate but may not do anything (403 PERMISSION_DENIED).
        public var forbiddenTokens: [String]
        /// Lifetime of issued tokens, in scenario seconds.
        public var tokenLifetime: Double
        /// The service account's public key (PEM) that JWT-bearer assertions must be signed with.
        public var serviceAccountPublicKey: String?
        /// The service account's email (the JWT's `iss`).
        public var serviceAccountEmail: String?
        /// Refresh tokens accepted by the `refresh_token` grant.
        public var refreshTokens: [String]
        /// Subject tokens the STS token exchange accepts (workload identity federation); empty: any
        /// non-empty one, unless `strict`.
        public var subjectTokens: [String] = []
    }

    /// The emulated W&B account.
    public struct Wandb: Sendable {
        /// API keys accepted (Basic `api:<key>`); empty: any non-empty key.
        public var apiKeys: [String]
        public var entity: String
        public var username: String
        /// Run queues (in `entity`'s `model-registry` project) that exist before any item is pushed;
        /// queues named by `enqueueItem` steps exist as well.
        public var queues: [String] = []
        /// `wandb.strictQueueItems`: the server knows only the fields the official client reads on a
        /// run-queue item (`id state associatedRunId`), and lists items without `after:`/`pageInfo`.
        public var strictQueueItems = false
        /// `wandb.runQueueItemById` false: an older W&B Server without `RunQueue.runQueueItem(id:)`.
        public var runQueueItemByID = true
    }

    /// The emulated Vertex AI. It always refuses filter fields and operators its reference does not
    /// document; a scenario can make it refuse documented ones too.
    public struct Vertex: Sendable {
        /// Documented `customJobs.list` filter fields (`display_name`, `state`, `create_time`,
        /// `labels`) this service refuses with 400 INVALID_ARGUMENT, as a stricter or older one would.
        public var rejectFilterFields: Set<String> = []
        /// The largest page `customJobs.list` sends (`vertex.maxPageSize`, default 1000); a larger
        /// `pageSize` is brought down to it, as AIP-158 says a service does.
        public var maxPageSize: Int = 1000
    }

    /// One timeline step: an action at an offset.
    public struct Step: Sendable {
        public var at: Double
        public var action: Action
    }

    /// What a step does.
    public enum Action: Sendable {
        case enqueueItem(id: String, queue: String, entity: String?, project: String, name: String, runId: String?)
        case setItemState(id: String, state: String, runId: String?)
        case failItem(id: String, message: String, stage: String?)
        case createRun(
            id: String, entity: String?, project: String, displayName: String?, state: String, details: RunDetails)
        case setRunState(id: String, state: String)
        case createJob(VertexJobSpec)
        case setJobState(id: String, state: String)
        case failJob(id: String, code: Int, message: String)
        case writeLog(LogEntrySpec)
        case createExecution(id: String, job: String)
        case completeExecution(id: String, succeeded: Bool, message: String?)
        case expireTokens
    }

    /// A Vertex AI CustomJob as a scenario creates it.
    public struct VertexJobSpec: Sendable {
        public var id: String
        public var displayName: String
        public var labels: [String: String]
        public var state: String
        public var machineType: String
        public var project: String?
        public var region: String?
    }

    /// A Cloud Logging entry as a scenario writes it.
    public struct LogEntrySpec: Sendable {
        public var logName: String
        public var severity: String
        public var resourceType: String
        public var resourceLabels: [String: String]
        public var labels: [String: String]
        public var textPayload: String?
        public var jsonPayload: JSONValue?
        public var insertId: String?
        /// Overrides the scenario's ingestion delay for this entry.
        public var ingestionDelay: Double?
        /// The writer's clock is this far ahead: the entry's timestamp is that much later than the
        /// moment it was written (its `receiveTimestamp` is not).
        public var stampedAhead: Double? = nil
    }
}
