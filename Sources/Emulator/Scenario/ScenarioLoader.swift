import Foundation
import LaunchWatchCore

/// Why a scenario file cannot be used: every problem, each with its JSON path.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var problems: [(path: String, message: String)]

    public var description: String {
        problems.map { "\($0.path): \($0.message)" }.joined(separator: "\n")
    }
}

extension Scenario {
    /// Reads a scenario from JSON, strictly: unknown keys, malformed durations and steps missing what
    /// their action needs are errors with their paths.
    public init(json data: Data) throws(ScenarioError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            throw ScenarioError(problems: [("$", "not valid JSON: \(error)")])
        }
        let raw: RawScenario
        do {
            raw = try JSONValueDecoder().decode(RawScenario.self, from: value)
        } catch {
            throw ScenarioError(problems: error.failures.map { ($0.path.description, $0.message) })
        }
        var problems: [(String, String)] = []
        func duration(_ text: String?, _ path: String) -> Double? {
            guard let text else { return nil }
            guard let duration = DurationText.parse(text) else {
                problems.append((path, "\"\(text)\" is not a duration such as \"4s\", \"1m30s\" or \"250ms\""))
                return nil
            }
            return duration.seconds
        }
        func require<T>(_ value: T?, _ path: String, _ action: String) -> T? {
            if value == nil { problems.append((path, "is required by \"do\": \"\(action)\"")) }
            return value
        }

        name = raw.name
        description = raw.description
        timeScale = raw.timeScale ?? 1
        if !(timeScale > 0 && timeScale <= 10_000) {
            problems.append(("timeScale", "must be above 0 and at most 10000"))
        }
        project = raw.project ?? "emulated-project"
        projectNumber = raw.projectNumber ?? "123456789012"
        region = raw.region ?? "us-central1"
        logIngestionDelay = duration(raw.logs?.ingestionDelay, "logs.ingestionDelay") ?? 0
        if let skew = raw.clockSkew {
            // A negative skew is written "-10m".
            let negative = skew.hasPrefix("-")
            clockSkew =
                duration(negative ? String(skew.dropFirst()) : skew, "clockSkew").map { negative ? -$0 : $0 } ?? 0
        } else {
            clockSkew = 0
        }
        logScanWindow = duration(raw.logs?.scanWindow, "logs.scanWindow")
        if let window = logScanWindow, window <= 0 { problems.append(("logs.scanWindow", "must be above 0")) }
        auth = Auth(
            accessTokens: raw.auth?.accessTokens ?? [], strict: raw.auth?.strict ?? false,
            forbiddenTokens: raw.auth?.forbiddenTokens ?? [],
            tokenLifetime: duration(raw.auth?.tokenLifetime, "auth.tokenLifetime") ?? 3600,
            serviceAccountPublicKey: raw.auth?.serviceAccountPublicKey,
            serviceAccountEmail: raw.auth?.serviceAccountEmail, refreshTokens: raw.auth?.refreshTokens ?? [],
            subjectTokens: raw.auth?.subjectTokens ?? [])
        wandb = Wandb(
            apiKeys: raw.wandb?.apiKeys ?? [], entity: raw.wandb?.entity ?? "emulated-team",
            username: raw.wandb?.username ?? "emulated-user", queues: raw.wandb?.queues ?? [],
            strictQueueItems: raw.wandb?.strictQueueItems ?? false,
            runQueueItemByID: raw.wandb?.runQueueItemById ?? true)
        if let size = raw.vertex?.maxPageSize {
            if (1...1000).contains(size) {
                vertex.maxPageSize = size
            } else {
                problems.append(("vertex.maxPageSize", "must be between 1 and 1000"))
            }
        }
        for (index, field) in (raw.vertex?.rejectFilterFields ?? []).enumerated() {
            let documented = VertexFilter.normalize(field)
            guard VertexFilter.documentedFields.contains(documented) else {
                let hint =
                    NameSuggestion.nearest(to: field, in: VertexFilter.documentedFields).map {
                        "; did you mean \"\($0)\"?"
                    }
                    ?? ""
                problems.append(
                    (
                        "vertex.rejectFilterFields[\(index)]",
                        "\"\(field)\" is not a documented customJobs.list filter field (display_name, state, "
                            + "create_time, labels); undocumented ones are always refused\(hint)"
                    ))
                continue
            }
            vertex.rejectFilterFields.insert(documented)
        }

        var steps: [Step] = []
        for (index, step) in (raw.timeline ?? []).enumerated() {
            let path = "timeline[\(index)]"
            let at = duration(step.at, "\(path).at") ?? 0
            let action: Action?
            func field<T>(_ value: T?, _ name: String) -> T? { require(value, "\(path).\(name)", step.do) }
            switch step.do {
            case "enqueueItem":
                action = zip3(field(step.item, "item"), field(step.queue, "queue"), field(step.name, "name")).map {
                    .enqueueItem(
                        id: $0, queue: $1, entity: step.entity, project: step.project ?? "model-registry", name: $2,
                        runId: step.runId)
                }
            case "claimItem":
                action = zip2(field(step.item, "item"), field(step.runId, "runId")).map {
                    .setItemState(id: $0, state: "CLAIMED", runId: $1)
                }
            case "setItemState":
                action = zip2(field(step.item, "item"), field(step.state, "state")).map {
                    .setItemState(id: $0, state: $1, runId: step.runId)
                }
            case "failItem":
                action = zip2(field(step.item, "item"), field(step.message, "message")).map {
                    .failItem(id: $0, message: $1, stage: step.stage)
                }
            case "createRun":
                action = zip2(field(step.runId, "runId"), field(step.project, "project")).map {
                    .createRun(
                        id: $0, entity: step.entity, project: $1, displayName: step.displayName,
                        state: step.state ?? "running",
                        details: RunDetails(
                            config: step.config, summary: step.summary, tags: step.tags ?? [], group: step.group,
                            jobType: step.jobType))
                }
                problems += RunDetails.problems(config: step.config, summary: step.summary, path: path)
            case "setRunState":
                action = zip2(field(step.runId, "runId"), field(step.state, "state")).map {
                    .setRunState(id: $0, state: $1)
                }
            case "createJob":
                action = zip2(field(step.id, "id"), field(step.displayName, "displayName")).map {
                    .createJob(
                        VertexJobSpec(
                            id: $0, displayName: $1, labels: step.labels ?? [:],
                            state: step.state ?? "JOB_STATE_QUEUED",
                            machineType: step.machineType ?? "n1-standard-8", project: step.project, region: step.region
                        ))
                }
            case "setJobState":
                action = zip2(field(step.id, "id"), field(step.state, "state")).map { .setJobState(id: $0, state: $1) }
            case "failJob":
                action = zip2(field(step.id, "id"), field(step.message, "message")).map {
                    .failJob(id: $0, code: step.code ?? 3, message: $1)
                }
            case "writeLog":
                if step.textPayload == nil, step.jsonPayload == nil {
                    problems.append(("\(path)", "\"writeLog\" needs \"textPayload\" or \"jsonPayload\""))
                }
                action = .writeLog(
                    LogEntrySpec(
                        logName: step.logName ?? "projects/\(project)/logs/workerpool0-0",
                        severity: step.severity ?? "DEFAULT", resourceType: step.resource?.type ?? "global",
                        resourceLabels: step.resource?.labels ?? [:], labels: step.labels ?? [:],
                        textPayload: step.textPayload, jsonPayload: step.jsonPayload, insertId: step.insertId,
                        ingestionDelay: duration(step.ingestionDelay, "\(path).ingestionDelay"),
                        stampedAhead: duration(step.stampedAhead, "\(path).stampedAhead")))
            case "createExecution":
                action = zip2(field(step.id, "id"), field(step.job, "job")).map { .createExecution(id: $0, job: $1) }
            case "completeExecution":
                action = field(step.id, "id").map {
                    .completeExecution(id: $0, succeeded: step.succeeded ?? true, message: step.message)
                }
            case "expireTokens":
                action = .expireTokens
            default:
                let known = [
                    "enqueueItem", "claimItem", "setItemState", "failItem", "createRun", "setRunState", "createJob",
                    "setJobState", "failJob", "writeLog", "createExecution", "completeExecution", "expireTokens",
                ]
                let hint = NameSuggestion.nearest(to: step.do, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
                problems.append(("\(path).do", "unknown action \"\(step.do)\"\(hint)"))
                action = nil
            }
            if let action { steps.append(Step(at: at, action: action)) }
        }
        timeline = steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)

        if let rawAgent = raw.agent {
            // In the file's order, so that problems are reported as a reader meets them.
            let claim = duration(rawAgent.claim, "agent.claim") ?? 0
            let run = duration(rawAgent.run, "agent.run")
            let submit = duration(rawAgent.submit, "agent.submit")
            let states = (rawAgent.states ?? []).enumerated().compactMap { index, change -> (Double, String)? in
                duration(change.after, "agent.states[\(index)].after").map { ($0, change.state) }
            }
            let end = rawAgent.end.map { end in
                Agent.End(
                    after: duration(end.after, "agent.end.after") ?? 0, state: end.state, code: end.code,
                    message: end.message)
            }
            agent = Agent(
                claim: claim, run: run, submit: submit, states: states.map { (after: $0.0, state: $0.1) }, end: end)
        }

        var rules: [FaultRule] = []
        for (index, fault) in (raw.faults ?? []).enumerated() {
            let path = "faults[\(index)]"
            let kind: FaultRule.Kind
            switch fault.action {
            case nil:
                kind =
                    fault.status.map { .status(code: $0, headers: fault.headers ?? [:], body: fault.body) } ?? .none
            case "hang": kind = .hang
            case "reset": kind = .reset
            case "malformed": kind = .malformed
            case "truncated": kind = .truncated
            case "permissionDenied": kind = .permissionDenied(permission: fault.permission)
            case "oversize":
                kind = .oversize(bytes: fault.bytes ?? 100 * 1_048_576, announced: fault.announced ?? false)
                if let bytes = fault.bytes, !(1...1_073_741_824).contains(bytes) {
                    problems.append(("\(path).bytes", "must be between 1 and 1073741824"))
                }
            case let other?:
                problems.append(
                    (
                        "\(path).action",
                        "unknown fault \"\(other)\"; use hang, reset, malformed, truncated, oversize or permissionDenied"
                    ))
                kind = .none
            }
            if fault.permission != nil, fault.action != "permissionDenied" {
                problems.append(("\(path).permission", "is read only with \"action\": \"permissionDenied\""))
            }
            if fault.action != nil, fault.status != nil {
                problems.append(("\(path).status", "cannot be combined with \"action\""))
            }
            if let status = fault.status, !(100...599).contains(status) {
                problems.append(("\(path).status", "must be an HTTP status between 100 and 599"))
            }
            rules.append(
                FaultRule(
                    route: fault.route, from: duration(fault.from, "\(path).from") ?? 0,
                    until: duration(fault.until, "\(path).until"), count: fault.count, kind: kind,
                    latency: duration(fault.latency, "\(path).latency")))
        }
        faults = rules
        if !problems.isEmpty { throw ScenarioError(problems: problems) }
    }
}

private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

private func zip3<A, B, C>(_ a: A?, _ b: B?, _ c: C?) -> (A, B, C)? {
    guard let a, let b, let c else { return nil }
    return (a, b, c)
}

private struct RawScenario: Decodable {
    var schema: String?
    var name: String
    var description: String?
    var timeScale: Double?
    var project: String?
    var projectNumber: String?
    var region: String?
    var logs: RawLogs?
    var auth: RawAuth?
    var wandb: RawWandb?
    var vertex: RawVertex?
    var timeline: [RawStep]?
    var faults: [RawFault]?
    var clockSkew: String?
    var agent: RawAgent?

    enum CodingKeys: String, CodingKey {
        case schema = "$schema"
        case name, description, timeScale, project, projectNumber, region, logs, auth, wandb, vertex, timeline,
            faults, clockSkew, agent
    }
}

private struct RawAgent: Decodable {
    struct Change: Decodable {
        var after: String
        var state: String
    }
    struct End: Decodable {
        var after: String
        var state: String
        var code: Int?
        var message: String?
    }
    var claim: String?
    var run: String?
    var submit: String?
    var states: [Change]?
    var end: End?
}

private struct RawLogs: Decodable {
    var ingestionDelay: String?
    var scanWindow: String?
}

private struct RawAuth: Decodable {
    var accessTokens: [String]?
    var strict: Bool?
    var forbiddenTokens: [String]?
    var tokenLifetime: String?
    var serviceAccountPublicKey: String?
    var serviceAccountEmail: String?
    var refreshTokens: [String]?
    var subjectTokens: [String]?
}

private struct RawWandb: Decodable {
    var apiKeys: [String]?
    var entity: String?
    var username: String?
    var queues: [String]?
    var strictQueueItems: Bool?
    var runQueueItemById: Bool?
}

private struct RawVertex: Decodable {
    var rejectFilterFields: [String]?
    var maxPageSize: Int?
}

private struct RawResource: Decodable {
    var type: String
    var labels: [String: String]?
}

private struct RawStep: Decodable {
    var at: String
    var `do`: String
    var item: String?
    var queue: String?
    var entity: String?
    var project: String?
    var name: String?
    var runId: String?
    var state: String?
    var message: String?
    var stage: String?
    var displayName: String?
    var id: String?
    var labels: [String: String]?
    var machineType: String?
    var region: String?
    var code: Int?
    var logName: String?
    var severity: String?
    var resource: RawResource?
    var textPayload: String?
    var jsonPayload: JSONValue?
    var insertId: String?
    var ingestionDelay: String?
    var stampedAhead: String?
    var job: String?
    var succeeded: Bool?
    var config: JSONValue?
    var summary: JSONValue?
    var tags: [String]?
    var group: String?
    var jobType: String?
}

private struct RawFault: Decodable {
    var route: String
    var from: String?
    var until: String?
    var count: Int?
    var status: Int?
    var headers: [String: String]?
    var body: JSONValue?
    var action: String?
    var latency: String?
    /// For `"action": "oversize"`: the body's size in bytes.
    var bytes: Int?
    /// For `"action": "oversize"`: send a `Content-Length` (default: chunked, no length).
    var announced: Bool?
    /// For `"action": "permissionDenied"`: the permission to name (default: the route's own).
    var permission: String?
}
