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
/// Finding it by name reads the items' launch specs (`runSpec`), which the official client never
/// reads; on a server that refuses them, and with `runProject` given, the item is found the way the
/// official client's fields allow: the run whose display name is the name (`runs(filters:
/// {"displayName": …})`, as the client's `Runs` asks), then the queue item whose `associatedRunId` is
/// that run's id (the client's listing of the first 100 items). That finds it only once the agent has
/// claimed it and the run exists, so `queued` is then inferred.
///
/// Each poll asks only what the official client's `GetRunQueueItem` asks (`id state
/// associatedRunId`), so any server the official client works with answers it. The agent's failure
/// message and the queue time are extras the official client never reads: they are asked for in a
/// request of their own, once per item, and a server that refuses them (`Cannot query field ...`)
/// is not asked again (one notice). A server without `runQueueItem(id:)` (older W&B Server) is read
/// through the queue's first 100 items, as the official client falls back to. `CONTRACT-WANDB.md`
/// lists every request.
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
        /// The W&B project of the launch's runs: with `name`, the item is found through its run on a
        /// server that serves no launch specs.
        public var runProject: String?
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
        ConfigurationField(
            "runProject", .string,
            "with name: the runs' W&B project, to find the item through the run of that display name when "
                + "the server serves no launch specs"),
        ConfigurationField("baseURL", .string, default: "$WANDB_BASE_URL or https://api.wandb.ai", "the W&B API"),
        ConfigurationField("timeout", .duration, default: "10s", "the longest a request may take"),
    ]
    public static let defaultStageMap: [String: String?] = [
        "PENDING": "queued", "LEASED": "picked_up", "CLAIMED": "picked_up", "FAILED": "failed", "FINISHED": nil,
    ]
    public static let publishedFacts: [String]? = ["run_id"]

    /// The item fields the critical path reads: exactly what the official client's `GetRunQueueItem`
    /// reads (wandb/apis/public/jobs.py `QueuedRun._get_item`), so that any W&B server that the
    /// official client works with answers it.
    static let itemFields = "{ id state associatedRunId }"

    /// The optional extras, asked for in a request of their own (`RunQueueItemDetail`): when the item
    /// was enqueued and the agent's failure message. The official client never reads them, so a
    /// server may refuse them (`Cannot query field ...`); the provider then stops asking, with one
    /// notice, and goes on with the critical fields.
    static let detailFields = "{ id createdAt error { message stage } }"

    static let itemQuery = """
        query GetRunQueueItem($projectName: String!, $entityName: String!, $runQueue: String!, $itemId: ID!) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) {
              runQueueItem(id: $itemId) \(itemFields)
            }
          }
        }
        """

    static let detailQuery = """
        query RunQueueItemDetail($projectName: String!, $entityName: String!, $runQueue: String!, $itemId: ID!) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) {
              runQueueItem(id: $itemId) \(detailFields)
            }
          }
        }
        """

    /// What the official client falls back to when the server does not know `runQueueItem(id:)`
    /// (older W&B Server): the queue's first 100 items (wandb/apis/public/jobs.py
    /// `QueuedRun._get_run_queue_item_legacy` and `RunQueue._get_items`).
    static let listingQuery = """
        query GetRunQueueItems($projectName: String!, $entityName: String!, $runQueue: String!) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) {
              runQueueItems(first: 100) { edges { node \(itemFields) } }
            }
          }
        }
        """

    /// The extras through the listing, for a server without `runQueueItem(id:)`.
    static let listingDetailQuery = """
        query RunQueueItemsDetail($projectName: String!, $entityName: String!, $runQueue: String!) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) {
              runQueueItems(first: 100) { edges { node \(detailFields) } }
            }
          }
        }
        """

    /// The name search (`name` instead of `item`): it needs each item's launch spec, which only this
    /// optional surface has (`runSpec`, `createdAt`, paging with `after:`). A server that refuses it
    /// cannot find an item by name: the error says to give `item` instead.
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
    /// How the item is read, and what is known of the optional extras.
    let memory: ProviderMemory<ItemMemory>

    /// What one instance has learnt about its item and its server.
    struct ItemMemory: Sendable {
        /// The server does not know `runQueueItem(id:)`: the item is read from the queue's listing.
        var usesListing = false
        /// The server refused the extras: they are no longer asked for.
        var extrasOff = false
        /// The item's `createdAt`, once read.
        var createdAt: Date?
        var createdAtRead = false
        /// The agent's failure message, once read for a FAILED item.
        var failure: FailureDetail?
        var failureRead = false
        /// The server refused the launch specs: the item is looked for through its run.
        var specsRefused = false

        /// Whether a poll that saw `state` should also ask for the extras.
        func wantsExtras(for state: String) -> Bool {
            guard !extrasOff else { return false }
            return (state == "PENDING" && !createdAtRead) || (state == "FAILED" && !failureRead)
        }
    }

    public init(configuration: Configuration, context: ProviderContext) throws {
        guard (configuration.item == nil) != (configuration.name == nil) else {
            throw ProviderError(code: .badConfig, message: "give exactly one of item (the item id) and name")
        }
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        client = try WandbAPIClient(baseURL: configuration.baseURL, context: context, timeout: timeout)
        self.configuration = configuration
        startedAt = context.startedAt
        itemID = ProviderMemory(configuration.item)
        memory = ProviderMemory(ItemMemory())
    }

    private var queueVariables: [(String, JSONValue)] {
        [
            ("projectName", .string(configuration.queueProject ?? "model-registry")),
            ("entityName", .string(configuration.entity)), ("runQueue", .string(configuration.queue)),
        ]
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        if let id = itemID.withLock({ $0 }) {
            return try await pollItem(id)
        }
        if memory.value.specsRefused {
            return try await pollThroughRun(configuration.name ?? "")
        }
        let candidates: [JSONValue]
        switch await findItems(named: configuration.name ?? "") {
        case .success(let found):
            candidates = found
        case .failure(let error):
            guard error.code == .unsupported, configuration.runProject != nil else { throw error }
            memory.withLock { $0.specsRefused = true }
            var result = try await pollThroughRun(configuration.name ?? "")
            result.notices.insert(
                "this W&B server does not serve the queue items' launch specs, so the item named "
                    + "\"\(configuration.name ?? "")\" is found through the run of that display name and its "
                    + "associatedRunId, once the agent has claimed it", at: 0)
            return result
        }
        switch candidates.count {
        case 0:
            return PollResult()
        case 1:
            if case .string(let id)? = candidates[0]["id"] { itemID.withLock { $0 = id } }
            // The listing carried the extras already.
            memory.withLock { memory in
                if case .string(let created)? = candidates[0]["createdAt"] {
                    memory.createdAt = WandbAPIClient.date(created)
                    memory.createdAtRead = true
                }
                if let failure = Self.failure(in: candidates[0]) {
                    memory.failure = failure
                    memory.failureRead = true
                }
            }
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

    /// One poll of the item `id`: the critical fields (by id, or through the listing on a server
    /// without `runQueueItem(id:)`), then the extras when they are wanted and still served.
    private func pollItem(_ id: String) async throws(ProviderError) -> PollResult {
        var notices: [String] = []
        var item: JSONValue?
        if !memory.value.usesListing {
            do {
                let data = try await client.query(Self.itemQuery, variables: queueVariables + [("itemId", .string(id))])
                item = Self.item(inProject: data["project"])
            } catch  where Self.lacksItemByID(error) {
                memory.withLock { $0.usesListing = true }
                notices.append(Self.listingNotice)
            }
        }
        if memory.value.usesListing {
            let data = try await client.query(Self.listingQuery, variables: queueVariables)
            item = Self.item(id, inListing: data["project"])
        }
        guard let item, item != .null else { return PollResult(notices: notices) }
        if case .string(let state)? = item["state"], memory.value.wantsExtras(for: state) {
            notices += await readExtras(id)
        }
        return PollResult(try observation(item).map { [$0] } ?? [], notices: notices)
    }

    /// Asks for the extras of item `id` and remembers them; a refusal switches them off (the notice
    /// is returned), any other failure is forgotten until the next poll that wants them.
    private func readExtras(_ id: String) async -> [String] {
        let listing = memory.value.usesListing
        do {
            let data =
                listing
                ? try await client.query(Self.listingDetailQuery, variables: queueVariables)
                : try await client.query(Self.detailQuery, variables: queueVariables + [("itemId", .string(id))])
            let detail = listing ? Self.item(id, inListing: data["project"]) : Self.item(inProject: data["project"])
            remember(extras: detail)
            return []
        } catch {
            return switchOffExtras(after: error).map { [$0] } ?? []
        }
    }

    /// Remembers the extras read for the item (`null` when it was not found: nothing is learnt).
    func remember(extras detail: JSONValue?) {
        guard let detail, detail != .null else { return }
        memory.withLock { memory in
            if case .string(let created)? = detail["createdAt"] { memory.createdAt = WandbAPIClient.date(created) }
            memory.createdAtRead = true
            if let failure = Self.failure(in: detail) {
                memory.failure = failure
                memory.failureRead = true
            }
        }
    }

    /// After the extras failed with `error`: when the server refused them, they are switched off for
    /// good and the notice to report is returned (once).
    func switchOffExtras(after error: ProviderError) -> String? {
        guard WandbAPIClient.isSchemaRefusal(error) else { return nil }
        let first = memory.withLock { memory -> Bool in
            defer { memory.extrasOff = true }
            return !memory.extrasOff
        }
        guard first else { return nil }
        return "W&B refused the optional queue-item details (\(error.message)); following the item with "
            + "id, state and associatedRunId only, without the agent's failure message or the queue time"
    }

    static let listingNotice =
        "this W&B server does not know runQueueItem(id:) (an older W&B Server): the item is read from the "
        + "queue's first 100 items (runQueueItems(first: 100)), as the official wandb client does"

    /// Whether `error` says the server has no `RunQueue.runQueueItem(id:)`.
    static func lacksItemByID(_ error: ProviderError) -> Bool {
        error.message.contains(#"Cannot query field "runQueueItem" on type "RunQueue""#)
    }

    static func item(inProject project: JSONValue?) -> JSONValue? {
        project?["runQueue"]?["runQueueItem"]
    }

    /// The node with `id` among the listing's edges.
    static func item(_ id: String, inListing project: JSONValue?) -> JSONValue? {
        guard case .array(let edges)? = project?["runQueue"]?["runQueueItems"]?["edges"] else { return nil }
        return edges.lazy.compactMap { $0["node"] }.first { $0["id"] == .string(id) }
    }

    static func failure(in item: JSONValue) -> FailureDetail? {
        guard case .object? = item["error"], case .string(let message)? = item["error"]?["message"] else {
            return nil
        }
        var code: String?
        if case .string(let stage)? = item["error"]?["stage"] { code = stage }
        return FailureDetail(code: code, message: message)
    }

    /// `itemsNamed` as a result, so that a refusal can be told apart without a `catch` clause.
    private func findItems(named name: String) async -> Result<[JSONValue], ProviderError> {
        do {
            return .success(try await itemsNamed(name))
        } catch {
            return .failure(error)
        }
    }

    /// The runs the official client's `Runs` query finds by display name (run ids only).
    static let runsByNameQuery = """
        query RunsByDisplayName($project: String!, $entity: String!, $filters: JSONString) {
          project(name: $project, entityName: $entity) {
            runs(filters: $filters, first: 10, order: "-created_at") {
              edges { node { name } }
            }
          }
        }
        """

    /// The item found through the run whose display name is `name`: that run's id is the
    /// `associatedRunId` of exactly one item in the queue's listing (`id state associatedRunId`, the
    /// fields the official client reads). Nothing until the run exists and the item is claimed.
    private func pollThroughRun(_ name: String) async throws(ProviderError) -> PollResult {
        let filters = JSONValue.object([("displayName", .string(name))]).jsonText
        let data = try await client.query(
            Self.runsByNameQuery,
            variables: [
                ("project", .string(configuration.runProject ?? "")), ("entity", .string(configuration.entity)),
                ("filters", .string(filters)),
            ])
        guard case .array(let edges)? = data["project"]?["runs"]?["edges"] else { return PollResult() }
        let runIDs = edges.compactMap { edge -> String? in
            if case .string(let id)? = edge["node"]?["name"] { return id }
            return nil
        }
        guard runIDs.count == 1, let runID = runIDs.first else {
            if runIDs.count > 1 {
                return PollResult(notices: [
                    "\(runIDs.count) runs are named \"\(name)\", so no queue item is followed: "
                        + "\(runIDs.prefix(5).joined(separator: ", ")); give item (the id launch_add returns) instead"
                ])
            }
            return PollResult()
        }
        let listing = try await client.query(Self.listingQuery, variables: queueVariables)
        guard case .array(let items)? = listing["project"]?["runQueue"]?["runQueueItems"]?["edges"] else {
            return PollResult()
        }
        guard let item = items.lazy.compactMap({ $0["node"] }).first(where: { $0["associatedRunId"] == .string(runID) })
        else { return PollResult() }
        if case .string(let id)? = item["id"] { itemID.withLock { $0 = id } }
        return PollResult(try observation(item).map { [$0] } ?? [])
    }

    /// The queue's items whose launch spec is named `name`, created since the look-back.
    private func itemsNamed(_ name: String) async throws(ProviderError) -> [JSONValue] {
        let since = startedAt.addingTimeInterval(-15 * 60)
        var found: [JSONValue] = []
        var after: JSONValue = .null
        for _ in 0..<20 {
            let data: JSONValue
            do {
                data = try await client.query(Self.itemsQuery, variables: queueVariables + [("after", after)])
            } catch  where WandbAPIClient.isSchemaRefusal(error) {
                throw ProviderError(
                    code: .unsupported,
                    message: "this W&B server does not serve the queue items' launch specs (\(error.message)), so "
                        + "the item named \"\(name)\" cannot be found; give item (the id launch_add returns) instead")
            }
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
        guard let item = Self.item(inProject: project), item != .null else { return PollResult() }
        return PollResult(try observation(item).map { [$0] } ?? [])
    }

    /// The observation of `item` (its critical fields), with the extras remembered so far.
    private func observation(_ item: JSONValue) throws(ProviderError) -> Observation? {
        guard case .string(let state)? = item["state"] else {
            throw ProviderError(code: .malformedResponse, message: "W&B sent a queue item without a state")
        }
        var facts: [String: String] = [:]
        if case .string(let runID)? = item["associatedRunId"], !runID.isEmpty { facts["run_id"] = runID }
        let known = memory.value
        let detail = state == "FAILED" ? known.failure : nil
        let backendTime = state == "PENDING" ? known.createdAt : nil
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

    static let detailBatchOperation = "RunQueueItemDetailBatch"

    /// The critical batch first; targets whose server turns out not to know `runQueueItem(id:)` are
    /// then polled through the listing on their own; last, one batched request for the extras of the
    /// targets that want them (a PENDING item's queue time, a FAILED item's message, each read once).
    public static func poll(batch: [WandbLaunchProvider], memory: BatchMemory, _ context: PollContext) async
        -> [Result<PollResult, ProviderError>]
    {
        var answers = await pollInBatches(batch, context)
        await withTaskGroup(of: (Int, Result<PollResult, ProviderError>).self) { tasks in
            for (index, answer) in answers.enumerated() {
                guard case .failure(let error) = answer, lacksItemByID(error) else { continue }
                batch[index].memory.withLock { $0.usesListing = true }
                tasks.addTask { (index, await batch[index].pollResult(context)) }
            }
            for await (index, result) in tasks {
                answers[index] = result.map { result in
                    var result = result
                    result.notices.insert(listingNotice, at: 0)
                    return result
                }
            }
        }
        await addExtras(batch, to: &answers)
        return answers
    }

    /// Reads the extras of the batched targets whose answer wants them, one aliased request per base
    /// URL and key, and adds them to those targets' observations. A refusal switches the extras off
    /// for each of those targets with a notice; any other failure leaves the answers as they were.
    private static func addExtras(_ batch: [WandbLaunchProvider], to answers: inout [Result<PollResult, ProviderError>])
        async
    {
        var groups: [(key: String, members: [(index: Int, field: WandbAPIClient.AliasedField)])] = []
        for (index, answer) in answers.enumerated() {
            let provider = batch[index]
            guard case .success(let result) = answer, let id = provider.itemID.value,
                !provider.memory.value.usesListing,
                let state = result.observations.first?.status, provider.memory.value.wantsExtras(for: state)
            else { continue }
            let key = provider.client.batchGroup
            let position = groups.firstIndex { $0.key == key } ?? groups.count
            if position == groups.count { groups.append((key, [])) }
            groups[position].members.append((index, provider.detailField(number: groups[position].members.count, id)))
        }
        for group in groups {
            let client = batch[group.members[0].index].client
            let values = await client.query(batch: group.members.map(\.field), operation: detailBatchOperation)
            for (member, value) in zip(group.members, values) {
                let provider = batch[member.index]
                switch value {
                case .success(let project):
                    provider.remember(extras: item(inProject: project))
                    answers[member.index] = answers[member.index].map(provider.withExtras)
                case .failure(let error):
                    guard let notice = provider.switchOffExtras(after: error) else { continue }
                    answers[member.index] = answers[member.index].map { result in
                        var result = result
                        result.notices.append(notice)
                        return result
                    }
                }
            }
        }
    }

    /// `result` with the extras remembered so far on its observations.
    private func withExtras(_ result: PollResult) -> PollResult {
        var result = result
        let known = memory.value
        result.observations = result.observations.map { observation in
            var observation = observation
            if observation.status == "FAILED", observation.detail == nil { observation.detail = known.failure }
            if observation.status == "PENDING", observation.backendTime == nil {
                observation.backendTime = known.createdAt
            }
            return observation
        }
        return result
    }

    private func detailField(number n: Int, _ id: String) -> WandbAPIClient.AliasedField {
        WandbAPIClient.AliasedField(
            alias: "d\(n)",
            body: "project(name: $p\(n), entityName: $e\(n)) "
                + "{ runQueue(name: $q\(n)) { runQueueItem(id: $id\(n)) \(Self.detailFields) } }",
            variables: [
                ("p\(n)", "String!", .string(configuration.queueProject ?? "model-registry")),
                ("e\(n)", "String!", .string(configuration.entity)), ("q\(n)", "String!", .string(configuration.queue)),
                ("id\(n)", "ID!", .string(id)),
            ])
    }

    func batchField(number n: Int) -> WandbAPIClient.AliasedField? {
        guard let id = itemID.value, !memory.value.usesListing else { return nil }
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
