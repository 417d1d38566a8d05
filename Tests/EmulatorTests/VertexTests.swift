import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

@Suite("Vertex AI customJobs")
struct VertexTests {
    typealias Fixture = VertexFixture

    // MARK: - get, list, create, cancel

    @Test("list returns the scenario's jobs oldest first; get returns one by id")
    func listAndGet() async throws {
        let scenario = Fixture.scenario(timeline: [
            Fixture.createJob(at: "0s", id: Fixture.jobID(1), displayName: "first"),
            Fixture.createJob(at: "1s", id: Fixture.jobID(2), displayName: "second"),
        ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            await harness.state.advance(by: 2)
            let list = try await harness.listJobs()
            #expect(list.reply.status == 200)
            #expect(list.reply.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(list.jobs.compactMap { $0["displayName"]?.asString } == ["first", "second"])
            #expect(list.nextPageToken == nil)
            #expect(list.reply.json?.asKeys == ["customJobs"])

            let get = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(2)))
            #expect(get.status == 200)
            #expect(
                get.json?["name"]?.asString
                    == "projects/\(Fixture.projectNumber)/locations/\(Fixture.region)/customJobs/\(Fixture.jobID(2))")
            #expect(get.json?["displayName"]?.asString == "second")
        }
    }

    @Test("the project number and the project id both name the project")
    func projectNumberOrID() async throws {
        let scenario = Fixture.scenario(timeline: [Fixture.createJob(id: Fixture.jobID(1), displayName: "job")])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let byNumber = try await harness.send(
                "GET",
                "/v1/projects/\(Fixture.projectNumber)/locations/\(Fixture.region)/customJobs/\(Fixture.jobID(1))"
            )
            #expect(byNumber.status == 200)
            let byID = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1)))
            #expect(byID.status == 200)
        }
    }

    @Test("an empty list is an empty object")
    func emptyList() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: [])) { harness in
            let list = try await harness.listJobs()
            #expect(list.reply.status == 200)
            #expect(list.reply.json == .object([]))
        }
    }

    @Test("create makes a QUEUED job with a 19-digit id that list and get then return")
    func create() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: [])) { harness in
            let jobSpec: JSONValue = .object([
                (
                    "workerPoolSpecs",
                    .array([
                        .object([
                            ("machineSpec", .object([("machineType", .string("n1-standard-4"))])),
                            ("replicaCount", .string("1")),
                            ("containerSpec", .object([("imageUri", .string("gcr.io/p/train:1"))])),
                        ])
                    ])
                )
            ])
            let body: JSONValue = .object([
                ("displayName", .string("created-by-test")), ("jobSpec", jobSpec),
                ("labels", .object([("wandb-run-id", .string("abc12345"))])),
            ])
            let created = try await harness.send("POST", Fixture.jobsPath, json: body)
            #expect(created.status == 200)
            let name = try #require(created.json?["name"]?.asString)
            let id = try #require(name.split(separator: "/").last.map(String.init))
            #expect(name == "projects/\(Fixture.projectNumber)/locations/\(Fixture.region)/customJobs/\(id)")
            #expect(id.count == 19 && id.allSatisfy(\.isNumber))
            #expect(created.json?["state"]?.asString == "JOB_STATE_QUEUED")
            #expect(created.json?["jobSpec"] == jobSpec)
            #expect(created.json?["labels"]?["wandb-run-id"]?.asString == "abc12345")
            #expect(created.json?["createTime"]?.asString.flatMap(RFC3339.date(from:)) != nil)

            let got = try await harness.send("GET", Fixture.jobPath(id))
            #expect(got.json == created.json)
            let list = try await harness.listJobs([("filter", "labels.wandb-run-id=abc12345")])
            #expect(list.jobs.compactMap { $0["name"]?.asString } == [name])
        }
    }

    @Test("create without a display name or a job spec is INVALID_ARGUMENT")
    func createInvalid() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: [])) { harness in
            let noName = try await harness.send(
                "POST", Fixture.jobsPath, json: .object([("jobSpec", .object([]))]))
            #expect(noName.status == 400)
            #expect(noName.errorStatus == "INVALID_ARGUMENT")
            let noSpec = try await harness.send(
                "POST", Fixture.jobsPath, json: .object([("displayName", .string("x"))]))
            #expect(noSpec.status == 400)
            #expect(noSpec.errorStatus == "INVALID_ARGUMENT")
            #expect(try await harness.listJobs().jobs.isEmpty)
        }
    }

    @Test("cancel moves a running job to CANCELLING, then to CANCELLED with error code 1")
    func cancel() async throws {
        let id = Fixture.jobID(1)
        let scenario = Fixture.scenario(timeline: [
            Fixture.createJob(at: "0s", id: id, displayName: "to-cancel", state: "JOB_STATE_RUNNING")
        ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let cancelled = try await harness.send("POST", Fixture.jobPath(id) + ":cancel", json: .object([]))
            #expect(cancelled.status == 200)
            #expect(cancelled.json == .object([]))

            let cancelling = try await harness.send("GET", Fixture.jobPath(id))
            #expect(cancelling.json?["state"]?.asString == "JOB_STATE_CANCELLING")
            #expect(cancelling.json?["error"] == nil)
            #expect(cancelling.json?["endTime"] == nil)

            await harness.state.advance(by: 1)
            let done = try await harness.send("GET", Fixture.jobPath(id))
            #expect(done.json?["state"]?.asString == "JOB_STATE_CANCELLED")
            #expect(done.json?["error"]?["code"]?.asNumber == 1)
            #expect(done.json?["endTime"]?.asString != nil)
            #expect(done.json?["startTime"]?.asString != nil)
        }
    }

    @Test("cancelling a job that does not exist, or in another region, is NOT_FOUND")
    func cancelUnknown() async throws {
        let scenario = Fixture.scenario(timeline: [Fixture.createJob(id: Fixture.jobID(1), displayName: "job")])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let unknown = try await harness.send("POST", Fixture.jobPath(Fixture.jobID(9)) + ":cancel")
            #expect(unknown.status == 404)
            #expect(unknown.errorStatus == "NOT_FOUND")
            let otherRegion = try await harness.send(
                "POST", "/v1/projects/\(Fixture.project)/locations/europe-west4/customJobs/\(Fixture.jobID(1)):cancel")
            #expect(otherRegion.status == 404)
            let job = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1)))
            #expect(job.json?["state"]?.asString == "JOB_STATE_QUEUED")
        }
    }

    @Test("with $alt=json;enum-encoding=int, as the official REST clients send, state is the enum's number")
    func numericEnums() async throws {
        let scenario = Fixture.scenario(timeline: [
            Fixture.createJob(id: Fixture.jobID(1), displayName: "job", state: "JOB_STATE_RUNNING")
        ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let numeric = [("$alt", "json;enum-encoding=int")]
            let get = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1)), query: numeric)
            #expect(get.json?["state"] == .number(3))
            #expect(get.json?["displayName"]?.asString == "job")
            let list = try await harness.listJobs(numeric)
            #expect(list.jobs.first?["state"] == .number(3))
            let named = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(1)), query: [("alt", "json")])
            #expect(named.json?["state"]?.asString == "JOB_STATE_RUNNING")
        }
    }

    // MARK: - Every JobState

    static let states = [
        "JOB_STATE_UNSPECIFIED", "JOB_STATE_QUEUED", "JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED",
        "JOB_STATE_FAILED", "JOB_STATE_CANCELLING", "JOB_STATE_CANCELLED", "JOB_STATE_PAUSED", "JOB_STATE_EXPIRED",
        "JOB_STATE_UPDATING", "JOB_STATE_PARTIALLY_SUCCEEDED",
    ]

    @Test(
        "every JobState renders with the real field names: startTime once running, endTime once ended, error only when failed or cancelled",
        arguments: states)
    func rendersState(_ state: String) async throws {
        let id = Fixture.jobID(42)
        let ran = !["JOB_STATE_UNSPECIFIED", "JOB_STATE_QUEUED", "JOB_STATE_PENDING"].contains(state)
        // The API documents endTime as the time the job entered SUCCEEDED, FAILED or CANCELLED.
        let ended = ["JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED"].contains(state)
        var timeline = [
            Fixture.createJob(
                at: "0s", id: id, displayName: "train", labels: ["wandb-run-id": "k3x9ab12", "team": "ml"])
        ]
        if ran {
            timeline.append(
                Fixture.step("1s", "setJobState", [("id", .string(id)), ("state", .string("JOB_STATE_RUNNING"))]))
        }
        if state == "JOB_STATE_FAILED" {
            timeline.append(
                Fixture.step(
                    "2s", "failJob",
                    [
                        ("id", .string(id)), ("code", .number(8)),
                        ("message", .string("Replicas low on disk: workerpool0.")),
                    ]))
        } else if state != "JOB_STATE_RUNNING" {
            timeline.append(Fixture.step("2s", "setJobState", [("id", .string(id)), ("state", .string(state))]))
        }
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: timeline)) { harness in
            await harness.state.advance(by: 3)
            let epoch = await harness.state.epoch
            let reply = try await harness.send("GET", Fixture.jobPath(id))
            #expect(reply.status == 200)
            let job = try #require(reply.json)
            #expect(job["state"]?.asString == state)

            var keys: Set<String> = ["name", "displayName", "jobSpec", "state", "createTime", "updateTime", "labels"]
            if ran { keys.insert("startTime") }
            if ended { keys.insert("endTime") }
            if ["JOB_STATE_FAILED", "JOB_STATE_CANCELLED"].contains(state) { keys.insert("error") }
            #expect(job.asKeys == keys)

            func offset(_ field: String) -> Double? {
                job[field]?.asString.flatMap(RFC3339.date(from:)).map { $0.timeIntervalSince(epoch) }
            }
            #expect(offset("createTime").map { abs($0) < 0.001 } == true)
            if ran { #expect(offset("startTime").map { abs($0 - 1) < 0.001 } == true) }
            if ended { #expect(offset("endTime").map { abs($0 - 2) < 0.001 } == true) }
            let lastChange: Double = state == "JOB_STATE_RUNNING" ? 1 : 2
            #expect(offset("updateTime").map { abs($0 - lastChange) < 0.001 } == true)
            for field in ["createTime", "startTime", "endTime", "updateTime"] {
                if let text = job[field]?.asString { #expect(text.hasSuffix("Z"), "\(field) \(text)") }
            }

            if state == "JOB_STATE_FAILED" {
                #expect(job["error"]?["code"]?.asNumber == 8)
                #expect(job["error"]?["message"]?.asString == "Replicas low on disk: workerpool0.")
            }
            if state == "JOB_STATE_CANCELLED" { #expect(job["error"]?["code"]?.asNumber == 1) }
            #expect(job["labels"] == .object([("team", .string("ml")), ("wandb-run-id", .string("k3x9ab12"))]))

            // int64 fields are strings, int32 fields numbers, as the REST mapping of protobuf writes them.
            let pool = job["jobSpec"]?["workerPoolSpecs"]?.asArray.first
            #expect(pool?["replicaCount"]?.asString == "1")
            #expect(pool?["diskSpec"]?["bootDiskSizeGb"]?.asNumber != nil)
            #expect(pool?["machineSpec"]?["machineType"]?.asString == "n1-standard-8")

            let listed = try await harness.listJobs([("filter", "state=\(state)")])
            #expect(listed.jobs == [job])
        }
    }

    // MARK: - Filters

    /// Four jobs: a at 0s, b at 10s, c at 20s, d at 30s.
    static let filterScenario = Fixture.scenario(timeline: [
        Fixture.createJob(
            at: "0s", id: Fixture.jobID(1), displayName: "train-resnet50",
            labels: ["wandb-run-id": "run-a", "team": "vision"], state: "JOB_STATE_RUNNING"),
        Fixture.createJob(
            at: "10s", id: Fixture.jobID(2), displayName: "train-bert", labels: ["wandb-run-id": "run-b"]),
        Fixture.step(
            "12s", "failJob", [("id", .string(Fixture.jobID(2))), ("message", .string("The replica exited."))]),
        Fixture.createJob(at: "20s", id: Fixture.jobID(3), displayName: "eval-resnet50", state: "JOB_STATE_SUCCEEDED"),
        Fixture.createJob(at: "30s", id: Fixture.jobID(4), displayName: "train-resnet50-v2", labels: ["team": "nlp"]),
    ])

    static let filters: [(filter: String, expected: String)] = [
        ("", "abcd"),
        ("   ", "abcd"),
        ("display_name=\"train-bert\"", "b"),
        ("display_name=train-bert", "b"),
        ("display_name!=\"train-bert\"", "acd"),
        ("display_name:\"train-*\"", "abd"),
        ("display_name:\"*resnet50\"", "ac"),
        ("display_name:\"*resnet*\"", "acd"),
        ("display_name:\"train-resnet50\"", "a"),
        ("displayName=\"eval-resnet50\"", "c"),
        ("state=\"JOB_STATE_FAILED\"", "b"),
        ("state=JOB_STATE_QUEUED", "d"),
        ("state!=\"JOB_STATE_FAILED\"", "acd"),
        ("create_time>\"{15}\"", "cd"),
        ("create_time>=\"{20}\"", "cd"),
        ("create_time<\"{20}\"", "ab"),
        ("create_time<=\"{20}\"", "abc"),
        ("create_time=\"{20}\"", "c"),
        ("create_time!=\"{20}\"", "abd"),
        ("create_time>\"{15+00:00}\"", "cd"),
        ("create_time>\"{15-05:00}\"", "cd"),
        ("create_time<\"{15+02:00}\"", "ab"),
        ("create_time>\"{-1}\" AND create_time<\"{25}\"", "abc"),
        ("labels.wandb-run-id=\"run-a\"", "a"),
        ("labels.wandb-run-id=run-b", "b"),
        ("labels.wandb-run-id=\"run-c\"", ""),
        ("labels.team:*", "ad"),
        ("labels.missing:*", ""),
        ("NOT labels.team:*", "bc"),
        ("-labels.team:*", "bc"),
        ("state=\"JOB_STATE_RUNNING\" OR state=\"JOB_STATE_QUEUED\"", "ad"),
        ("labels.team:* AND display_name:\"train-*\"", "ad"),
        ("labels.team:* display_name:\"*v2\"", "d"),
        // OR binds tighter than AND (AIP-160): c AND (SUCCEEDED OR FAILED).
        ("display_name=\"eval-resnet50\" AND state=\"JOB_STATE_SUCCEEDED\" OR state=\"JOB_STATE_FAILED\"", "c"),
        ("(display_name=\"eval-resnet50\" AND state=\"JOB_STATE_SUCCEEDED\") OR state=\"JOB_STATE_FAILED\"", "bc"),
        ("NOT (state=\"JOB_STATE_RUNNING\" OR state=\"JOB_STATE_QUEUED\")", "bc"),
        ("NOT state=\"JOB_STATE_RUNNING\" OR state=\"JOB_STATE_QUEUED\"", "bcd"),
        ("labels.wandb-run-id=\"run-a\" AND create_time>\"{-1}\"", "a"),
        ("((labels.team=\"nlp\"))", "d"),
        // The REST reference's camelCase spelling of create_time.
        ("createTime>\"{15}\"", "cd"),
    ]

    @Test("filters select jobs server-side", arguments: filters)
    func filter(_ filter: String, expected: String) async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.filterScenario) { harness in
            await harness.state.advance(by: 40)
            let text = Self.substituteTimes(filter, epoch: await harness.state.epoch)
            let list = try await harness.listJobs([("filter", text)])
            #expect(list.reply.status == 200, "\(text): \(String(decoding: list.reply.body, as: UTF8.self))")
            let letters = list.jobs.compactMap { job -> String? in
                guard let name = job["name"]?.asString, let number = name.last?.wholeNumberValue else { return nil }
                return ["a", "b", "c", "d"][number - 1]
            }
            #expect(letters.joined() == expected, "filter \(text)")
        }
    }

    @Test("a timestamp read from a job matches that job exactly")
    func filterByRenderedTimestamp() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: [])) { harness in
            // Created through the API, the job's createTime has sub-second digits.
            let body: JSONValue = .object([("displayName", .string("x")), ("jobSpec", .object([]))])
            let created = try await harness.send("POST", Fixture.jobsPath, json: body)
            let createTime = try #require(created.json?["createTime"]?.asString)
            for (filter, count) in [("=", 1), (">=", 1), ("<=", 1), (">", 0), ("<", 0), ("!=", 0)] {
                let list = try await harness.listJobs([("filter", "create_time\(filter)\"\(createTime)\"")])
                #expect(list.jobs.count == count, "create_time\(filter)\(createTime)")
            }
        }
    }

    static let badFilters = [
        "display_name=", "display_name", "state>\"JOB_STATE_RUNNING\"", "state:\"JOB_STATE_RUNNING\"",
        "unknown_field=\"x\"", "(state=\"JOB_STATE_RUNNING\"", "state=\"JOB_STATE_RUNNING\")",
        "display_name=\"x\" AND", "display_name=\"x\" OR OR state=\"JOB_STATE_RUNNING\"", "display_name=\"unterminated",
        "create_time>\"yesterday\"", "state=\"JOB_STATE_SUCCESS\"", "create_time:\"2025-01-01T00:00:00Z\"", "NOT",
        "display_name!\"x\"", "AND",
    ]

    @Test("a filter the service cannot read is a 400 INVALID_ARGUMENT envelope", arguments: badFilters)
    func badFilter(_ filter: String) async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.filterScenario) { harness in
            let list = try await harness.listJobs([("filter", filter)])
            #expect(list.reply.status == 400, "filter \(filter)")
            let error = try #require(list.reply.json?["error"])
            #expect(error["code"]?.asNumber == 400)
            #expect(error["status"]?.asString == "INVALID_ARGUMENT")
            #expect(error["message"]?.asString?.isEmpty == false)
            #expect(list.reply.json?.asKeys == ["error"])
        }
    }

    static let undocumentedFilters: [(filter: String, field: String)] = [
        ("update_time>=\"2026-01-01T00:00:00Z\"", "update_time"),
        ("updateTime>=\"2026-01-01T00:00:00Z\"", "updateTime"),
        ("start_time>\"2026-01-01T00:00:00Z\"", "start_time"),
        ("end_time<\"2026-01-01T00:00:00Z\"", "end_time"),
        ("labels.team!=\"nlp\"", "labels.team"),
        ("labels.team>\"a\"", "labels.team"),
        ("labels.team:\"vis*\"", "labels.team"),
        ("labels.team:* AND (state=\"JOB_STATE_RUNNING\" OR update_time>\"2026-01-01T00:00:00Z\")", "update_time"),
        ("name=\"x\"", "name"),
    ]

    @Test(
        "fields and operators the reference does not document for customJobs.list are 400 INVALID_ARGUMENT naming the field",
        arguments: undocumentedFilters)
    func undocumentedFilter(_ filter: String, field: String) async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.filterScenario) { harness in
            let list = try await harness.listJobs([("filter", filter)])
            #expect(list.reply.status == 400, "filter \(filter)")
            let error = try #require(list.reply.json?["error"])
            #expect(error["status"]?.asString == "INVALID_ARGUMENT")
            let message = try #require(error["message"]?.asString)
            #expect(message.contains("\"\(field)\""), "\(message)")
        }
    }

    @Test("a scenario's vertex.rejectFilterFields makes documented fields 400 too; the rest still work")
    func scenarioRejectsDocumentedField() async throws {
        guard case .object(var scenario) = try JSONParser.parse(Data(Self.filterScenario.utf8)) else {
            Issue.record("the filter scenario is not an object")
            return
        }
        scenario.append(("vertex", .object([("rejectFilterFields", .array([.string("createTime")]))])))
        try await EmulatorHarness.with(scenarioJSON: JSONValue.object(scenario).jsonText) { harness in
            await harness.state.advance(by: 40)
            for filter in ["create_time>\"2020-01-01T00:00:00Z\"", "createTime>\"2020-01-01T00:00:00Z\""] {
                let list = try await harness.listJobs([("filter", "labels.team:* AND " + filter)])
                #expect(list.reply.status == 400)
                #expect(list.reply.json?["error"]?["status"]?.asString == "INVALID_ARGUMENT")
                #expect(list.reply.json?["error"]?["message"]?.asString?.contains("create") == true)
            }
            let list = try await harness.listJobs([("filter", "labels.team:*")])
            #expect(list.reply.status == 200)
            #expect(list.jobs.count == 2)
        }
    }

    @Test("a scenario naming an undocumented or unknown field in rejectFilterFields is an error with its path")
    func scenarioRejectFilterFieldsValidated() throws {
        let text = #"{"name": "x", "vertex": {"rejectFilterFields": ["labels", "update_time", "stat"]}}"#
        let error = try #require(throws: ScenarioError.self) { try Scenario(json: Data(text.utf8)) }
        #expect(error.problems.map(\.path) == ["vertex.rejectFilterFields[1]", "vertex.rejectFilterFields[2]"])
        #expect(error.problems.last?.message.contains("did you mean \"state\"") == true)
        let fine = try Scenario(json: Data(#"{"name": "x", "vertex": {"rejectFilterFields": ["displayName"]}}"#.utf8))
        #expect(fine.vertex.rejectFilterFields == ["display_name"])
    }

    /// Replaces `{15}` with the RFC 3339 time 15 s after `epoch` (UTC, `Z`) and `{15+02:00}` with the
    /// same instant written in that offset.
    static func substituteTimes(_ filter: String, epoch: Date) -> String {
        var result = filter
        while let open = result.firstIndex(of: "{"), let close = result[open...].firstIndex(of: "}") {
            var inside = result[result.index(after: open)..<close]
            let negative = inside.first == "-"
            if negative { inside = inside.dropFirst() }
            let digits = inside.prefix { $0.isNumber }
            let seconds = (Double(digits) ?? 0) * (negative ? -1 : 1)
            let zone = String(inside.dropFirst(digits.count))
            result.replaceSubrange(open...close, with: timestamp(epoch.addingTimeInterval(seconds), zone: zone))
        }
        return result
    }

    /// `date` as RFC 3339 with microseconds (the precision the service writes) in the offset `zone`
    /// (`+02:00`), or in UTC with `Z`.
    static func timestamp(_ date: Date, zone: String) -> String {
        var minutes = 0
        if zone.count == 6, let hours = Int(zone.dropFirst().prefix(2)), let rest = Int(zone.suffix(2)) {
            minutes = (hours * 60 + rest) * (zone.hasPrefix("-") ? -1 : 1)
        }
        // Rounded as the emulator rounds, so that `{20}` is exactly the createTime of a job made at 20 s.
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let microseconds = min(Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded()), 999_999)
        let whole = Date(timeIntervalSince1970: seconds)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(secondsFromGMT: minutes * 60)
        var text = formatter.string(from: whole)
        let suffixLength = minutes == 0 ? 1 : 6
        text.insert(
            contentsOf: String(format: ".%06ld", microseconds),
            at: text.index(text.endIndex, offsetBy: -suffixLength))
        return text
    }

    // MARK: - Pagination

    @Test("pageSize splits the list into exact pages whose tokens lead through every job once")
    func pagination() async throws {
        let timeline = (1...7).map { Fixture.createJob(at: "\($0)s", id: Fixture.jobID($0), displayName: "job-\($0)") }
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: timeline)) { harness in
            await harness.state.advance(by: 10)
            var names: [String] = []
            var sizes: [Int] = []
            var token: String?
            repeat {
                var query = [("pageSize", "3")]
                if let token { query.append(("pageToken", token)) }
                let page = try await harness.listJobs(query)
                #expect(page.reply.status == 200)
                names += page.jobs.compactMap { $0["displayName"]?.asString }
                sizes.append(page.jobs.count)
                token = page.nextPageToken
            } while token != nil && sizes.count < 10
            #expect(sizes == [3, 3, 1])
            #expect(names == (1...7).map { "job-\($0)" })

            // Exactly one page's worth: no token on the last page.
            let six = try await harness.listJobs([("pageSize", "6")])
            let rest = try await harness.listJobs([("pageSize", "6"), ("pageToken", try #require(six.nextPageToken))])
            #expect(rest.jobs.count == 1)
            #expect(rest.nextPageToken == nil)
            let seven = try await harness.listJobs([("pageSize", "7")])
            #expect(seven.jobs.count == 7)
            #expect(seven.nextPageToken == nil)
            #expect(seven.reply.json?.asKeys == ["customJobs"])
        }
    }

    @Test("pageSize 0 or absent means 100, larger sizes are capped at 1000, a negative one is rejected")
    func pageSizes() async throws {
        let timeline = (1...101).map { Fixture.createJob(id: Fixture.jobID($0), displayName: "job-\($0)") }
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: timeline)) { harness in
            let absent = try await harness.listJobs()
            #expect(absent.jobs.count == 100)
            #expect(absent.nextPageToken != nil)
            let zero = try await harness.listJobs([("pageSize", "0")])
            #expect(zero.jobs.count == 100)
            let large = try await harness.listJobs([("pageSize", "5000")])
            #expect(large.jobs.count == 101)
            #expect(large.nextPageToken == nil)
            for bad in ["-1", "ten"] {
                let reply = try await harness.listJobs([("pageSize", bad)])
                #expect(reply.reply.status == 400)
                #expect(reply.reply.errorStatus == "INVALID_ARGUMENT")
            }
        }
    }

    @Test("a scenario's vertex.maxPageSize brings a larger pageSize down to it; the rest comes by page token")
    func maxPageSize() async throws {
        let timeline = (1...25).map { Fixture.createJob(id: Fixture.jobID($0), displayName: "job-\($0)") }
        guard case .object(var scenario) = try JSONParser.parse(Data(Fixture.scenario(timeline: timeline).utf8)) else {
            return
        }
        scenario.append(("vertex", .object([("maxPageSize", .number(10))])))
        try await EmulatorHarness.with(scenarioJSON: JSONValue.object(scenario).jsonText) { harness in
            let first = try await harness.listJobs([("pageSize", "1000")])
            #expect(first.jobs.count == 10)
            let token = try #require(first.nextPageToken)
            let second = try await harness.listJobs([("pageSize", "1000"), ("pageToken", token)])
            #expect(second.jobs.count == 10)
        }
        #expect(throws: ScenarioError.self) {
            try Scenario(json: Data(#"{"name": "x", "vertex": {"maxPageSize": 0}}"#.utf8))
        }
    }

    @Test("page tokens are opaque, safe in a URL, and bound to the filter that made them")
    func pageTokens() async throws {
        let timeline = (1...5).map {
            Fixture.createJob(
                id: Fixture.jobID($0), displayName: "job-\($0)", labels: ["k": $0 % 2 == 0 ? "even" : "odd"])
        }
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: timeline)) { harness in
            let first = try await harness.listJobs([("pageSize", "2"), ("filter", "labels.k=odd")])
            #expect(first.jobs.count == 2)
            let token = try #require(first.nextPageToken)
            #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })

            let second = try await harness.listJobs([
                ("pageSize", "2"), ("filter", "labels.k=odd"), ("pageToken", token),
            ])
            #expect(second.reply.status == 200)
            #expect(second.jobs.compactMap { $0["displayName"]?.asString } == ["job-5"])

            let otherFilter = try await harness.listJobs([
                ("pageSize", "2"), ("filter", "labels.k=even"), ("pageToken", token),
            ])
            #expect(otherFilter.reply.status == 400)
            #expect(otherFilter.reply.errorStatus == "INVALID_ARGUMENT")
            let noFilter = try await harness.listJobs([("pageSize", "2"), ("pageToken", token)])
            #expect(noFilter.reply.status == 400)

            for garbage in ["garbage", "!!!", "MTAw", token + "x"] {
                let reply = try await harness.listJobs([("pageToken", garbage), ("filter", "labels.k=odd")])
                #expect(reply.reply.status == 400, "token \(garbage)")
                #expect(reply.reply.errorStatus == "INVALID_ARGUMENT")
            }
        }
    }

    // MARK: - Access and errors

    @Test("a request without a token is 401 UNAUTHENTICATED with WWW-Authenticate")
    func missingToken() async throws {
        let scenario = Fixture.scenario(timeline: [Fixture.createJob(id: Fixture.jobID(1), displayName: "job")])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            for path in [Fixture.jobsPath, Fixture.jobPath(Fixture.jobID(1))] {
                let reply = try await harness.send("GET", path, token: nil)
                #expect(reply.status == 401)
                #expect(reply.errorStatus == "UNAUTHENTICATED")
                #expect(reply.json?["error"]?["code"]?.asNumber == 401)
                #expect(reply.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            }
        }
    }

    @Test("a forbidden token is 403 PERMISSION_DENIED; an unknown token under strict auth is 401")
    func tokenProblems() async throws {
        let scenario = Fixture.scenario(
            timeline: [Fixture.createJob(id: Fixture.jobID(1), displayName: "job")],
            auth: .object([
                ("accessTokens", .array([.string(Fixture.token)])),
                ("forbiddenTokens", .array([.string(Fixture.forbiddenToken)])),
            ]))
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let forbidden = try await harness.send("GET", Fixture.jobsPath, token: Fixture.forbiddenToken)
            #expect(forbidden.status == 403)
            #expect(forbidden.errorStatus == "PERMISSION_DENIED")
            let unknown = try await harness.send("GET", Fixture.jobsPath, token: "ya29.someone-else")
            #expect(unknown.status == 401)
            #expect(unknown.errorStatus == "UNAUTHENTICATED")
            #expect(unknown.headers["www-authenticate"]?.contains("invalid_token") == true)
            let valid = try await harness.send("GET", Fixture.jobsPath)
            #expect(valid.status == 200)
        }
    }

    @Test("another project is 403 PERMISSION_DENIED naming the permission")
    func wrongProject() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: [])) { harness in
            let list = try await harness.send("GET", "/v1/projects/someone-else/locations/us-central1/customJobs")
            #expect(list.status == 403)
            #expect(list.errorStatus == "PERMISSION_DENIED")
            #expect(list.errorMessage?.contains("aiplatform.customJobs.list") == true)
            let get = try await harness.send(
                "GET", "/v1/projects/someone-else/locations/us-central1/customJobs/\(Fixture.jobID(1))")
            #expect(get.status == 403)
            #expect(get.errorMessage?.contains("aiplatform.customJobs.get") == true)
        }
    }

    @Test("an unknown job, or a job asked for in another region, is 404 NOT_FOUND")
    func unknownJob() async throws {
        let scenario = Fixture.scenario(timeline: [Fixture.createJob(id: Fixture.jobID(1), displayName: "job")])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let unknown = try await harness.send("GET", Fixture.jobPath(Fixture.jobID(2)))
            #expect(unknown.status == 404)
            #expect(unknown.errorStatus == "NOT_FOUND")
            #expect(unknown.json?["error"]?["code"]?.asNumber == 404)
            #expect(unknown.errorMessage?.contains(Fixture.jobID(2)) == true)
            let otherRegion = try await harness.send(
                "GET", "/v1/projects/\(Fixture.project)/locations/europe-west4/customJobs/\(Fixture.jobID(1))")
            #expect(otherRegion.status == 404)
            let regionList = try await harness.send(
                "GET", "/v1/projects/\(Fixture.project)/locations/europe-west4/customJobs")
            #expect(regionList.json == .object([]))
        }
    }

    @Test("an unknown path is a 404 envelope")
    func unknownPath() async throws {
        try await EmulatorHarness.with(scenarioJSON: Fixture.scenario(timeline: [])) { harness in
            let reply = try await harness.send("GET", "/v1/projects/\(Fixture.project)/locations/us-central1/nothing")
            #expect(reply.status == 404)
            #expect(reply.errorStatus == "NOT_FOUND")
        }
    }

    // MARK: - Scenario time

    @Test("a job created at 4s is absent at 3s and present at 4s, in list and get")
    func timeGating() async throws {
        let id = Fixture.jobID(1)
        let scenario = Fixture.scenario(timeline: [
            Fixture.createJob(at: "4s", id: id, displayName: "later"),
            Fixture.step("9s", "setJobState", [("id", .string(id)), ("state", .string("JOB_STATE_RUNNING"))]),
        ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            await harness.state.advance(by: 3)
            #expect(try await harness.listJobs().jobs.isEmpty)
            #expect(try await harness.send("GET", Fixture.jobPath(id)).status == 404)

            await harness.state.advance(by: 1)
            #expect(try await harness.listJobs().jobs.count == 1)
            let queued = try await harness.send("GET", Fixture.jobPath(id))
            #expect(queued.json?["state"]?.asString == "JOB_STATE_QUEUED")
            #expect(queued.json?["startTime"] == nil)

            let advanced = try await harness.send("POST", "/_emulator/advance", json: .object([("by", .string("5s"))]))
            #expect(advanced.status == 200)
            let running = try await harness.send("GET", Fixture.jobPath(id))
            #expect(running.json?["state"]?.asString == "JOB_STATE_RUNNING")
            let epoch = await harness.state.epoch
            let started = running.json?["startTime"]?.asString.flatMap(RFC3339.date(from:))
            #expect(started.map { abs($0.timeIntervalSince(epoch) - 9) < 0.001 } == true)
        }
    }
}
