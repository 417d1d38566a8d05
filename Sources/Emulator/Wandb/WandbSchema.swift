import Foundation
import LaunchWatchCore

/// An object of the emulated W&B GraphQL schema, as the resolver hands it to the executor.
indirect enum WandbObject {
    case query
    case mutation
    /// The authenticated user (also a run's `user`).
    case viewer
    case serverInfo
    case entity(String)
    case project(WandbWorld.ProjectKey)
    case run(WandbRun)
    case runQueue(WandbWorld.QueueKey)
    case runQueueItem(QueueItem)
    case itemError(QueueItem.ItemError)
    /// A Relay connection (`RunConnection`, `RunQueueItemConnection`...).
    case connection(type: String, edges: [(node: WandbObject, cursor: String)], hasNextPage: Bool, total: Int)
    case edge(type: String, node: WandbObject, cursor: String)
    case pageInfo(startCursor: String?, endCursor: String?, hasNextPage: Bool)
    /// A mutation's result: its type name and its (leaf) fields.
    case payload(type: String, fields: JSONValue)
}

/// The emulated W&B GraphQL schema: what the public API, `wandb.Api()` and the launch agent read
/// and change, resolved against a `WandbWorld`.
///
/// Served: `viewer`, `serverInfo`, `entity(name)`, `project(name, entityName)` with `run(name)`,
/// `runs(filters, order, first, after)`, `runCount(filters)`, `runQueue(name)` with
/// `runQueueItems(first, after)` and `runQueueItem(id)`, `runQueues`; mutations
/// `pushToRunQueueByName`, `pushToRunQueue`, `popFromRunQueue`, `ackRunQueueItem`,
/// `failRunQueueItem`. Which fields and arguments a document may ask for is `WandbSDL`'s to say: a
/// document is validated against it before it reaches these resolvers, so a field the schema has
/// but no resolver serves (`sweepName`, `historyKeys`...) answers `null`.
///
/// Absence is `null` without an error, as on the real API: a project or entity that does not exist,
/// a run that does not exist (yet), an unknown queue or item. Bad arguments (unparsable `filters`,
/// a bad cursor) and mutations on things that do not exist are field errors with a path (HTTP 400 or
/// 404, as W&B's server answers them).
struct WandbSchema: GraphQLResolver {
    typealias Object = WandbObject

    var world: WandbWorld

    /// The item states in which the agent has not yet acknowledged the item: its run id is not yet
    /// associated, even when the launch spec presets one.
    static let unclaimedStates: Set<String> = ["PENDING", "LEASED"]

    func root(for kind: GraphQLDocument.Operation.Kind) -> WandbObject? {
        switch kind {
        case .query: .query
        case .mutation: .mutation
        case .subscription: nil
        }
    }

    func typeName(of object: WandbObject) -> String {
        switch object {
        case .query: "Query"
        case .mutation: "Mutation"
        case .viewer: "User"
        case .serverInfo: "ServerInfo"
        case .entity: "Entity"
        case .project: "Project"
        case .run: "Run"
        case .runQueue: "RunQueue"
        case .runQueueItem: "RunQueueItem"
        case .itemError: "RunQueueItemError"
        case .connection(let type, _, _, _): type
        case .edge(let type, _, _): type
        case .pageInfo: "PageInfo"
        case .payload(let type, _): type
        }
    }

    func object(_ object: WandbObject, conformsTo typeCondition: String) -> Bool {
        let name = typeName(of: object)
        if name == typeCondition { return true }
        switch object {
        case .viewer, .entity, .project, .run, .runQueue, .runQueueItem: return typeCondition == "Node"
        default: return false
        }
    }

    mutating func resolve(_ field: GraphQLFieldRequest, on object: WandbObject) throws(GraphQLError)
        -> GraphQLResolved<WandbObject>
    {
        switch object {
        case .query: return queryField(field)
        case .mutation: return try mutationField(field)
        case .viewer: return viewerField(field)
        case .serverInfo:
            return field.name == "features" ? .list([]) : .null
        case .entity(let name): return entityField(field, name)
        case .project(let key): return try projectField(field, key)
        case .run(let run): return runField(field, run)
        case .runQueue(let key): return try queueField(field, key)
        case .runQueueItem(let item): return itemField(field, item)
        case .itemError(let error):
            switch field.name {
            case "message": return .leaf(.string(error.message))
            case "stage": return .leaf(.string(error.stage))
            case "filePaths": return .leaf(.array([]))
            default: return .null
            }
        case .connection(let type, let edges, let hasNextPage, let total):
            let edgeType = type.hasSuffix("Connection") ? String(type.dropLast(10)) + "Edge" : type + "Edge"
            switch field.name {
            case "edges": return .list(edges.map { .object(.edge(type: edgeType, node: $0.node, cursor: $0.cursor)) })
            case "nodes": return .list(edges.map { .object($0.node) })
            case "totalCount", "count": return .leaf(.number(Double(total)))
            case "pageInfo":
                return .object(
                    .pageInfo(startCursor: edges.first?.cursor, endCursor: edges.last?.cursor, hasNextPage: hasNextPage)
                )
            default: return .null
            }
        case .edge(_, let node, let cursor):
            switch field.name {
            case "node": return .object(node)
            case "cursor": return .leaf(.string(cursor))
            default: return .null
            }
        case .pageInfo(let startCursor, let endCursor, let hasNextPage):
            switch field.name {
            case "startCursor": return .leaf(startCursor.map(JSONValue.string) ?? .null)
            case "endCursor": return .leaf(endCursor.map(JSONValue.string) ?? .null)
            case "hasNextPage": return .leaf(.bool(hasNextPage))
            case "hasPreviousPage": return .leaf(.bool(false))
            default: return .null
            }
        case .payload(_, let fields):
            return .leaf(fields[field.name] ?? .null)
        }
    }

    // MARK: - Query

    private func queryField(_ field: GraphQLFieldRequest) -> GraphQLResolved<WandbObject> {
        switch field.name {
        case "viewer":
            return .object(.viewer)
        case "serverInfo":
            return .object(.serverInfo)
        case "entity":
            guard let name = field.string("name"), world.entities.contains(name) else { return .null }
            return .object(.entity(name))
        case "project", "model":
            let entity = field.string("entityName") ?? world.account.entity
            let key = WandbWorld.ProjectKey(entity: entity, name: field.string("name") ?? "")
            return world.projects.contains(key) ? .object(.project(key)) : .null
        default:
            return .null
        }
    }

    // MARK: - Users and entities

    private func viewerField(_ field: GraphQLFieldRequest) -> GraphQLResolved<WandbObject> {
        let account = world.account
        switch field.name {
        case "id": return .leaf(.string(Self.globalID("User:1")))
        case "name", "username": return .leaf(.string(account.username))
        case "entity": return .leaf(.string(account.entity))
        case "email": return .leaf(.string("\(account.username)@example.com"))
        case "admin": return .leaf(.bool(false))
        case "flags": return .leaf(.string("{}"))
        case "defaultEntity": return .object(.entity(account.entity))
        case "apiKeys":
            return .object(.connection(type: "ApiKeyConnection", edges: [], hasNextPage: false, total: 0))
        case "teams":
            let teams = world.entities.filter { $0 != account.username }
            let edges = teams.map { (node: WandbObject.entity($0), cursor: Self.globalID("Entity:\($0)")) }
            return .object(.connection(type: "EntityConnection", edges: edges, hasNextPage: false, total: edges.count))
        default: return .null
        }
    }

    private func entityField(_ field: GraphQLFieldRequest, _ name: String) -> GraphQLResolved<WandbObject> {
        switch field.name {
        case "id": return .leaf(.string(Self.globalID("Entity:\(name)")))
        case "name": return .leaf(.string(name))
        case "isTeam": return .leaf(.bool(name != world.account.username))
        default: return .null
        }
    }

    // MARK: - Projects and runs

    private func projectField(_ field: GraphQLFieldRequest, _ key: WandbWorld.ProjectKey) throws(GraphQLError)
        -> GraphQLResolved<WandbObject>
    {
        let number = world.number(of: key) ?? 0
        switch field.name {
        case "id": return .leaf(.string(Self.globalID("Project:\(number)")))
        case "internalId": return .leaf(.string(String(number)))
        case "name": return .leaf(.string(key.name))
        case "entityName": return .leaf(.string(key.entity))
        case "entity": return .object(.entity(key.entity))
        case "readOnly", "isBenchmark": return .leaf(.bool(false))
        case "user": return .object(.viewer)
        case "createdAt":
            let first = world.runs.filter { $0.entity == key.entity && $0.project == key.name }.map(\.createdAt).min()
            return .leaf(.string(WandbTimestamp.string(first ?? world.now)))
        case "run":
            let name = field.string("name") ?? ""
            let run = world.runs.first { $0.entity == key.entity && $0.project == key.name && $0.id == name }
            return run.map { .object(.run($0)) } ?? .null
        case "runs":
            return try runs(field, in: key)
        case "runCount":
            let filter = try Self.filter(field)
            let count = runsOf(key).filter { filter.matches($0, username: world.account.username) }.count
            return .leaf(.number(Double(count)))
        case "runQueue":
            let queue = WandbWorld.QueueKey(entity: key.entity, project: key.name, name: field.string("name") ?? "")
            return world.queues.contains(queue) ? .object(.runQueue(queue)) : .null
        case "runQueues":
            return .list(world.queues.filter { $0.projectKey == key }.map { .object(.runQueue($0)) })
        default:
            return .null
        }
    }

    private func runsOf(_ project: WandbWorld.ProjectKey) -> [WandbRun] {
        world.runs.filter { $0.entity == project.entity && $0.project == project.name }
    }

    private static func filter(_ field: GraphQLFieldRequest) throws(GraphQLError) -> RunFilter {
        let value = field.arguments["filters"] ?? .null
        do {
            switch value {
            case .null: return .all
            case .string(let text): return try RunFilter.parse(text)
            default: return try RunFilter.parse(value)
            }
        } catch {
            throw field.error("invalid filters: \(error.message)")
        }
    }

    /// `runs(filters, order, first, after)`: the matching runs in `order` (default `-created_at`,
    /// newest first), `first` (default 50) at a time after the cursor `after`. A cursor names a run,
    /// so paging stays exact when runs are created or change state between pages.
    private func runs(_ field: GraphQLFieldRequest, in project: WandbWorld.ProjectKey) throws(GraphQLError)
        -> GraphQLResolved<WandbObject>
    {
        let filter = try Self.filter(field)
        let order = RunOrder(field.string("order") ?? "", username: world.account.username, runs: world.runs)
        let matching = runsOf(project).filter { filter.matches($0, username: world.account.username) }
            .sorted(by: order.precedes)
        let first = field.int("first") ?? 50
        guard first >= 0 else { throw field.error("first must not be negative") }
        var start = 0
        if let after = field.string("after"), !after.isEmpty {
            guard let name = RunOrder.runName(fromCursor: after),
                let anchor = world.runs.first(where: { $0.id == name })
            else { throw field.error("invalid cursor \(JSONValue.quoted(after))") }
            start = matching.firstIndex { order.precedes(anchor, $0) } ?? matching.count
        }
        let page = matching.dropFirst(start).prefix(first)
        let edges = page.map { (node: WandbObject.run($0), cursor: RunOrder.cursor(for: $0)) }
        return .object(
            .connection(
                type: "RunConnection", edges: Array(edges), hasNextPage: start + page.count < matching.count,
                total: matching.count))
    }

    private func runField(_ field: GraphQLFieldRequest, _ run: WandbRun) -> GraphQLResolved<WandbObject> {
        let project = WandbWorld.ProjectKey(entity: run.entity, name: run.project)
        func text(_ value: String?) -> GraphQLResolved<WandbObject> { .leaf(value.map(JSONValue.string) ?? .null) }
        switch field.name {
        case "id": return text(Self.globalID("Run:v1:\(run.id):\(run.project):\(run.entity)"))
        case "name": return text(run.id)
        case "displayName": return text(run.displayName)
        case "state": return text(run.state)
        case "createdAt": return text(WandbTimestamp.string(run.createdAt))
        case "heartbeatAt", "updatedAt": return text(WandbTimestamp.string(run.heartbeatAt))
        case "config": return text(Self.storedConfig(run.details.config).jsonText)
        case "summaryMetrics": return text((run.details.summary ?? .object([])).jsonText)
        case "systemMetrics": return text("{}")
        case "tags": return .leaf(.array(run.details.tags.map(JSONValue.string)))
        case "group": return text(run.details.group)
        case "jobType": return text(run.details.jobType)
        case "readOnly", "stopped": return .leaf(.bool(false))
        case "historyLineCount": return .leaf(.number(0))
        case "projectId": return text(String(world.number(of: project) ?? 0))
        case "project": return .object(.project(project))
        case "user": return .object(.viewer)
        default: return .null
        }
    }

    /// A run config as W&B stores it: every key wrapped as `{"value": ..., "desc": null}`.
    private static func storedConfig(_ config: JSONValue?) -> JSONValue {
        guard case .object(let members)? = config else { return .object([]) }
        return .object(members.map { ($0.key, .object([("value", $0.value), ("desc", .null)])) })
    }

    // MARK: - Run queues

    private func queueField(_ field: GraphQLFieldRequest, _ key: WandbWorld.QueueKey) throws(GraphQLError)
        -> GraphQLResolved<WandbObject>
    {
        switch field.name {
        case "id": return .leaf(.string(Self.globalID("RunQueue:\(world.number(of: key) ?? 0)")))
        case "name": return .leaf(.string(key.name))
        case "access": return .leaf(.string("PROJECT"))
        case "prioritizationMode": return .leaf(.string("DISABLED"))
        case "createdBy": return .leaf(.null)
        case "runQueueItem":
            let id = field.string("id") ?? ""
            let item = world.items.first { $0.id == id && world.queue(of: $0) == key }
            return item.map { .object(.runQueueItem($0)) } ?? .null
        case "runQueueItems":
            let items = world.items.filter { world.queue(of: $0) == key }
            var start = 0
            if let after = field.string("after"), !after.isEmpty {
                guard let index = items.firstIndex(where: { Self.globalID("Cursor:\($0.id)") == after }) else {
                    throw field.error("invalid cursor \(JSONValue.quoted(after))")
                }
                start = index + 1
            }
            let first = field.int("first") ?? items.count
            guard first >= 0 else { throw field.error("first must not be negative") }
            let page = items.dropFirst(start).prefix(first)
            let edges = page.map { (node: WandbObject.runQueueItem($0), cursor: Self.globalID("Cursor:\($0.id)")) }
            return .object(
                .connection(
                    type: "RunQueueItemConnection", edges: Array(edges),
                    hasNextPage: start + page.count < items.count, total: items.count))
        default:
            return .null
        }
    }

    private func itemField(_ field: GraphQLFieldRequest, _ item: QueueItem) -> GraphQLResolved<WandbObject> {
        switch field.name {
        case "id": return .leaf(.string(item.id))
        case "state": return .leaf(.string(item.state))
        case "associatedRunId":
            guard !Self.unclaimedStates.contains(item.state), let runId = item.associatedRunId else { return .null }
            return .leaf(.string(runId))
        case "createdAt": return .leaf(.string(WandbTimestamp.string(item.createdAt)))
        case "runSpec": return .leaf(.string(runSpec(of: item).jsonText))
        case "error": return item.error.map { .object(.itemError($0)) } ?? .null
        case "warnings": return .list([])
        default: return .null
        }
    }

    /// The item's launch spec: the one pushed, or for a scenario item one with its name, entity and
    /// (when the scenario presets it) `run_id`.
    private func runSpec(of item: QueueItem) -> JSONValue {
        if let spec = item.runSpec { return spec }
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(item.name)), ("entity", .string(item.entity)),
        ]
        if let runId = world.presetRunIDs[item.id] { members.append(("run_id", .string(runId))) }
        return .object(members)
    }

    // MARK: - Mutations

    private mutating func mutationField(_ field: GraphQLFieldRequest) throws(GraphQLError) -> GraphQLResolved<
        WandbObject
    > {
        let input = field.arguments["input"] ?? .object([])
        func string(_ name: String) -> String? {
            if case .string(let value)? = input[name] { return value }
            return nil
        }
        switch field.name {
        case "pushToRunQueueByName", "pushToRunQueue":
            let queue: WandbWorld.QueueKey
            if field.name == "pushToRunQueue" {
                let id = string("queueID") ?? ""
                guard
                    let found = world.queues.first(where: {
                        Self.globalID("RunQueue:\(world.number(of: $0) ?? 0)") == id
                    })
                else { throw field.error("run queue \(JSONValue.quoted(id)) not found", status: 404) }
                queue = found
            } else {
                queue = try existingQueue(
                    field, entity: string("entityName"), project: string("projectName"), name: string("queueName"))
            }
            let spec = try Self.runSpec(field, input["runSpec"])
            let item = world.push(to: queue, runSpec: spec)
            let type = field.name == "pushToRunQueue" ? "PushToRunQueuePayload" : "PushToRunQueueByNamePayload"
            return .object(
                .payload(
                    type: type,
                    fields: .object([("runQueueItemId", .string(item.id)), ("runSpec", .string(spec.jsonText))])))
        case "popFromRunQueue":
            let queue = try existingQueue(
                field, entity: string("entityName"), project: string("projectName"), name: string("queueName"))
            guard let item = world.items.first(where: { world.queue(of: $0) == queue && $0.state == "PENDING" }) else {
                return .null
            }
            _ = world.updateItem(item.id) { $0.state = "LEASED" }
            return .object(
                .payload(
                    type: "PopFromRunQueuePayload",
                    fields: .object([
                        ("runQueueItemId", .string(item.id)), ("runSpec", .string(runSpec(of: item).jsonText)),
                    ])))
        case "ackRunQueueItem":
            let id = string("runQueueItemId") ?? ""
            guard let item = world.items.first(where: { $0.id == id }) else {
                throw field.error("run queue item \(JSONValue.quoted(id)) not found", status: 404)
            }
            let acknowledged = Self.unclaimedStates.contains(item.state)
            if acknowledged {
                _ = world.updateItem(id) { item in
                    item.state = "CLAIMED"
                    item.associatedRunId = string("runName") ?? item.associatedRunId
                }
            }
            return .object(
                .payload(type: "AckRunQueueItemPayload", fields: .object([("success", .bool(acknowledged))])))
        case "failRunQueueItem":
            let id = string("runQueueItemId") ?? ""
            let message = string("message") ?? ""
            let stage = string("stage") ?? "run"
            guard
                world.updateItem(
                    id,
                    { item in
                        item.state = "FAILED"
                        item.error = QueueItem.ItemError(message: message, stage: stage)
                    })
            else {
                throw field.error("run queue item \(JSONValue.quoted(id)) not found", status: 404)
            }
            return .object(.payload(type: "FailRunQueueItemPayload", fields: .object([("success", .bool(true))])))
        default:
            return .null
        }
    }

    private func existingQueue(_ field: GraphQLFieldRequest, entity: String?, project: String?, name: String?)
        throws(GraphQLError) -> WandbWorld.QueueKey
    {
        let queue = WandbWorld.QueueKey(
            entity: entity ?? world.account.entity, project: project ?? WandbWorld.launchProject, name: name ?? "")
        guard world.queues.contains(queue) else {
            throw field.error(
                "run queue \(JSONValue.quoted(queue.name)) not found in \(queue.entity)/\(queue.project)", status: 404)
        }
        return queue
    }

    /// A `runSpec` input: a JSONString holding an object (an object given directly is taken too).
    private static func runSpec(_ field: GraphQLFieldRequest, _ value: JSONValue?) throws(GraphQLError) -> JSONValue {
        var spec = value ?? .null
        if case .string(let text) = spec {
            guard let parsed = try? JSONParser.parse(text) else { throw field.error("runSpec is not valid JSON") }
            spec = parsed
        }
        guard case .object = spec else { throw field.error("runSpec must be a JSON object") }
        return spec
    }

    // MARK: - Ids

    /// W&B's global ids: base64 of `Type:key`.
    static func globalID(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }
}
