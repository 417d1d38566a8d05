import Foundation
import LaunchWatchCore

/// What the W&B GraphQL API sees and changes while serving one request: a copy of the emulator's
/// W&B state taken on the state actor (`EmulatorState.wandbWorld()`), written back by
/// `EmulatorState.store(_:)` when a mutation changed the queue.
///
/// Which entities, projects and queues *exist* is derived from the whole scenario, not only from
/// the steps applied so far: a project that a run is created in later already exists (as on the
/// real service, where a launch's project predates its run), and the launch queues live in the
/// entity's `model-registry` project, which always exists.
struct WandbWorld: Sendable {
    struct ProjectKey: Hashable, Sendable {
        var entity: String
        var name: String
    }

    struct QueueKey: Hashable, Sendable {
        var entity: String
        var project: String
        var name: String

        var projectKey: ProjectKey { ProjectKey(entity: entity, name: project) }
    }

    static let launchProject = "model-registry"

    var account: Scenario.Wandb
    /// The wall-clock date of the request's scenario time.
    var now: Date
    /// Queue items in the order they were enqueued.
    var items: [QueueItem]
    /// Runs in the order they were created.
    var runs: [WandbRun]
    /// Known projects in order of first mention (their position gives their numeric id).
    var projects: [ProjectKey]
    /// Known queues in order of first mention.
    var queues: [QueueKey]
    /// Run ids the scenario's `enqueueItem` steps preset in the launch spec, by item id.
    var presetRunIDs: [String: String] = [:]
    /// Set by mutations that change `items`.
    var itemsChanged = false

    var entities: [String] {
        var seen: Set<String> = []
        return ([account.entity, account.username] + projects.map(\.entity)).filter { seen.insert($0).inserted }
    }

    /// The numeric id of a known project (1-based), as `projectId`/`internalId` report it.
    func number(of project: ProjectKey) -> Int? {
        projects.firstIndex(of: project).map { $0 + 1 }
    }

    func number(of queue: QueueKey) -> Int? {
        queues.firstIndex(of: queue).map { $0 + 1 }
    }

    func queue(of item: QueueItem) -> QueueKey {
        QueueKey(entity: item.entity, project: item.project, name: item.queue)
    }

    /// Adds an item as `pushToRunQueueByName` does: PENDING, with a fresh base64 id like W&B's.
    mutating func push(to queue: QueueKey, runSpec: JSONValue) -> QueueItem {
        var number = items.count + 1
        var id = ""
        repeat {
            id = Data("RunQueueItem:\(number)".utf8).base64EncodedString()
            number += 1
        } while items.contains { $0.id == id }
        var name = ""
        if case .string(let specName)? = runSpec["name"] { name = specName }
        let item = QueueItem(
            id: id, queue: queue.name, entity: queue.entity, project: queue.project, name: name, state: "PENDING",
            createdAt: now, associatedRunId: nil, error: nil, runSpec: runSpec)
        items.append(item)
        itemsChanged = true
        return item
    }

    /// Changes the item with `id` in place; false when there is none.
    mutating func updateItem(_ id: String, _ change: (inout QueueItem) -> Void) -> Bool {
        guard let index = items.firstIndex(where: { $0.id == id }) else { return false }
        change(&items[index])
        itemsChanged = true
        return true
    }
}

/// One W&B GraphQL document the emulator received, and whether the schema accepted it: `errors` holds
/// the validation (or syntax) errors it was refused with, empty when it was valid. Tests read it to
/// check that a provider sent only documents the W&B schema allows (`CONTRACT-WANDB.md`).
public struct GraphQLDocumentRecord: Sendable {
    /// The operation's name (`operationName`, else the name in the document), if any.
    public var operation: String?
    public var errors: [String]

    public var isValid: Bool { errors.isEmpty }
}

extension EmulatorState {
    /// Every W&B GraphQL document served since the start (or the last `reset`), in order.
    public func graphQLLog() -> [GraphQLDocumentRecord] { graphQLDocuments }

    func recordGraphQL(_ record: GraphQLDocumentRecord) {
        graphQLDocuments.append(record)
    }

    /// A copy of the W&B state as of now, after the due steps (call inside `read`).
    func wandbWorld() -> WandbWorld {
        let account = scenario.wandb
        var projects: [WandbWorld.ProjectKey] = [
            WandbWorld.ProjectKey(entity: account.entity, name: WandbWorld.launchProject)
        ]
        var queues: [WandbWorld.QueueKey] = []
        var presetRunIDs: [String: String] = [:]
        func addProject(_ project: WandbWorld.ProjectKey) {
            if !projects.contains(project) { projects.append(project) }
        }
        func addQueue(_ queue: WandbWorld.QueueKey) {
            if !queues.contains(queue) { queues.append(queue) }
            addProject(queue.projectKey)
        }
        for name in account.queues {
            addQueue(WandbWorld.QueueKey(entity: account.entity, project: WandbWorld.launchProject, name: name))
        }
        for step in scenario.timeline {
            switch step.action {
            case .enqueueItem(let id, let queue, let entity, let project, _, let runId):
                presetRunIDs[id] = runId
                addQueue(WandbWorld.QueueKey(entity: entity ?? account.entity, project: project, name: queue))
            case .createRun(_, let entity, let project, _, _, _):
                addProject(WandbWorld.ProjectKey(entity: entity ?? account.entity, name: project))
            default:
                break
            }
        }
        let items = queueItemOrder.compactMap { queueItems[$0] }
        let runs = runOrder.compactMap { self.runs[$0] }
        for item in items {
            addQueue(WandbWorld.QueueKey(entity: item.entity, project: item.project, name: item.queue))
        }
        for run in runs { addProject(WandbWorld.ProjectKey(entity: run.entity, name: run.project)) }
        return WandbWorld(
            account: account, now: date(now), items: items, runs: runs, projects: projects, queues: queues,
            presetRunIDs: presetRunIDs)
    }

    /// Writes back what mutations changed in `world` (the queue items).
    func store(_ world: WandbWorld) {
        guard world.itemsChanged else { return }
        if let agent = scenario.agent {
            for item in world.items where item.runSpec != nil && queueItems[item.id] == nil {
                scheduleAgent(agent, for: item)
            }
        }
        queueItems = Dictionary(world.items.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        queueItemOrder = world.items.map(\.id)
    }
}

extension EmulatorState {
    /// Schedules what the scenario's agent does with a freshly pushed item: its run id is 8 random
    /// lowercase letters and digits (as W&B's), its job id 19 random digits (as Vertex AI's).
    func scheduleAgent(_ agent: Scenario.Agent, for item: QueueItem) {
        var generator = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let runID = String((0..<8).map { _ in letters[Int(generator.next(upperBound: UInt(letters.count)))] })
        let jobID =
            String(Int.random(in: 1...9, using: &generator))
            + String((0..<18).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
        let steps = agent.steps(for: item, at: now, runID: runID, jobID: jobID)
        agentSteps = (agentSteps + steps).enumerated().sorted {
            ($0.element.at, $0.offset) < ($1.element.at, $1.offset)
        }.map(\.element)
    }
}
