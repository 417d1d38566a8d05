import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LaunchWatchCore
import LaunchWatchEmulator
import NIOCore
import Testing

/// The emulator's router, route collections and middleware, through HummingbirdTesting's
/// in-process client (no socket): which route each request reaches, each fault kind's answer, the
/// answer to a request no route matches, and what the request log keeps. The same behaviour over
/// real loopback HTTP is in `FaultTests` and the per-service suites.
@Suite("The emulator's router and middleware, in-process")
struct EmulatorRouterTests {
    typealias Fixture = VertexFixture

    static let jobs = [
        Fixture.createJob(id: Fixture.jobID(1), displayName: "one"),
        Fixture.createJob(id: Fixture.jobID(2), displayName: "two"),
    ]
    static let bearer: HTTPFields = [.authorization: "Bearer \(Fixture.token)"]

    static func emulator(faults: [JSONValue] = []) throws -> Emulator {
        Emulator(scenario: try Scenario(json: Data(Fixture.scenario(timeline: jobs, faults: faults).utf8)))
    }

    static func rule(_ route: String, _ fields: [(key: String, value: JSONValue)]) -> JSONValue {
        .object([("route", .string(route))] + fields)
    }

    /// Google's error envelope, read as a client reads it.
    struct GoogleEnvelope: Decodable {
        var error: Status

        struct Status: Decodable {
            var code: Int
            var message: String
            var status: String
            var details: [Detail]?
        }

        struct Detail: Decodable {
            var type: String
            var reason: String
            var domain: String
            var metadata: [String: String]

            enum CodingKeys: String, CodingKey {
                case type = "@type"
                case reason, domain, metadata
            }
        }
    }

    static func envelope(_ response: TestResponse) throws -> GoogleEnvelope {
        try JSONDecoder().decode(GoogleEnvelope.self, from: Data(buffer: response.body))
    }

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    // MARK: - Routes

    @Test(
        "each service's route collection serves its routes under the names the log and fault rules use",
        arguments: [
            ("GET", Fixture.jobsPath, "vertex.list"),
            ("GET", Fixture.jobPath(Fixture.jobID(1)), "vertex.get"),
            ("POST", Fixture.jobsPath, "vertex.create"),
            ("POST", Fixture.jobPath(Fixture.jobID(1)) + ":cancel", "vertex.cancel"),
            ("POST", "/graphql", "wandb.graphql"),
            ("POST", "/v2/entries:list", "logging.list"),
            ("GET", "/v2/projects/p/locations/r/jobs/agent/executions/agent-x1", "cloudrun.execution"),
            ("GET", "/v2/projects/p/locations/r/jobs/agent", "cloudrun.job"),
            ("GET", "/computeMetadata/v1/instance/service-accounts/default/token", "token.metadata"),
            ("GET", "/computeMetadata/v1/instance/service-accounts/default/email", "metadata.email"),
            ("GET", "/computeMetadata/v1/instance/service-accounts/default/?recursive=true", "metadata.serviceAccount"),
            ("GET", "/computeMetadata/v1/project/project-id", "metadata.project"),
            ("GET", "/", "metadata.ping"),
            ("POST", "/token", "token.oauth"),
            ("POST", "/o/oauth2/token", "token.oauth"),
            ("POST", "/v1/token", "token.sts"),
            (
                "POST", "/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken",
                "iam.generateAccessToken"
            ),
            ("GET", "/_emulator/health", "control.health"),
            ("POST", "/_emulator/reset", "control.reset"),
        ])
    func routes(method: String, path: String, route: String) async throws {
        let emulator = try Self.emulator()
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: try #require(HTTPRequest.Method(method)), headers: Self.bearer)
            #expect(response.status != .internalServerError)
        }
        let log = await emulator.state.requestLog()
        #expect(log.map(\.route) == [route])
        #expect(log.first?.method == method)
        #expect(log.first?.path == String(path.prefix { $0 != "?" }))
    }

    @Test("a path no route serves is Google's 404 envelope naming the path, logged as `unknown`")
    func unknownRoute() async throws {
        let emulator = try Self.emulator()
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(uri: "/nowhere/at/all?x=1", method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/json; charset=UTF-8")
            // The exact bytes: sorted keys, and no `details` when there are none.
            #expect(
                Self.text(response)
                    == #"{"error":{"code":404,"message":"The requested URL /nowhere/at/all was not found on this server.","status":"NOT_FOUND"}}"#
            )
        }
        let log = await emulator.state.requestLog()
        #expect(log.map(\.route) == ["unknown"])
        #expect(log.map(\.status) == [404])
        #expect(log.first?.query == [:])
    }

    @Test(
        "a known path with a method it does not serve is a 404 too, as Google's front end answers it (no 405)",
        arguments: [
            ("DELETE", Fixture.jobsPath), ("PUT", Fixture.jobPath(Fixture.jobID(1))), ("GET", "/graphql"),
            ("GET", "/v2/entries:list"), ("POST", "/_emulator/health"),
        ])
    func methodNotServed(method: String, path: String) async throws {
        let emulator = try Self.emulator(faults: [Self.rule("*", [("status", .number(503))])])
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(
                uri: path, method: try #require(HTTPRequest.Method(method)), headers: Self.bearer)
            #expect(response.status == .notFound)
            let envelope = try Self.envelope(response)
            #expect(envelope.error.code == 404)
            #expect(envelope.error.status == "NOT_FOUND")
            #expect(envelope.error.message == "The requested URL \(path) was not found on this server.")
        }
        // Not a route, so not faulted either: the `*` rule never applied.
        #expect(await emulator.state.requestLog().map(\.route) == ["unknown"])
    }

    // MARK: - Faults

    @Test("a Google route's status fault answers the envelope with the ErrorInfo of a quota, and the rule's headers")
    func googleStatusFault() async throws {
        let emulator = try Self.emulator(faults: [
            Self.rule(
                "vertex.list",
                [
                    ("status", .number(429)), ("count", .number(1)),
                    ("headers", .object([("Retry-After", .string("7"))])),
                ])
        ])
        try await emulator.application().test(.router) { client in
            let faulted = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            #expect(faulted.status == .tooManyRequests)
            #expect(faulted.headers[HTTPField.Name("Retry-After")!] == "7")
            let envelope = try Self.envelope(faulted)
            #expect(envelope.error.code == 429)
            #expect(envelope.error.status == "RESOURCE_EXHAUSTED")
            #expect(envelope.error.message.hasPrefix("Quota exceeded for quota metric 'Read requests'"))
            let detail = try #require(envelope.error.details?.first)
            #expect(detail.type == "type.googleapis.com/google.rpc.ErrorInfo")
            #expect(detail.reason == "RATE_LIMIT_EXCEEDED")
            #expect(detail.domain == "googleapis.com")
            #expect(
                detail.metadata == ["quota_limit": "ReadRequestsPerMinutePerProject", "quota_limit_value": "60"])
            // `@type` is written as Google writes it, slashes unescaped.
            #expect(Self.text(faulted).contains(#""@type":"type.googleapis.com/google.rpc.ErrorInfo""#))

            let after = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            #expect(after.status == .ok)
        }
        #expect(await emulator.state.requestLog().map(\.status) == [429, 200])
    }

    @Test(
        "a Google route's status fault without a body words each status as the services do",
        arguments: [
            (500, "INTERNAL", "Internal error encountered."),
            (503, "UNAVAILABLE", "The service is currently unavailable."),
            (403, "PERMISSION_DENIED", "The caller does not have permission"),
            (504, "DEADLINE_EXCEEDED", "Injected fault 504."),
        ])
    func googleStatusWording(code: Int, status: String, message: String) async throws {
        let emulator = try Self.emulator(faults: [Self.rule("vertex.get", [("status", .number(Double(code)))])])
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(
                uri: Fixture.jobPath(Fixture.jobID(1)), method: .get, headers: Self.bearer)
            #expect(response.status.code == code)
            let envelope = try Self.envelope(response)
            #expect(envelope.error.code == code)
            #expect(envelope.error.status == status)
            #expect(envelope.error.message == message)
            #expect(envelope.error.details == nil)
        }
    }

    @Test("a W&B 429 fault answers W&B's body and RateLimit headers; a 500, W&B's plain error")
    func wandbStatusFault() async throws {
        let emulator = try Self.emulator(faults: [
            Self.rule("wandb.graphql", [("status", .number(429)), ("count", .number(1))]),
            Self.rule("wandb.graphql", [("status", .number(500)), ("count", .number(1))]),
        ])
        try await emulator.application().test(.router) { client in
            let limited = try await client.execute(uri: "/graphql", method: .post)
            #expect(limited.status == .tooManyRequests)
            #expect(Self.text(limited) == #"{"error":"rate limit exceeded"}"#)
            #expect(limited.headers[HTTPField.Name("RateLimit-Limit")!] == "1000")
            #expect(limited.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
            #expect(limited.headers[HTTPField.Name("RateLimit-Reset")!] == "1")
            let failed = try await client.execute(uri: "/graphql", method: .post)
            #expect(failed.status == .internalServerError)
            #expect(Self.text(failed) == #"{"error":"Internal Server Error"}"#)
        }
    }

    @Test("a fault with a body answers exactly that body")
    func customBody() async throws {
        let body: JSONValue = .object([("error", .object([("code", .number(500)), ("message", .string("boom"))]))])
        let emulator = try Self.emulator(faults: [Self.rule("vertex.list", [("status", .number(500)), ("body", body)])])
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            #expect(response.status == .internalServerError)
            #expect(try JSONParser.parse(Data(buffer: response.body)) == body)
        }
    }

    @Test("a malformed fault answers 200 with a JSON content type and a body that is not JSON")
    func malformed() async throws {
        let emulator = try Self.emulator(faults: [Self.rule("vertex.list", [("action", .string("malformed"))])])
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=UTF-8")
            #expect(response.body.readableBytes > 0)
            #expect((try? JSONParser.parse(Data(buffer: response.body))) == nil)
        }
    }

    @Test("a truncated fault answers the first half of the real body, with that length")
    func truncated() async throws {
        let emulator = try Self.emulator(faults: [
            Self.rule("vertex.list", [("action", .string("truncated")), ("count", .number(1))])
        ])
        try await emulator.application().test(.router) { client in
            let cut = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            let whole = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            #expect(cut.status == .ok)
            #expect(cut.body.readableBytes == whole.body.readableBytes / 2)
            #expect(cut.headers[.contentLength] == String(cut.body.readableBytes))
            #expect(Data(buffer: whole.body).starts(with: Data(buffer: cut.body)))
            #expect((try? JSONParser.parse(Data(buffer: cut.body))) == nil)
            #expect(try JSONParser.parse(Data(buffer: whole.body))["customJobs"]?.asArray.count == 2)
        }
    }

    @Test("a reset announces the whole length and fails the body half-way; the next request is answered")
    func reset() async throws {
        let emulator = try Self.emulator(faults: [
            Self.rule("vertex.list", [("action", .string("reset")), ("count", .number(1))])
        ])
        try await emulator.application().test(.router) { client in
            await #expect(throws: (any Error).self) {
                _ = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            }
            let next = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            #expect(next.status == .ok)
        }
        #expect(await emulator.state.requestLog().map(\.status) == [200, 200])
    }

    @Test(
        "an oversize fault streams valid JSON of that size, with or without a Content-Length", arguments: [true, false])
    func oversize(announced: Bool) async throws {
        let emulator = try Self.emulator(faults: [
            Self.rule(
                "vertex.list",
                [("action", .string("oversize")), ("bytes", .number(2_000)), ("announced", .bool(announced))])
        ])
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            #expect(response.status == .ok)
            #expect(response.body.readableBytes == 2_000)
            #expect(response.headers[.contentLength] == (announced ? "2000" : nil))
            #expect(try JSONParser.parse(Data(buffer: response.body))["padding"]?.asString?.count == 2_000 - 14)
        }
    }

    @Test("a permissionDenied fault names the route's permission and resource, as Vertex AI words it")
    func permissionDeniedGoogle() async throws {
        let emulator = try Self.emulator(faults: [Self.rule("vertex.get", [("action", .string("permissionDenied"))])])
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(
                uri: Fixture.jobPath(Fixture.jobID(1)), method: .get, headers: Self.bearer)
            #expect(response.status == .forbidden)
            let envelope = try Self.envelope(response)
            let resource = "projects/\(Fixture.project)/locations/\(Fixture.region)/customJobs/\(Fixture.jobID(1))"
            #expect(envelope.error.status == "PERMISSION_DENIED")
            #expect(
                envelope.error.message
                    == "Permission 'aiplatform.customJobs.get' denied on resource '//aiplatform.googleapis.com/\(resource)' (or it may not exist)."
            )
            let detail = try #require(envelope.error.details?.first)
            #expect(detail.reason == "IAM_PERMISSION_DENIED")
            #expect(detail.domain == "aiplatform.googleapis.com")
            #expect(detail.metadata == ["permission": "aiplatform.customJobs.get", "resource": resource])
        }
    }

    @Test("a permissionDenied fault on W&B answers W&B's 403 GraphQL error")
    func permissionDeniedWandb() async throws {
        let emulator = try Self.emulator(faults: [Self.rule("wandb.graphql", [("action", .string("permissionDenied"))])]
        )
        try await emulator.application().test(.router) { client in
            let response = try await client.execute(uri: "/graphql", method: .post)
            #expect(response.status == .forbidden)
            #expect(
                Self.text(response)
                    == #"{"errors":[{"extensions":{"code":"PERMISSION_ERROR"},"message":"permission denied"}]}"#)
        }
    }

    @Test("a hang is logged with status 0 and never answered until the client gives up")
    func hang() async throws {
        let emulator = try Self.emulator(faults: [Self.rule("vertex.list", [("action", .string("hang"))])])
        try await emulator.application().test(.router) { client in
            let waiting = Task {
                try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            }
            // Awaits the log entry (the handler runs in another task), yielding rather than sleeping.
            var logged: [RequestRecord] = []
            var turns = 0
            while logged.isEmpty, turns < 100_000 {
                await Task.yield()
                logged = await emulator.state.requestLog()
                turns += 1
            }
            #expect(logged.map(\.status) == [0])
            #expect(logged.map(\.route) == ["vertex.list"])
            waiting.cancel()
            // Given up: the in-process client turns the cancelled handler into a 500 of its own.
            let answer = try await waiting.value
            #expect(answer.status == .internalServerError)
        }
        #expect(await emulator.state.requestLog().count == 1)
    }

    @Test("the control API is never faulted, even by a `*` rule")
    func controlNeverFaulted() async throws {
        let emulator = try Self.emulator(faults: [Self.rule("*", [("status", .number(503))])])
        try await emulator.application().test(.router) { client in
            let faulted = try await client.execute(uri: Fixture.jobsPath, method: .get, headers: Self.bearer)
            let health = try await client.execute(uri: "/_emulator/health", method: .get)
            let requests = try await client.execute(uri: "/_emulator/requests", method: .get)
            #expect(faulted.status.code == 503)
            #expect(health.status == .ok)
            #expect(requests.status == .ok)
        }
    }

    // MARK: - Request log

    @Test(
        "the request log keeps the GraphQL operation, the Google query without credentials, the body and quota project")
    func requestLogFields() async throws {
        let emulator = try Self.emulator()
        try await emulator.application().test(.router) { client in
            _ = try await client.execute(
                uri: "/graphql", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"query": "query Viewer { viewer { id } }"}"#))
            var headers = Self.bearer
            headers[HTTPField.Name("x-goog-user-project")!] = "billing-project"
            _ = try await client.execute(
                uri: Fixture.jobsPath
                    + "?filter=display_name%3D%22one%22+AND+state%3D%22JOB_STATE_QUEUED%22&access_token=secret&key=k",
                method: .get, headers: headers)
            _ = try await client.execute(
                uri: Fixture.jobsPath, method: .post, headers: Self.bearer,
                body: ByteBuffer(string: #"{"displayName": "three", "jobSpec": {}}"#))
        }
        let log = await emulator.state.requestLog()
        #expect(log.map(\.route) == ["wandb.graphql", "vertex.list", "vertex.create"])
        #expect(log[0].operation == "Viewer")
        #expect(log[0].query == [:])
        #expect(log[1].query == ["filter": #"display_name="one" AND state="JOB_STATE_QUEUED""#])
        #expect(log[1].userProject == "billing-project")
        #expect(log[1].status == 200)
        #expect(log[2].body?["displayName"]?.asString == "three")
        #expect(log.allSatisfy { $0.clientPort == nil })
    }
}
