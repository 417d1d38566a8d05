import Foundation
import LaunchWatchCore

/// Kind `wandb-run`: follows one W&B run by its id (`run`, usually `${fact.run_id}`) or, failing
/// that, by `displayName`. A run that does not exist yet is "not yet", not an error: it appears when
/// the training script calls `wandb.init`. W&B keeps no error text for failed runs, so this provider
/// reports states only.
///
/// ```json
/// {"id": "run", "type": "wandb-run",
///  "config": {"entity": "my-team", "project": "resnet", "run": "${fact.run_id}"}}
/// ```
public struct WandbRunProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        public var entity: String
        public var project: String
        public var run: String?
        public var displayName: String?
        public var baseURL: String?
        public var timeout: String?
    }

    public static let kind = "wandb-run"
    public static let summary = "A W&B run's state (all 8): the training script has started, finished, failed."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("entity", .string, required: true, "the run's entity"),
        ConfigurationField("project", .string, required: true, "the run's project"),
        ConfigurationField("run", .string, "the run id (its name in URLs), usually ${fact.run_id}"),
        ConfigurationField("displayName", .string, "the run's display name, when the id is unknown"),
        ConfigurationField("baseURL", .string, default: "$WANDB_BASE_URL or https://api.wandb.ai", "the W&B API"),
        ConfigurationField("timeout", .duration, default: "10s", "the longest a request may take"),
    ]
    /// pending and preempting/preempted change nothing by default (a preempted run may resume).
    public static let defaultStageMap: [String: String?] = [
        "pending": nil, "running": "running", "preempting": nil, "preempted": nil, "finished": "succeeded",
        "failed": "failed", "crashed": "failed", "killed": "failed",
    ]

    /// The run fields a poll reads.
    static let runFields = "{ id name displayName state createdAt heartbeatAt }"

    static let runQuery = """
        query Run($project: String!, $entity: String!, $name: String!) {
          project(name: $project, entityName: $entity) {
            run(name: $name) \(runFields)
          }
        }
        """

    static let runsQuery = """
        query Runs($project: String!, $entity: String!, $filters: JSONString) {
          project(name: $project, entityName: $entity) {
            runs(filters: $filters, first: 10, order: "-created_at") {
              edges { node \(runFields) }
            }
          }
        }
        """

    let client: WandbAPIClient
    private let configuration: Configuration

    public init(configuration: Configuration, context: ProviderContext) throws {
        guard (configuration.run == nil) != (configuration.displayName == nil) else {
            throw ProviderError(code: .badConfig, message: "give exactly one of run (the run id) and displayName")
        }
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        client = try WandbAPIClient(baseURL: configuration.baseURL, context: context, timeout: timeout)
        self.configuration = configuration
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        let base: [(String, JSONValue)] = [
            ("project", .string(configuration.project)), ("entity", .string(configuration.entity)),
        ]
        if let run = configuration.run {
            let data = try await client.query(Self.runQuery, variables: base + [("name", .string(run))])
            return try result(project: data["project"])
        }
        let filters = JSONValue.object([("displayName", .string(configuration.displayName ?? ""))]).jsonText
        let data = try await client.query(Self.runsQuery, variables: base + [("filters", .string(filters))])
        guard case .array(let edges)? = data["project"]?["runs"]?["edges"] else { return PollResult() }
        let nodes = edges.compactMap { $0["node"] }
        switch nodes.count {
        case 0: return PollResult()
        case 1: return PollResult([try observation(nodes[0])])
        default:
            let names = nodes.prefix(5).compactMap { node -> String? in
                if case .string(let name)? = node["name"] { return name }
                return nil
            }
            return PollResult(notices: [
                "\(nodes.count) runs are named \"\(configuration.displayName ?? "")\", so none is followed: "
                    + "\(names.joined(separator: ", ")); give run (the run id) instead"
            ])
        }
    }

    /// What a poll of the run named `run` reports for the answer's `project` field: nothing while
    /// the run does not exist (yet), else its observation.
    func result(project: JSONValue?) throws(ProviderError) -> PollResult {
        guard let node = project?["run"], node != .null else { return PollResult() }
        return PollResult([try observation(node)])
    }

    private func observation(_ node: JSONValue) throws(ProviderError) -> Observation {
        guard case .string(let state)? = node["state"] else {
            throw ProviderError(code: .malformedResponse, message: "W&B sent a run without a state")
        }
        var subject: String?
        if case .string(let name)? = node["name"] { subject = name }
        var backendTime: Date?
        if state == "pending", case .string(let created)? = node["createdAt"] {
            backendTime = WandbAPIClient.date(created)
        }
        return Observation(status: state, subject: subject, backendTime: backendTime)
    }
}

/// One request per tick for a sweep's runs: every instance following a run by id (`run`) is one
/// aliased field of a single query (`r0: project(...) { run(name: $n0) {...} }`, `r1: ...`) per base
/// URL and key, and gets exactly what its own `poll` would have reported ("not yet" while the run
/// does not exist). Instances looking for a run by `displayName` use their own `poll`.
extension WandbRunProvider: BatchPolling, WandbBatchPolled {
    static let batchOperation = "RunBatch"

    public static func poll(batch: [WandbRunProvider], memory: BatchMemory, _ context: PollContext) async
        -> [Result<PollResult, ProviderError>]
    {
        await pollInBatches(batch, context)
    }

    func batchField(number n: Int) -> WandbAPIClient.AliasedField? {
        guard let run = configuration.run else { return nil }
        return WandbAPIClient.AliasedField(
            alias: "r\(n)",
            body: "project(name: $p\(n), entityName: $e\(n)) { run(name: $n\(n)) \(Self.runFields) }",
            variables: [
                ("p\(n)", "String!", .string(configuration.project)),
                ("e\(n)", "String!", .string(configuration.entity)), ("n\(n)", "String!", .string(run)),
            ])
    }
}
