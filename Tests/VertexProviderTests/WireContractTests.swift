import Foundation
import LaunchWatchCloudLogging
import LaunchWatchCloudRun
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import LaunchWatchVertexGcloud
import LaunchWatchVertexREST
import Testing

/// The wire contract of CONTRACT.md, as data: what each Google route may be sent. Written from the
/// references (not from the providers or the emulator), so that a provider that starts sending
/// something else fails here even if the emulator were to accept it.
enum GoogleWireContract {
    /// A filter restriction the reference documents for `customJobs.list`: field → operators.
    static let vertexFilterOperators: [String: Set<String>] = [
        "display_name": ["=", "!=", ":"], "displayName": ["=", "!=", ":"], "state": ["=", "!="],
        "create_time": ["=", "!=", "<", "<=", ">", ">="], "createTime": ["=", "!=", "<", "<=", ">", ">="],
    ]
    static let vertexListQuery: Set<String> = ["filter", "pageSize", "pageToken", "readMask"]
    /// System parameters every Google REST API takes (gcloud sends `alt=json`):
    /// <https://cloud.google.com/apis/docs/system-parameters>.
    static let systemParameters: Set<String> = ["alt", "$alt"]
    static let loggingBody: Set<String> = ["resourceNames", "filter", "orderBy", "pageSize", "pageToken"]
    static let loggingOrder: Set<String> = ["timestamp asc", "timestamp desc"]

    /// Every way `record` breaks the contract; empty when it keeps it.
    static func violations(_ record: RequestRecord) -> [String] {
        let at = "\(record.method) \(record.path)"
        switch record.route {
        case "vertex.list":
            var problems = record.query.keys.filter { !vertexListQuery.union(systemParameters).contains($0) }.map {
                "\(at): query parameter \($0) is not in customJobs.list"
            }
            if let size = record.query["pageSize"], Int(size) == nil { problems.append("\(at): pageSize \(size)") }
            if let filter = record.query["filter"] { problems += vertexFilterViolations(filter).map { "\(at): \($0)" } }
            return problems
        case "vertex.get", "cloudrun.execution":
            let extra = record.query.keys.filter { !systemParameters.contains($0) }
            return extra.isEmpty ? [] : ["\(at): \(record.route) takes no query parameters (\(extra.sorted()))"]
        case "logging.list":
            guard case .object(let members)? = record.body else { return ["\(at): entries:list without a JSON body"] }
            var problems = members.map(\.key).filter { !loggingBody.contains($0) }.map {
                "\(at): body member \($0) is not in ListLogEntriesRequest"
            }
            if let order = members.first(where: { $0.key == "orderBy" })?.value {
                if case .string(let text) = order, loggingOrder.contains(text) {
                } else {
                    problems.append(
                        "\(at): orderBy \(order.jsonText) is neither \"timestamp asc\" nor \"timestamp desc\"")
                }
            }
            if case .number(let size)? = members.first(where: { $0.key == "pageSize" })?.value, size > 1000 {
                problems.append("\(at): pageSize \(size) is above the documented 1000")
            }
            if members.first(where: { $0.key == "resourceNames" }) == nil {
                problems.append("\(at): resourceNames is required")
            }
            return problems
        case "token.metadata", "token.oauth":
            return []
        default:
            return ["\(at): route \(record.route) is not in the contract"]
        }
    }

    /// The restrictions of a `customJobs.list` filter that the reference does not document.
    static func vertexFilterViolations(_ filter: String) -> [String] {
        var problems: [String] = []
        let tokens = tokenize(filter)
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if ["AND", "OR", "NOT", "(", ")"].contains(token) || token.hasPrefix("\"") {
                index += 1
                continue
            }
            guard index + 2 < tokens.count else {
                problems.append("a dangling \(token) in \(filter)")
                break
            }
            let (field, op, value) = (token, tokens[index + 1], tokens[index + 2])
            index += 3
            if field.hasPrefix("labels.") {
                if !(op == "=" || (op == ":" && value == "*")) {
                    problems.append("\(field)\(op)\(value): labels take only = and :* in the reference")
                }
            } else if let operators = vertexFilterOperators[field] {
                if !operators.contains(op) { problems.append("\(field)\(op): operator not documented for \(field)") }
            } else {
                problems.append("\(field): not a documented customJobs.list filter field")
            }
        }
        return problems
    }

    /// Words, quoted strings (kept with their quotes), operators and parentheses.
    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var characters = Array(text)[...]
        while let character = characters.first {
            if character.isWhitespace {
                characters = characters.dropFirst()
            } else if character == "(" || character == ")" {
                tokens.append(String(character))
                characters = characters.dropFirst()
            } else if character == "\"" {
                var token = "\""
                characters = characters.dropFirst()
                while let next = characters.first {
                    characters = characters.dropFirst()
                    token.append(next)
                    if next == "\\", let escaped = characters.first {
                        token.append(escaped)
                        characters = characters.dropFirst()
                    } else if next == "\"" {
                        break
                    }
                }
                tokens.append(token)
            } else if "=!<>:".contains(character) {
                var op = String(character)
                characters = characters.dropFirst()
                if let next = characters.first, next == "=" {
                    op.append(next)
                    characters = characters.dropFirst()
                }
                tokens.append(op)
            } else {
                let word = characters.prefix { !$0.isWhitespace && !"()\"=!<>:".contains($0) }
                tokens.append(String(word))
                characters = characters.dropFirst(word.count)
            }
        }
        return tokens
    }
}

/// Google provider traffic against the emulator, every request checked against the wire contract
/// (CONTRACT.md): vertex-rest (one target by labels, by display name and prefix; a sweep; a server
/// that refuses create_time), cloud-logging (incremental reads, page tokens, the final read) and
/// cloud-run-execution.
@Suite("Wire contract (Google)")
struct WireContractTests {
    typealias F = VertexRESTFixture

    @Test("the contract itself: documented restrictions pass, undocumented ones are named")
    func contractReadsFilters() {
        #expect(
            GoogleWireContract.vertexFilterViolations(#"(labels.a="x" OR labels.a="y") AND create_time>="Z""#) == [])
        #expect(GoogleWireContract.vertexFilterViolations(#"display_name:"p*" AND labels.k:*"#) == [])
        #expect(GoogleWireContract.vertexFilterViolations(#"update_time>="Z""#).count == 1)
        #expect(GoogleWireContract.vertexFilterViolations(#"labels.k!="v""#).count == 1)
        #expect(GoogleWireContract.vertexFilterViolations(#"labels.k="a b" AND end_time<"Z""#).count == 1)
    }

    @Test("CONTRACT.md names every parameter, body member and filter field the check allows")
    func documentAgreesWithCheck() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("CONTRACT.md"), encoding: .utf8)
        let names =
            GoogleWireContract.vertexListQuery.union(GoogleWireContract.loggingBody)
            .union(GoogleWireContract.loggingOrder).union(GoogleWireContract.vertexFilterOperators.keys)
        for name in names.sorted() { #expect(text.contains(name), "CONTRACT.md does not mention \(name)") }
        #expect(text.contains("CONTRACT-WANDB.md"))
    }

    @Test("vertex-rest: one target by labels, by display name, by prefix, and a sweep of 30 — all within the contract")
    func vertexRESTKeepsTheContract() async throws {
        var timeline: [JSONValue] = []
        for k in 0..<30 {
            timeline.append(
                F.createJob(id: F.jobID(k + 1), displayName: "train-\(k)", labels: ["wandb-run-id": "r\(k)"]))
            timeline.append(F.failJob(at: "2s", id: F.jobID(k + 1), code: 3, message: "trial \(k) diverged"))
        }
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            await harness.state.advance(by: 1)
            let matches: [JSONValue] = [
                .object([("labels", F.object(["wandb-run-id": "r1"]))]),
                .object([("displayName", .string("train-2"))]),
                .object([("displayNamePrefix", .string("train-3")), ("createdAfter", .string("2020-01-01T00:00:00Z"))]),
            ]
            for match in matches {
                let provider = try F.provider(harness, match: match)
                for _ in 0..<2 { _ = try await F.poll(provider) }
            }
            let batch = try (0..<30).map {
                try F.provider(harness, match: .object([("labels", F.object(["wandb-run-id": "r\($0)"]))]))
            }
            let memory = BatchMemory()
            for _ in 0..<3 {
                _ = await VertexRESTProvider.poll(
                    batch: batch, memory: memory, PollContext(now: Date(), startedAt: Date(), attempt: 0))
                await harness.state.advance(by: 1)
            }
            let log = await harness.state.requestLog().filter { !$0.route.hasPrefix("control.") }
            #expect(log.contains { $0.route == "vertex.get" } && log.contains { $0.route == "vertex.list" })
            #expect(log.allSatisfy { $0.status == 200 }, "\(log.map { "\($0.route) \($0.status)" })")
            let violations = log.flatMap(GoogleWireContract.violations)
            #expect(violations.isEmpty, "\(violations)")
        }
    }

    @Test("vertex-gcloud: the real gcloud's list and describe, within the contract (no filter, pageSize 100)")
    func vertexGcloudKeepsTheContract() async throws {
        let timeline = [
            F.createJob(id: F.jobID(1), displayName: "train", labels: ["wandb-run-id": "r1"]),
            F.createJob(id: F.jobID(2), displayName: "train", labels: ["wandb-run-id": "r2"]),
        ]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            guard let sandbox = try GcloudSandbox(emulator: harness.baseURL, token: F.token) else {
                if ProcessInfo.processInfo.environment["CI"] != nil {
                    Issue.record("CONFORMANCE NOT RUN: gcloud is not on the PATH")
                }
                return
            }
            defer { sandbox.remove() }
            let configuration = try JSONValueDecoder().decode(
                VertexGcloudProvider.Configuration.self,
                from: .object([
                    ("project", .string(F.project)), ("region", .string(F.region)), ("gcloud", .string(sandbox.gcloud)),
                    (
                        "env",
                        .object(sandbox.environment.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
                    ),
                    ("match", .object([("labels", F.object(["wandb-run-id": "r2"]))])),
                ]))
            let provider = try VertexGcloudProvider(
                configuration: configuration,
                context: ProviderContext(
                    id: "vertex", baseDirectory: FileManager.default.temporaryDirectory,
                    environment: ProcessInfo.processInfo.environment, startedAt: Date()))
            await harness.state.advance(by: 1)
            for _ in 0..<2 {
                _ = try await provider.poll(PollContext(now: Date(), startedAt: Date(), attempt: 0))
            }
            let log = await harness.state.requestLog().filter { !$0.route.hasPrefix("control.") }
            #expect(log.map(\.route) == ["vertex.list", "vertex.get"])
            #expect(log.first?.query["pageSize"] == "100" && log.first?.query["filter"] == nil)
            let violations = log.flatMap(GoogleWireContract.violations)
            #expect(violations.isEmpty, "\(violations)")
        }
    }

    @Test("cloud-logging and cloud-run-execution: every request within the contract, final read included")
    func loggingAndCloudRunKeepTheContract() async throws {
        let scenario = CloudLoggingScenario.text
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let logs = try CloudLoggingProvider(
                configuration: try JSONValueDecoder().decode(
                    CloudLoggingProvider.Configuration.self,
                    from: .object([
                        ("project", .string(F.project)), ("endpoint", .string(harness.baseURL.absoluteString)),
                        ("filter", .string("severity>=INFO")), ("settle", .string("1s")),
                        ("finalReadAfter", .string("20s")), ("lookBack", .string("0s")),
                    ])),
                context: ProviderContext(
                    id: "logs", baseDirectory: FileManager.default.temporaryDirectory,
                    environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": F.token], startedAt: await harness.state.epoch))
            let run = try CloudRunExecutionProvider(
                configuration: try JSONValueDecoder().decode(
                    CloudRunExecutionProvider.Configuration.self,
                    from: .object([
                        ("project", .string(F.project)), ("region", .string(F.region)), ("job", .string("agent")),
                        ("execution", .string("e1")), ("endpoint", .string(harness.baseURL.absoluteString)),
                    ])),
                context: ProviderContext(
                    id: "agent", baseDirectory: FileManager.default.temporaryDirectory,
                    environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": F.token], startedAt: await harness.state.epoch))
            for _ in 0..<40 {
                await harness.state.advance(by: 1)
                let now = await harness.state.date(await harness.state.now)
                let context = PollContext(now: now, startedAt: await harness.state.epoch, attempt: 0)
                _ = try await logs.poll(context)
                _ = try await run.poll(context)
            }
            let log = await harness.state.requestLog().filter { !$0.route.hasPrefix("control.") }
            // The final read: a listing from the start again, after the cursor had moved (insertId>).
            let filters = log.filter { $0.route == "logging.list" }.compactMap { record -> String? in
                guard case .string(let filter)? = record.body?["filter"] else { return nil }
                return filter
            }
            let cursorMoved = try #require(filters.firstIndex { $0.contains("insertId>") })
            #expect(filters[cursorMoved...].contains { $0.contains("timestamp>=") && !$0.contains("insertId") })
            #expect(log.contains { $0.route == "cloudrun.execution" })
            let violations = log.flatMap(GoogleWireContract.violations)
            #expect(violations.isEmpty, "\(violations)")
        }
    }
}

/// A scenario for the Logging and Cloud Run half of the contract test: INFO entries (no error, so the
/// final read comes), a page-token search (`scanWindow`), and the agent's execution.
enum CloudLoggingScenario {
    static var text: String {
        var steps: [JSONValue] = [
            .object([
                ("at", .string("0s")), ("do", .string("createExecution")), ("id", .string("e1")),
                ("job", .string("agent")),
            ]),
            .object([
                ("at", .string("5s")), ("do", .string("completeExecution")), ("id", .string("e1")),
                ("succeeded", .bool(false)), ("message", .string("the agent crashed")),
            ]),
        ]
        for second in 1..<8 {
            steps.append(
                .object([
                    ("at", .string("\(second)s")), ("do", .string("writeLog")), ("severity", .string("INFO")),
                    ("insertId", .string("i\(second)")), ("textPayload", .string("step \(second)")),
                ]))
        }
        return JSONValue.object([
            ("name", .string("wire-contract")), ("timeScale", .number(0.001)),
            ("project", .string(VertexRESTFixture.project)),
            ("projectNumber", .string(VertexRESTFixture.projectNumber)),
            ("region", .string(VertexRESTFixture.region)), ("logs", .object([("scanWindow", .string("2s"))])),
            ("auth", .object([("accessTokens", .array([.string(VertexRESTFixture.token)]))])),
            ("timeline", .array(steps)),
        ]).jsonText
    }
}
