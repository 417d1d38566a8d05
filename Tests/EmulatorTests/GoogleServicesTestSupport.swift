import Foundation
import LaunchWatchCore
import LaunchWatchTesting

/// Scenario text and requests shared by the Cloud Logging, Cloud Run and token tests.
///
/// Scenarios run at `timeScale` 0.001 unless a test says otherwise: a real second is a scenario
/// millisecond, so only `advance(by:)` moves scenario time, however slow the machine.
enum GoogleServices {
    static let project = "lw-logs"
    static let projectNumber = "210987654321"
    static let region = "europe-west4"
    static let token = "ya29.google-services-test"

    /// A scenario: `logs` and `auth` settings and `timeline` steps, all JSON.
    static func scenario(
        name: String = "google-services-tests", timeScale: Double = 0.001, logs: JSONValue? = nil,
        auth: JSONValue? = nil, timeline: [JSONValue]
    ) -> String {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(name)), ("timeScale", .number(timeScale)), ("project", .string(project)),
            ("projectNumber", .string(projectNumber)), ("region", .string(region)),
        ]
        if let logs { members.append(("logs", logs)) }
        if let auth { members.append(("auth", auth)) }
        members.append(("timeline", .array(timeline)))
        return JSONValue.object(members).jsonText
    }

    /// A timeline step `{"at": at, "do": action, ...fields}`.
    static func step(_ at: String, _ action: String, _ fields: [(key: String, value: JSONValue)] = []) -> JSONValue {
        .object([("at", .string(at)), ("do", .string(action))] + fields)
    }

    /// A `writeLog` step.
    static func log(
        at: String, id: String, severity: String? = nil, resource: String = "ml_job",
        resourceLabels: [String: String] = [:], labels: [String: String] = [:], text: String? = nil,
        message: String? = nil, logName: String? = nil
    ) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [("insertId", .string(id))]
        if let severity { fields.append(("severity", .string(severity))) }
        fields.append(("resource", .object([("type", .string(resource)), ("labels", object(resourceLabels))])))
        if !labels.isEmpty { fields.append(("labels", object(labels))) }
        if let text { fields.append(("textPayload", .string(text))) }
        if let message { fields.append(("jsonPayload", .object([("message", .string(message))]))) }
        if let logName { fields.append(("logName", .string(logName))) }
        return step(at, "writeLog", fields)
    }

    static func object(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    static func number(_ value: JSONValue?) -> Double? {
        if case .number(let number)? = value { return number }
        return nil
    }

    static func array(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        return []
    }

    static func keys(_ value: JSONValue?) -> [String] {
        if case .object(let members)? = value { return members.map(\.key) }
        return []
    }
}

/// A response of the emulator, its body read as JSON when it is JSON.
struct ServiceReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
    var json: JSONValue? { try? JSONParser.parse(body) }
    var text: String { String(decoding: body, as: UTF8.self) }
    /// `error.status` of a Google error envelope.
    var errorStatus: String? { GoogleServices.string(json?["error"]?["status"]) }
    var errorMessage: String? { GoogleServices.string(json?["error"]?["message"]) }
}

extension EmulatorHarness {
    /// A request with a bearer token (none when `token` is `nil`) and an optional JSON body.
    func googleCall(
        _ method: String, _ path: String, query: [(String, String)] = [], token: String? = GoogleServices.token,
        headers: [String: String] = [:], json: JSONValue? = nil, form: [(String, String)]? = nil
    ) async throws -> ServiceReply {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        var body: Data?
        if let json {
            headers["Content-Type"] = "application/json"
            body = Data(json.jsonText.utf8)
        }
        if let form {
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            body = Data(
                form.map {
                    "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)"
                }.joined(separator: "&").utf8)
        }
        let reply = try await request(method, path, query: query, headers: headers, body: body)
        return ServiceReply(status: reply.status, headers: reply.headers, body: reply.body)
    }

    /// `entries:list` with `body` members; `resourceNames` defaults to the fixture's project.
    func listEntries(_ body: [(key: String, value: JSONValue)] = [], token: String? = GoogleServices.token)
        async throws -> (reply: ServiceReply, entries: [JSONValue], nextPageToken: String?)
    {
        var members = body
        if !members.contains(where: { $0.key == "resourceNames" }) {
            members.insert(("resourceNames", .array([.string("projects/\(GoogleServices.project)")])), at: 0)
        }
        let reply = try await googleCall("POST", "/v2/entries:list", token: token, json: .object(members))
        return (
            reply, GoogleServices.array(reply.json?["entries"]), GoogleServices.string(reply.json?["nextPageToken"])
        )
    }

    /// The `insertId`s of every entry `entries:list` gives for `body`, following page tokens (at most
    /// `maximumPages`), and the number of pages read.
    func listAllInsertIDs(_ body: [(key: String, value: JSONValue)] = [], maximumPages: Int = 100) async throws
        -> (ids: [String], pages: Int, emptyPagesWithToken: Int)
    {
        var ids: [String] = []
        var token: String?
        var pages = 0
        var empty = 0
        repeat {
            var members = body
            if let token { members.append(("pageToken", .string(token))) }
            let page = try await listEntries(members)
            guard page.reply.status == 200 else { throw ListFailure(reply: page.reply) }
            pages += 1
            ids += page.entries.compactMap { GoogleServices.string($0["insertId"]) }
            if page.entries.isEmpty, page.nextPageToken != nil { empty += 1 }
            token = page.nextPageToken
        } while token != nil && pages < maximumPages
        return (ids, pages, empty)
    }

    struct ListFailure: Error {
        var reply: ServiceReply
    }
}
