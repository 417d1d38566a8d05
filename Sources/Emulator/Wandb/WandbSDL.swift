/// The schema (SDL) of the W&B GraphQL subset the emulator serves: every type, field and argument
/// here is one the official `wandb` client (0.31, its Python package and its `wandb-core` binary) is
/// seen to send, or one launchwatch's W&B providers send and mark optional. W&B's server schema is
/// not public; a document that asks for anything else fails validation with the server's wording
/// (`Cannot query field "x" on type "Y".`), as one unknown field fails a whole document on the real
/// service.
///
/// Each field's comment names the client file and the operation that requests it (paths inside the
/// `wandb` package). Fields marked `launchwatch (optional)` are asked for only by launchwatch's
/// separate, optional requests: the official client never reads them, so a stricter server may
/// refuse them (`strictQueueItems`) and the providers must go on without them.
///
/// `CONTRACT-WANDB.md` lists the same surface from the providers' side.
enum WandbSDL {
    /// How much of the queue-item surface the emulated server knows (scenario `wandb.server`).
    struct Variant: Hashable, Sendable {
        /// Only the fields the official client reads on a `RunQueueItem` (`id state associatedRunId`),
        /// and `runQueueItems` without `after:` or `pageInfo`.
        var strictQueueItems = false
        /// No `RunQueue.runQueueItem(id:)`, as on older W&B Server releases.
        var withoutRunQueueItemByID = false
    }

    /// The SDL of `variant`.
    static func text(_ variant: Variant) -> String {
        let itemByID =
            variant.withoutRunQueueItemByID
            ? ""
            : """
                # wandb/apis/public/jobs.py QueuedRun._get_item (GetRunQueueItem)
                runQueueItem(id: ID!): RunQueueItem

            """
        let listingArguments =
            variant.strictQueueItems
            ? "first: Int"
            // `after:` is launchwatch (optional): the official client never pages this listing.
            : "first: Int, after: String"
        let listingPageInfo =
            variant.strictQueueItems
            ? ""
            : """
                # launchwatch (optional): the name search pages with it
                pageInfo: PageInfo

            """
        let itemExtras =
            variant.strictQueueItems
            ? ""
            : """
                # launchwatch (optional): when the item was enqueued
                createdAt: DateTime
                # launchwatch (optional): the launch spec, to find an item by its name
                runSpec: JSONString
                # launchwatch (optional): the agent's failure message (set by failRunQueueItem)
                error: RunQueueItemError

            """
        return base
            + queueTypes(
                itemByID: itemByID, listingArguments: listingArguments, listingPageInfo: listingPageInfo,
                itemExtras: itemExtras)
    }

    private static let base = """
        schema {
          query: Query
          mutation: Mutation
        }

        # W&B's JSON-in-a-string scalar: wandb/apis/public/runs.py Runs ($filters: JSONString),
        # wandb/sdk/launch/api.py pushToRunQueueByName ($runSpec: JSONString!)
        scalar JSONString
        # Timestamps such as 2025-11-05T17:46:35 (UTC, no zone)
        scalar DateTime
        # Arbitrary JSON (historyKeys)
        scalar JSON

        interface Node {
          id: ID!
        }

        type Query {
          # wandb/apis/_generated/operations.py GetViewer, GetDefaultEntity; wandb-core Viewer
          viewer: User
          # wandb/sdk/internal/_generated/server_features_query.py ServerFeaturesQuery (also wandb-core)
          serverInfo: ServerInfo
          # wandb/sdk/launch/api.py EntityIsTeam
          entity(name: String): Entity
          # wandb/apis/public/runs.py Runs, Run; wandb/apis/public/jobs.py GetRunQueueItem;
          # wandb/sdk/launch/api.py ProjectRunQueues
          project(name: String, entityName: String): Project
        }

        # wandb/sdk/internal/_generated/server_features_query.py ServerFeaturesQuery
        type ServerInfo {
          features: [ServerFeature]!
        }

        # wandb/sdk/internal/_generated/server_features_query.py ServerFeaturesQuery
        type ServerFeature {
          name: String!
          isEnabled: Boolean!
        }

        # wandb/apis/_generated/operations.py UserFragment (GetViewer); wandb-core Viewer
        type User implements Node {
          id: ID!
          name: String
          username: String
          email: String
          admin: Boolean
          flags: JSONString
          entity: String
          deletedAt: DateTime
          apiKeys: ApiKeyConnection
          teams: EntityConnection
        }

        # wandb/apis/_generated/operations.py ApiKeyFragment
        type ApiKeyConnection {
          edges: [ApiKeyEdge!]!
        }

        # wandb/apis/_generated/operations.py UserFragment, ApiKeyFragment
        type ApiKeyEdge {
          node: ApiKey
        }

        # wandb/apis/_generated/operations.py ApiKeyFragment
        type ApiKey {
          id: ID!
          name: String!
          description: String
        }

        # UserFragment / wandb-core Viewer: teams { edges { node { name } } }
        type EntityConnection {
          edges: [EntityEdge!]!
        }

        # wandb/apis/_generated/operations.py UserFragment teams
        type EntityEdge {
          node: Entity
        }

        type Entity implements Node {
          # wandb/sdk/launch/api.py EntityIsTeam
          id: ID!
          # UserFragment teams
          name: String!
          # wandb/sdk/launch/api.py EntityIsTeam
          isTeam: Boolean
        }

        type Project implements Node {
          # wandb/apis/_generated/operations.py ProjectFragment
          id: ID!
          # wandb/apis/public/runs.py Runs
          internalId: ID
          # wandb/apis/_generated/operations.py ProjectFragment
          name: String!
          # wandb/apis/_generated/operations.py ProjectFragment
          entityName: String!
          # wandb/apis/public/runs.py Runs
          readOnly: Boolean
          # wandb/apis/_generated/operations.py ProjectFragment
          createdAt: DateTime
          # wandb/apis/_generated/operations.py ProjectFragment
          isBenchmark: Boolean
          # wandb/apis/_generated/operations.py ProjectFragment
          user: User
          # wandb/apis/public/runs.py Run
          run(name: String!): Run
          # wandb/apis/public/runs.py Runs
          runs(filters: JSONString, order: String, first: Int, after: String): RunConnection
          # wandb/apis/public/runs.py Runs
          runCount(filters: JSONString): Int
          # wandb/apis/public/jobs.py GetRunQueueItem, GetRunQueueItems, GetRunQueueMetadata
          runQueue(name: String!): RunQueue
          # wandb/sdk/launch/api.py ProjectRunQueues
          runQueues: [RunQueue!]
        }

        # wandb/apis/public/runs.py Runs: edges { node { ... } cursor } pageInfo { endCursor hasNextPage }
        type RunConnection {
          edges: [RunEdge!]!
          pageInfo: PageInfo!
        }

        # wandb/apis/public/runs.py Runs
        type RunEdge {
          node: Run
          cursor: String!
        }

        # wandb/apis/public/runs.py Runs; wandb/apis/_generated/operations.py PageInfoFragment
        type PageInfo {
          endCursor: String
          hasNextPage: Boolean!
        }

        # wandb/apis/public/runs.py RUN_FRAGMENT, LIGHTWEIGHT_RUN_FRAGMENT, Run/Runs (projectId)
        type Run implements Node {
          id: ID!
          projectId: ID
          tags: [String!]
          name: String!
          displayName: String
          sweepName: String
          state: String
          config: JSONString
          group: String
          jobType: String
          commit: String
          readOnly: Boolean
          createdAt: DateTime
          heartbeatAt: DateTime
          description: String
          notes: String
          systemMetrics: JSONString
          summaryMetrics: JSONString
          historyLineCount: Int
          user: User
          historyKeys: JSON
        }

        type Mutation {
          # wandb/sdk/launch/api.py pushToRunQueueByName
          pushToRunQueueByName(input: PushToRunQueueByNameInput!): PushToRunQueueByNamePayload
          # wandb/sdk/launch/api.py pushToRunQueue
          pushToRunQueue(input: PushToRunQueueInput!): PushToRunQueuePayload
          # wandb/sdk/launch/api.py popFromRunQueue (the launch agent)
          popFromRunQueue(input: PopFromRunQueueInput!): PopFromRunQueuePayload
          # wandb/sdk/launch/api.py ackRunQueueItem (the launch agent)
          ackRunQueueItem(input: AckRunQueueItemInput!): AckRunQueueItemPayload
          # wandb/sdk/launch/api.py failRunQueueItem (the launch agent)
          failRunQueueItem(input: FailRunQueueItemInput!): FailRunQueueItemPayload
        }

        # wandb/sdk/launch/api.py pushToRunQueueByName (priority, templateVariableValues when given)
        input PushToRunQueueByNameInput {
          entityName: String!
          projectName: String!
          queueName: String!
          runSpec: JSONString!
          priority: Int
          templateVariableValues: JSONString
        }

        # wandb/sdk/launch/api.py pushToRunQueueByName: { runQueueItemId runSpec }
        type PushToRunQueueByNamePayload {
          runQueueItemId: ID!
          runSpec: JSONString
        }

        # wandb/sdk/launch/api.py pushToRunQueue
        input PushToRunQueueInput {
          queueID: ID!
          runSpec: JSONString!
          priority: Int
          templateVariableValues: JSONString
        }

        # wandb/sdk/launch/api.py pushToRunQueue: { runQueueItemId }
        type PushToRunQueuePayload {
          runQueueItemId: ID!
        }

        # wandb/sdk/launch/api.py popFromRunQueue
        input PopFromRunQueueInput {
          entityName: String!
          projectName: String!
          queueName: String!
          launchAgentId: ID
        }

        # wandb/sdk/launch/api.py popFromRunQueue: { runQueueItemId runSpec }
        type PopFromRunQueuePayload {
          runQueueItemId: ID!
          runSpec: JSONString
        }

        # wandb/sdk/launch/api.py ackRunQueueItem
        input AckRunQueueItemInput {
          runQueueItemId: ID!
          runName: String!
        }

        # wandb/sdk/launch/api.py ackRunQueueItem: { success }
        type AckRunQueueItemPayload {
          success: Boolean!
        }

        # wandb/sdk/launch/api.py failRunQueueItem
        input FailRunQueueItemInput {
          runQueueItemId: ID!
          message: String!
          stage: String!
          filePaths: [String!]
        }

        # wandb/sdk/launch/api.py failRunQueueItem: { success }
        type FailRunQueueItemPayload {
          success: Boolean!
        }

        """

    private static func queueTypes(
        itemByID: String, listingArguments: String, listingPageInfo: String, itemExtras: String
    ) -> String {
        """
        type RunQueue implements Node {
          # wandb/apis/public/jobs.py fetchRunQueuesFromProject, GetRunQueueMetadata;
          # wandb/sdk/launch/api.py ProjectRunQueues
          id: ID!
          # wandb/sdk/launch/api.py ProjectRunQueues
          name: String!
          # wandb/apis/public/jobs.py GetRunQueueMetadata; wandb/sdk/launch/api.py ProjectRunQueues
          access: String
          # wandb/apis/public/jobs.py GetRunQueueMetadata
          prioritizationMode: String
          # wandb/sdk/launch/api.py ProjectRunQueues (the legacy push, after pushToRunQueueByName
          # found no queue; the client only compares it with the entity's name, so null is served)
          createdBy: String
        \(itemByID)
          # wandb/apis/public/jobs.py RunQueue._get_items (GetRunQueueItems, first: 100) and
          # QueuedRun._get_run_queue_item_legacy (no arguments)
          runQueueItems(\(listingArguments)): RunQueueItemConnection
        }

        # wandb/apis/public/jobs.py GetRunQueueItems: edges { node { ... } }
        type RunQueueItemConnection {
          edges: [RunQueueItemEdge!]!
        \(listingPageInfo)
        }

        # wandb/apis/public/jobs.py GetRunQueueItems
        type RunQueueItemEdge {
          node: RunQueueItem
        \(listingPageInfo.isEmpty ? "" : "  # launchwatch (optional): paging the name search\n  cursor: String")
        }

        # wandb/apis/public/jobs.py GetRunQueueItem: { id state associatedRunId } is all it reads
        type RunQueueItem implements Node {
          id: ID!
          state: String!
          associatedRunId: String
        \(itemExtras)
        }

        # launchwatch (optional): failRunQueueItem's message and stage
        type RunQueueItemError {
          message: String
          stage: String
          filePaths: [String!]
        }

        """
    }
}
