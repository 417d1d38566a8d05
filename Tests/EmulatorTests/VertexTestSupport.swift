import Foundation
import LaunchWatchCore
import LaunchWatchTesting

/// Scenario text and requests shared by the Vertex AI, fault, scenario and conformance tests.
///
/// Scenarios run at `timeScale` 0.001 unless a test says otherwise: a real second is a scenario
/// millisecond, so only `advance(by:)` moves scenario time and a slow machine never does.
enum VertexFixture {
    static let project = "lw-test"
    static let projectNumber = "123456789012"
    static let region = "us-central1"
    static let token = "ya29.test-token"
    static let forbiddenToken = "ya29.forbidden-token"
    static let jobsPath = "/v1/projects/\(project)/locations/\(region)/customJobs"

    static func jobPath(_ id: String) -> String { "\(jobsPath)/\(id)" }

    /// A scenario with `timeline` steps and `faults` rules, both JSON objects.
    static func scenario(
        name: String = "vertex-tests", timeScale: Double = 0.001, timeline: [JSONValue], faults: [JSONValue] = [],
        auth: JSONValue? = nil
    ) -> String {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(name)), ("timeScale", .number(timeScale)), ("project", .string(project)),
            ("projectNumber", .string(projectNumber)), ("region", .string(region)),
            ("auth", auth ?? .object([("forbiddenTokens", .array([.string(forbiddenToken)]))])),
            ("timeline", .array(timeline)),
        ]
        if !faults.isEmpty { members.append(("faults", .array(faults))) }
        return JSONValue.object(members).jsonText
    }

    /// A timeline step `{"at": at, "do": action, ...fields}`.
    static func step(_ at: String, _ action: String, _ fields: [(key: String, value: JSONValue)] = []) -> JSONValue {
        .object([("at", .string(at)), ("do", .string(action))] + fields)
    }

    /// A `createJob` step.
    static func createJob(
        at: String = "0s", id: String, displayName: String, labels: [String: String] = [:], state: String? = nil
    ) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [("id", .string(id)), ("displayName", .string(displayName))]
        if !labels.isEmpty {
            fields.append(("labels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        if let state { fields.append(("state", .string(state))) }
        return step(at, "createJob", fields)
    }

    /// A 19-digit job id, numbered.
    static func jobID(_ number: Int) -> String {
        let digits = String(number)
        return String("7000000000000000000".dropLast(digits.count)) + digits
    }
}

/// A response of the emulator, its body parsed as JSON when it is JSON.
struct EmulatorReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
    var json: JSONValue? { try? JSONParser.parse(body) }
    /// `error.status` of a Google error envelope.
    var errorStatus: String? { json?["error"]?["status"]?.asString }
    var errorMessage: String? { json?["error"]?["message"]?.asString }
}

extension EmulatorHarness {
    /// A request with the fixture's bearer token (`token: nil` sends none).
    func send(
        _ method: String, _ path: String, query: [(String, String)] = [], token: String? = VertexFixture.token,
        json: JSONValue? = nil
    ) async throws -> EmulatorReply {
        var headers: [String: String] = [:]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if json != nil { headers["Content-Type"] = "application/json" }
        let reply = try await request(
            method, path, query: query, headers: headers, body: json.map { Data($0.jsonText.utf8) })
        return EmulatorReply(status: reply.status, headers: reply.headers, body: reply.body)
    }

    /// `customJobs.list` with `query`; the jobs of the page and the next page token.
    func listJobs(_ query: [(String, String)] = []) async throws -> (
        reply: EmulatorReply, jobs: [JSONValue], nextPageToken: String?
    ) {
        let reply = try await send("GET", VertexFixture.jobsPath, query: query)
        return (reply, reply.json?["customJobs"]?.asArray ?? [], reply.json?["nextPageToken"]?.asString)
    }
}

extension JSONValue {
    /// Test accessors: the value when it has that type.
    var asString: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var asNumber: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    var asArray: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }

    var asKeys: Set<String> {
        if case .object(let members) = self { return Set(members.map(\.key)) }
        return []
    }
}
