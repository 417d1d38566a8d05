import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

/// The emulated W&B server holds to its schema, and scenarios can make it stricter or older: only the
/// run-queue item fields the official client reads (`wandb.strictQueueItems`), or no
/// `runQueueItem(id:)` (`wandb.runQueueItemById: false`, an older W&B Server).
@Suite("W&B server variants")
struct WandbServerVariantTests {
    typealias Fixture = WandbFixture

    static let clientItemQuery = """
        query GetRunQueueItem($projectName: String!, $entityName: String!, $runQueue: String!, $itemId: ID!) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) { runQueueItem(id: $itemId) { id state associatedRunId } }
          }
        }
        """

    static let listingQuery = """
        query GetRunQueueItems($projectName: String!, $entityName: String!, $runQueue: String!) {
          project(name: $projectName, entityName: $entityName) {
            runQueue(name: $runQueue) { runQueueItems(first: 100) { edges { node { id state associatedRunId } } } }
          }
        }
        """

    static func queueVariables() -> [(key: String, value: JSONValue)] {
        Array(WandbGraphQLTests.itemVariables(Fixture.item).dropLast())
    }

    @Test("by default the optional item fields answer; strictQueueItems refuses each with the server's wording")
    func strictQueueItems() async throws {
        let refused: [(field: String, message: String)] = [
            ("createdAt", #"Cannot query field "createdAt" on type "RunQueueItem"."#),
            ("runSpec", #"Cannot query field "runSpec" on type "RunQueueItem"."#),
            ("error { message stage }", #"Cannot query field "error" on type "RunQueueItem"."#),
        ]
        for strict in [false, true] {
            let scenario = Fixture.scenario(server: strict ? [("strictQueueItems", .bool(true))] : [])
            try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
                await harness.state.advance(by: 45)
                let client = try await harness.graphql(
                    Self.clientItemQuery, variables: WandbGraphQLTests.itemVariables(Fixture.item))
                #expect(client.status == 200)
                #expect(
                    client.data?["project"]?["runQueue"]?["runQueueItem"]
                        == .object([
                            ("id", .string(Fixture.item)), ("state", .string("CLAIMED")),
                            ("associatedRunId", .string("claimed1")),
                        ]))
                for (field, message) in refused {
                    let reply = try await harness.graphql(
                        Self.clientItemQuery.replacingOccurrences(
                            of: "associatedRunId }", with: "associatedRunId \(field) }"),
                        variables: WandbGraphQLTests.itemVariables(Fixture.item))
                    if strict {
                        #expect(reply.status == 400, "\(field)")
                        #expect(reply.json?["data"] == nil, "one unknown field fails the whole document")
                        #expect(reply.firstError?.hasPrefix(message) == true, "\(reply.firstError ?? "no error")")
                    } else {
                        #expect(reply.status == 200, "\(field): \(reply.firstError ?? "")")
                    }
                }
                let paged = try await harness.graphql(
                    Self.listingQuery.replacingOccurrences(of: "(first: 100)", with: "(first: 100, after: null)"),
                    variables: Self.queueVariables())
                if strict {
                    #expect(
                        paged.firstError?.hasPrefix(#"Unknown argument "after" on field "RunQueue.runQueueItems"."#)
                            == true, "\(paged.firstError ?? "no error")")
                } else {
                    #expect(paged.status == 200)
                }
            }
        }
    }

    @Test("runQueueItemById false: runQueueItem(id:) is refused as on an older server; the listing answers")
    func olderServer() async throws {
        let scenario = Fixture.scenario(server: [("runQueueItemById", .bool(false))])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            await harness.state.advance(by: 45)
            let byID = try await harness.graphql(
                Self.clientItemQuery, variables: WandbGraphQLTests.itemVariables(Fixture.item))
            #expect(byID.status == 400)
            #expect(byID.firstError?.hasPrefix(#"Cannot query field "runQueueItem" on type "RunQueue"."#) == true)
            let listing = try await harness.graphql(Self.listingQuery, variables: Self.queueVariables())
            #expect(listing.status == 200)
            let nodes = Fixture.list(listing.data, "project", "runQueue", "runQueueItems", "edges").compactMap {
                $0["node"]
            }
            #expect(nodes.first { $0["id"] == .string(Fixture.item) }?["associatedRunId"] == .string("claimed1"))
        }
    }

    @Test("every document is in the GraphQL log with the errors it was refused with")
    func graphQLLog() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario()) { harness in
            _ = try await harness.graphql("query Good { viewer { id } }")
            _ = try await harness.graphql("query Bad { viewer { id nickname } }")
            let log = await harness.state.graphQLLog()
            #expect(log.map(\.operation) == ["Good", "Bad"])
            #expect(log.map(\.isValid) == [true, false])
            #expect(log.last?.errors.first?.hasPrefix(#"Cannot query field "nickname" on type "User"."#) == true)
        }
    }

    @Test("the scenario keys are typed: a wrong type is an error with its path")
    func scenarioKeysAreChecked() throws {
        let text = Fixture.scenario(server: [("strictQueueItems", .string("yes"))])
        #expect(throws: ScenarioError.self) { try Scenario(json: Data(text.utf8)) }
        do {
            _ = try Scenario(json: Data(text.utf8))
        } catch {
            #expect(error.description.contains("wandb.strictQueueItems"), "\(error.description)")
        }
        let older = try Scenario(json: Data(Fixture.scenario(server: [("runQueueItemById", .bool(false))]).utf8))
        #expect(older.wandb.runQueueItemByID == false)
        #expect(older.wandb.strictQueueItems == false)
    }
}
