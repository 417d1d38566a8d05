import Foundation
import LaunchWatchCore

/// Everything the emulated services know, as of the scenario time of the request being served.
///
/// Timeline steps are applied lazily: every request first applies the steps that are due, so the
/// state is exact at any moment without a background task. One actor serialises all access.
public actor EmulatorState {
    public private(set) var scenario: Scenario
    /// The wall-clock time at scenario time 0: timestamps the services report are `epoch + at`.
    public private(set) var epoch: Date
    private var started: ContinuousClock.Instant
    /// Scenario seconds added by `/_emulator/advance`.
    private var offset: Double = 0
    private var nextStep = 0
    /// Steps the scenario's `agent` scheduled for pushed items, in time order.
    var agentSteps: [Scenario.Step] = []

    var jobs: [String: VertexJob] = [:]
    var jobOrder: [String] = []
    var queueItems: [String: QueueItem] = [:]
    var queueItemOrder: [String] = []
    var runs: [String: WandbRun] = [:]
    var runOrder: [String] = []
    var logEntries: [LogEntry] = []
    var executions: [String: CloudRunExecution] = [:]
    /// Issued access token → scenario time it expires.
    var issuedTokens: [String: Double] = [:]
    /// Tokens revoked by `expireTokens` (static tokens included).
    var expiredTokens: Set<String> = []
    private var tokenCounter = 0
    private var faultApplied: [Int: Int] = [:]
    private(set) var requests: [RequestRecord] = []
    /// Every W&B GraphQL document served, with its validation outcome (`graphQLLog()`).
    var graphQLDocuments: [GraphQLDocumentRecord] = []

    public init(scenario: Scenario, epoch: Date = Date()) {
        self.scenario = scenario
        self.epoch = epoch
        self.started = .now
    }

    /// Scenario seconds since the start.
    public var now: Double {
        let elapsed = started.duration(to: .now).seconds
        return elapsed * scenario.timeScale + offset
    }

    /// The wall-clock date of scenario time `time`.
    public func date(_ time: Double) -> Date { epoch.addingTimeInterval(time + scenario.clockSkew) }

    /// Replaces the scenario and starts it from time 0 with empty state and request log.
    public func load(_ scenario: Scenario) {
        self.scenario = scenario
        reset()
    }

    /// Starts the scenario again from time 0: empty state, empty request log.
    public func reset() {
        epoch = Date()
        started = .now
        offset = 0
        nextStep = 0
        agentSteps = []
        jobs = [:]
        jobOrder = []
        queueItems = [:]
        queueItemOrder = []
        runs = [:]
        runOrder = []
        logEntries = []
        executions = [:]
        issuedTokens = [:]
        expiredTokens = []
        faultApplied = [:]
        pendingCancellations = []
        requests = []
        graphQLDocuments = []
    }

    /// Moves scenario time forward by `seconds` (the control API's `advance`).
    public func advance(by seconds: Double) {
        offset += max(0, seconds)
        applyDueSteps()
    }

    /// Applies every timeline step due at the current scenario time; returns the time.
    @discardableResult
    func applyDueSteps() -> Double {
        let time = now
        while nextStep < scenario.timeline.count, scenario.timeline[nextStep].at <= time {
            apply(scenario.timeline[nextStep])
            nextStep += 1
        }
        while let step = agentSteps.first, step.at <= time {
            agentSteps.removeFirst()
            apply(step)
        }
        return time
    }

    // MARK: - Request log and faults

    /// Records a served request.
    func record(_ request: RequestRecord) {
        requests.append(request)
    }

    /// The first fault rule in force for `route` now, counting it as applied.
    func fault(for route: String) -> FaultRule? {
        let time = now
        for (index, rule) in scenario.faults.enumerated()
        where rule.applies(to: route, at: time, applied: faultApplied[index, default: 0]) {
            faultApplied[index, default: 0] += 1
            return rule
        }
        return nil
    }

    /// The request log: counts per route and every request.
    public func requestLog() -> [RequestRecord] { requests }

    // MARK: - Tokens

    /// Issues an access token valid for the scenario's token lifetime.
    func issueToken() -> (token: String, expiresIn: Int) {
        tokenCounter += 1
        let token = "ya29.emulated-\(tokenCounter)-\(UUID().uuidString.prefix(8).lowercased())"
        let lifetime = scenario.auth.tokenLifetime
        issuedTokens[token] = now + lifetime
        return (token, Int(lifetime.rounded()))
    }

    /// How a bearer token fares.
    enum TokenCheck {
        case valid
        case missing
        case invalid
        case expired
        case forbidden
    }

    func check(bearer token: String?) -> TokenCheck {
        // An `expireTokens` step that is due must take effect before the token is judged.
        applyDueSteps()
        guard let token, !token.isEmpty else { return .missing }
        if expiredTokens.contains(token) { return .expired }
        if let expiry = issuedTokens[token] {
            return now < expiry ? (scenario.auth.forbiddenTokens.contains(token) ? .forbidden : .valid) : .expired
        }
        if scenario.auth.forbiddenTokens.contains(token) { return .forbidden }
        if scenario.auth.accessTokens.contains(token) { return .valid }
        return scenario.auth.strict || !scenario.auth.accessTokens.isEmpty ? .invalid : .valid
    }

    // MARK: - Applying steps

    private func apply(_ step: Scenario.Step) {
        let at = date(step.at)
        switch step.action {
        case .enqueueItem(let id, let queue, let entity, let project, let name, let runId):
            queueItems[id] = QueueItem(
                id: id, queue: queue, entity: entity ?? scenario.wandb.entity, project: project, name: name,
                state: "PENDING", createdAt: at, associatedRunId: runId, error: nil)
            queueItemOrder.append(id)
        case .setItemState(let id, let state, let runId):
            queueItems[id]?.state = state
            if let runId { queueItems[id]?.associatedRunId = runId }
        case .failItem(let id, let message, let stage):
            queueItems[id]?.state = "FAILED"
            queueItems[id]?.error = QueueItem.ItemError(message: message, stage: stage ?? "run")
        case .createRun(let id, let entity, let project, let displayName, let state, let details):
            runs[id] = WandbRun(
                id: id, entity: entity ?? scenario.wandb.entity, project: project,
                displayName: displayName ?? id, state: state, createdAt: at, heartbeatAt: at, details: details)
            runOrder.append(id)
        case .setRunState(let id, let state):
            runs[id]?.state = state
            runs[id]?.heartbeatAt = at
        case .createJob(let spec):
            jobs[spec.id] = VertexJob(
                id: spec.id, project: spec.project ?? scenario.projectNumber, region: spec.region ?? scenario.region,
                displayName: spec.displayName, labels: spec.labels, machineType: spec.machineType,
                state: "JOB_STATE_QUEUED", createTime: at, updateTime: at)
            jobOrder.append(spec.id)
            if spec.state != "JOB_STATE_QUEUED" { jobs[spec.id]?.transition(to: spec.state, at: at) }
        case .setJobState(let id, let state):
            jobs[id]?.transition(to: state, at: at)
        case .failJob(let id, let code, let message):
            jobs[id]?.error = VertexJob.JobError(code: code, message: message)
            jobs[id]?.transition(to: "JOB_STATE_FAILED", at: at)
        case .writeLog(let spec):
            let index = logEntries.count
            logEntries.append(
                LogEntry(
                    // Received when it reaches Logging: 0.3 s after it was written, or after its
                    // ingestion delay (a late entry is received late).
                    spec: spec, timestamp: at.addingTimeInterval(spec.stampedAhead ?? 0),
                    receiveTimestamp: at.addingTimeInterval(
                        max(0.3, spec.ingestionDelay ?? scenario.logIngestionDelay)),
                    insertId: spec.insertId ?? String(format: "%@%06d", "emu", index + 1),
                    readableAt: step.at + (spec.ingestionDelay ?? scenario.logIngestionDelay)))
        case .createExecution(let id, let job):
            executions[id] = CloudRunExecution(id: id, job: job, createTime: at, completed: nil)
        case .completeExecution(let id, let succeeded, let message):
            executions[id]?.completed = CloudRunExecution.Completion(succeeded: succeeded, message: message, at: at)
        case .expireTokens:
            expiredTokens.formUnion(issuedTokens.keys)
            expiredTokens.formUnion(scenario.auth.accessTokens)
        }
    }

    // MARK: - Vertex mutations from the API

    /// Creates a job as `customJobs.create` does (state QUEUED), returning it.
    func createJob(displayName: String, labels: [String: String], jobSpec: JSONValue?) -> VertexJob {
        let time = now
        var id = ""
        repeat {
            id = String(UInt64.random(in: 1_000_000_000_000_000_000...9_999_999_999_999_999_999))
        } while jobs[id] != nil
        var job = VertexJob(
            id: id, project: scenario.projectNumber, region: scenario.region, displayName: displayName, labels: labels,
            machineType: "n1-standard-8", state: "JOB_STATE_QUEUED", createTime: date(time), updateTime: date(time))
        job.jobSpec = jobSpec
        jobs[id] = job
        jobOrder.append(id)
        return job
    }

    /// Cancels a job as `customJobs.cancel` does: CANCELLING now, CANCELLED with error code 1 shortly
    /// after (one scenario second).
    func cancelJob(id: String) -> Bool {
        guard var job = jobs[id] else { return false }
        guard !VertexJob.terminalStates.contains(job.state) else { return true }
        let time = now
        job.transition(to: "JOB_STATE_CANCELLING", at: date(time))
        jobs[id] = job
        scheduleCancellation(id: id, at: time + 1)
        return true
    }

    private var pendingCancellations: [(id: String, at: Double)] = []

    private func scheduleCancellation(id: String, at time: Double) {
        pendingCancellations.append((id, time))
    }

    /// Completes cancellations that are due (called with the due steps).
    func completeCancellations() {
        let time = now
        for pending in pendingCancellations where pending.at <= time {
            jobs[pending.id]?.error = VertexJob.JobError(code: 1, message: "CANCELED")
            jobs[pending.id]?.transition(to: "JOB_STATE_CANCELLED", at: date(pending.at))
        }
        pendingCancellations.removeAll { $0.at <= time }
    }

    // MARK: - Reading

    /// Applies due steps, then gives `body` the state to read.
    func read<T: Sendable>(_ body: @Sendable (isolated EmulatorState) throws -> T) rethrows -> T {
        applyDueSteps()
        completeCancellations()
        return try body(self)
    }
}

/// One served request, for the control API's request log.
public struct RequestRecord: Sendable {
    public var time: Double
    public var method: String
    public var path: String
    public var route: String
    public var status: Int
    /// The client's port: requests with the same port came over the same connection.
    public var clientPort: Int? = nil
    /// For W&B GraphQL: the operation's name (`GetRunQueueItem`, `Run`), which tells the W&B
    /// providers' requests apart.
    public var operation: String? = nil
    /// For Google routes: the query parameters (decoded), without any that could carry a credential
    /// (`access_token`, `key`). What a wire-contract check reads.
    public var query: [String: String] = [:]
    /// For the Vertex AI, Cloud Logging and Cloud Run routes: the JSON body, if any (never a token
    /// endpoint's, which carries credentials).
    public var body: JSONValue? = nil
    /// For Google APIs: the `x-goog-user-project` header (the quota project), when sent.
    public var userProject: String? = nil
}
