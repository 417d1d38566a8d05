import Foundation
import LaunchWatchCore
import Synchronization

/// Kind `wandb-launch`: follows one W&B Launch run-queue item — queued, picked up by the agent,
/// failed with the agent's message — and publishes the fact `run_id` (`associatedRunId`) as soon as
/// the agent claims the item.
///
/// The item is named by `item` (the id `launch_add` returns) or, for a launch made with the
/// `wandb launch --queue` CLI, which prints no id, by `name` (the launch spec's name): the item with
/// that name created after the watch started (less 15 minutes); several are an ambiguity to report.
///
/// ```json
/// {"id": "queue", "type": "wandb-launch",
///  "config": {"entity": "my-team", "queue": "vertex-gpu", "item": "${var.item}"}}
/// ```
public struct WandbLaunchProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        public var entity: String
        public var queue: String
        /// The queue's project; launch queues live in `model-registry`.
        public var queueProject: String?
        public var item: String?
        public var name: String?
        public var baseURL: String?
        public var timeout: String?
    }

    public static let kind = "wandb-launch"
    public static let summary = "A W&B Launch run-queue item: queued, picked up, failed with the agent's message."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("entity", .string, required: true, "the W&B entity (team or user) of the queue"),
        ConfigurationField("queue", .string, required: true, "the launch queue's name"),
        ConfigurationField("queueProject", .string, default: "model-registry", "the queue's project"),
        ConfigurationField("item", .string, "the run-queue item id (launch_add returns it); or give name"),
        ConfigurationField("name", .string, "the launch spec's name, to find the item when its id is unknown"),
        ConfigurationField("baseURL", .string, default: "$WANDB_BASE_URL or https://api.wandb.ai", "the W&B API"),
        ConfigurationField("timeout", .duration, default: "10s", "the longest a request may take"),
    ]
    public static let defaultStageMap: [String: String?] = [
        "PENDING": "queued", "LEASED": "picked_up", "CLAIMED": "picked_up", "FAILED": "failed", "FINISHED": nil,
    ]
    public static let publishedFacts: [String]? = ["run_id"]

    /// The item fields a poll reads.
    static let itemFields = "{ id state associatedRunId createdAt error { message stage } }"

    static let itemQuery = """
        query GetRunQueueItem($projectName: String!, $entityName: String!, $runQueue: String!, $itemId: ID!) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) {
              runQueueItem(id: $itemId) \(itemFields)
            }
          }
        }
        """

    static let itemsQuery = """
        query RunQueueItems($projectName: String!, $entityName: String!, $runQueue: String!, $after: String) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) {
              runQueueItems(first: 100, after: $after) {
                edges { node { id state associatedRunId createdAt runSpec error { message stage } } cursor }
                pageInfo { hasNextPage endCursor }
              }
            }
          }
        }
        """

    let client: WandbAPIClient
    private let configuration: Configuration
    private let startedAt: Date
    private let itemID: ProviderMemory<String?>

    public init(configuration: Configuration, context: ProviderContext) throws {
        guard (configuration.item == nil) != (configuration.name == nil) else {
            throw ProviderError(code: "bad_config", message: "give exactly one of item (the item id) and name")
        }
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        client = try WandbAPIClient(baseURL: configuration.baseURL, environment: context.environment, timeout: timeout)
        self.configuration = configuration
        startedAt = context.startedAt
        itemID = ProviderMemory(configuration.item)
    }

    private var queueVariables: [(String, JSONValue)] {
        [
            ("projectName", .string(configuration.queueProject ?? "model-registry")),
            ("entityName", .string(configuration.entity)), ("runQueue", .string(configuration.queue)),
        ]
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        if let id = itemID.withLock({ $0 }) {
            let data = try await client.query(Self.itemQuery, variables: queueVariables + [("itemId", .string(id))])
            return try result(project: data["project"])
        }
        let candidates = try await itemsNamed(configuration.name ?? "")
        switch candidates.count {
        case 0:
            return PollResult()
        case 1:
            if case .string(let id)? = candidates[0]["id"] { itemID.withLock { $0 = id } }
            return PollResult(try observation(candidates[0]).map { [$0] } ?? [])
        default:
            let ids = candidates.prefix(5).compactMap { item -> String? in
                if case .string(let id)? = item["id"] { return id }
                return nil
            }
            return PollResult(notices: [
                "\(candidates.count) queue items are named \"\(configuration.name ?? "")\", so none is followed: "
                    + "\(ids.joined(separator: ", ")); give item (the id launch_add returns) instead"
            ])
        }
    }

    /// The queue's items whose launch spec is named `name`, created since the look-back.
    private func itemsNamed(_ name: String) async throws(ProviderError) -> [JSONValue] {
        let since = startedAt.addingTimeInterval(-15 * 60)
        var found: [JSONValue] = []
        var after: JSONValue = .null
        for _ in 0..<20 {
            let data = try await client.query(Self.itemsQuery, variables: queueVariables + [("after", after)])
            guard let connection = data["project"]?["runQueue"]?["runQueueItems"], connection != .null else {
                return found
            }
            if case .array(let edges)? = connection["edges"] {
                for edge in edges {
                    guard let node = edge["node"] else { continue }
                    var spec = node["runSpec"]
                    if case .string(let text)? = spec { spec = try? JSONParser.parse(text) }
                    guard case .string(let specName)? = spec?["name"], specName == name else { continue }
                    if case .string(let created)? = node["createdAt"], let date = WandbAPIClient.date(created),
                        date < since
                    {
                        continue
                    }
                    found.append(node)
                }
            }
            guard case .bool(true)? = connection["pageInfo"]?["hasNextPage"],
                case .string(let cursor)? = connection["pageInfo"]?["endCursor"]
            else { return found }
            after = .string(cursor)
        }
        return found
    }

    /// What a poll of the followed item reports for the answer's `project` field: nothing while the
    /// item is not found (yet), else its observation.
    func result(project: JSONValue?) throws(ProviderError) -> PollResult {
        guard let item = project?["runQueue"]?["runQueueItem"], item != .null else { return PollResult() }
        return PollResult(try observation(item).map { [$0] } ?? [])
    }

    private func observation(_ item: JSONValue) throws(ProviderError) -> Observation? {
        guard case .string(let state)? = item["state"] else {
            throw ProviderError(code: "malformed_response", message: "W&B sent a queue item without a state")
        }
        var facts: [String: String] = [:]
        if case .string(let runID)? = item["associatedRunId"], !runID.isEmpty { facts["run_id"] = runID }
        var detail: FailureDetail?
        if case .object? = item["error"], case .string(let message)? = item["error"]?["message"] {
            var code: String?
            if case .string(let stage)? = item["error"]?["stage"] { code = stage }
            detail = FailureDetail(code: code, message: message)
        }
        var backendTime: Date?
        if state == "PENDING", case .string(let created)? = item["createdAt"] {
            backendTime = WandbAPIClient.date(created)
        }
        var subject: String?
        if case .string(let id)? = item["id"] { subject = id }
        return Observation(status: state, subject: subject, backendTime: backendTime, detail: detail, facts: facts)
    }
}

/// One request per tick for a sweep's queue items: every instance whose item id is known (given as
/// `item`, or found by `name` at an earlier poll) is one aliased field of a single query
/// (`i0: project(...) { runQueue(...) { runQueueItem(id: $id0) {...} } }`, `i1: ...`) per base URL
/// and key, and gets exactly what its own `poll` would have reported. Instances still looking for
/// their item by `name` page through the queue with their own `poll`, as that search cannot be
/// shared.
extension WandbLaunchProvider: BatchPolling, WandbBatchPolled {
    static let batchOperation = "RunQueueItemBatch"

    public static func poll(batch: [WandbLaunchProvider], memory: BatchMemory, _ context: PollContext) async
        -> [Result<PollResult, ProviderError>]
    {
        await pollInBatches(batch, context)
    }

    func batchField(number n: Int) -> WandbAPIClient.AliasedField? {
        guard let id = itemID.value else { return nil }
        return WandbAPIClient.AliasedField(
            alias: "i\(n)",
            body: "project(name: $p\(n), entityName: $e\(n)) "
                + "{ runQueue(name: $q\(n)) { runQueueItem(id: $id\(n)) \(Self.itemFields) } }",
            variables: [
                ("p\(n)", "String!", .string(configuration.queueProject ?? "model-registry")),
                ("e\(n)", "String!", .string(configuration.entity)), ("q\(n)", "String!", .string(configuration.queue)),
                ("id\(n)", "ID!", .string(id)),
            ])
    }
}
