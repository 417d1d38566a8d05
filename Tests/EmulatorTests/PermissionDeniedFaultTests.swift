import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

@Suite("The permissionDenied fault answers as Google does")
struct PermissionDeniedFaultTests {
    typealias Fixture = VertexFixture

    @Test("vertex.list: 403 PERMISSION_DENIED naming aiplatform.customJobs.list in the message and ErrorInfo")
    func vertexList() async throws {
        let scenario = Fixture.scenario(
            timeline: [],
            faults: [.object([("route", .string("vertex.list")), ("action", .string("permissionDenied"))])])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let reply = try await harness.send("GET", Fixture.jobsPath)
            #expect(reply.status == 403)
            let error = try #require(reply.json?["error"])
            #expect(error["status"]?.asString == "PERMISSION_DENIED")
            #expect(
                error["message"]?.asString
                    == "Permission 'aiplatform.customJobs.list' denied on resource "
                    + "'//aiplatform.googleapis.com/projects/\(Fixture.project)/locations/\(Fixture.region)' "
                    + "(or it may not exist).")
            let detail = try #require(error["details"]?.asArray.first)
            #expect(detail["@type"]?.asString == "type.googleapis.com/google.rpc.ErrorInfo")
            #expect(detail["reason"]?.asString == "IAM_PERMISSION_DENIED")
            #expect(detail["domain"]?.asString == "aiplatform.googleapis.com")
            #expect(detail["metadata"]?["permission"]?.asString == "aiplatform.customJobs.list")
            #expect(
                detail["metadata"]?["resource"]?.asString
                    == "projects/\(Fixture.project)/locations/\(Fixture.region)")
        }
    }

    @Test("logging.list: Cloud Logging's wording, ErrorInfo from iam.googleapis.com; a given permission is named")
    func loggingList() async throws {
        let scenario = Fixture.scenario(
            timeline: [],
            faults: [
                .object([
                    ("route", .string("logging.list")), ("action", .string("permissionDenied")),
                    ("permission", .string("logging.views.access")),
                ])
            ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let reply = try await harness.send(
                "POST", "/v2/entries:list",
                json: .object([("resourceNames", .array([.string("projects/\(Fixture.project)")]))]))
            #expect(reply.status == 403)
            let error = try #require(reply.json?["error"])
            #expect(
                error["message"]?.asString
                    == "Permission 'logging.views.access' denied on resource (or it may not exist).")
            let detail = try #require(error["details"]?.asArray.first)
            #expect(detail["domain"]?.asString == "iam.googleapis.com")
            #expect(detail["metadata"]?["permission"]?.asString == "logging.views.access")
        }
    }

    @Test("a permission without the permissionDenied action is a scenario error naming its path")
    func permissionNeedsTheAction() throws {
        let scenario = Fixture.scenario(
            timeline: [],
            faults: [.object([("route", .string("vertex.list")), ("permission", .string("x.y.z"))])])
        #expect(throws: (any Error).self) { try Scenario(json: Data(scenario.utf8)) }
    }
}
