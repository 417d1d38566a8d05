import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

@Suite("Cloud Logging entries:list")
struct LoggingTests {
    typealias G = GoogleServices

    static let stderrLog = "projects/\(G.project)/logs/run.googleapis.com%2Fstderr"

    /// Six entries one second apart, readable two minutes after they were written.
    static let scenario = G.scenario(
        logs: .object([("ingestionDelay", .string("2m"))]),
        timeline: [
            G.log(
                at: "0s", id: "a1", severity: "INFO", resourceLabels: ["job_id": "42", "task_name": "workerpool0-0"],
                text: "Starting training"),
            G.log(
                at: "1s", id: "a2", severity: "WARNING", resourceLabels: ["job_id": "42"], message: "Disk almost full"),
            G.log(
                at: "2s", id: "a3", severity: "ERROR", resourceLabels: ["job_id": "42"],
                message: "Replicas low on disk: workerpool0"),
            G.log(
                at: "3s", id: "b1", severity: "ERROR", resource: "cloud_run_job",
                resourceLabels: ["job_name": "launch-agent", "location": G.region],
                labels: ["run.googleapis.com/execution_name": "launch-agent-abc12"],
                text: "agent failed: image not found"),
            G.log(
                at: "4s", id: "b2", severity: "critical", resource: "cloud_run_job",
                resourceLabels: ["job_name": "launch-agent"], text: "Traceback (most recent call last)",
                logName: stderrLog),
            G.log(at: "5s", id: "c1", resource: "global", text: "a line without severity"),
        ])

    /// Runs `body` with every entry of `scenario` readable.
    static func withReadableEntries(_ body: @Sendable (EmulatorHarness) async throws -> Void) async throws {
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            await harness.state.advance(by: 200)
            try await body(harness)
        }
    }

    @Test("an entry is readable only once scenario time passes its ingestion delay")
    func ingestionDelay() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.scenario) { harness in
            let early = try await harness.listEntries()
            #expect(early.reply.status == 200)
            #expect(early.reply.json == .object([]))

            await harness.state.advance(by: 121.5)  // a1 (0s) and a2 (1s) are readable, a3 (2s) not yet
            #expect(try await harness.listAllInsertIDs().ids == ["a1", "a2"])

            let advanced = try await harness.googleCall(
                "POST", "/_emulator/advance", token: nil, json: .object([("by", .string("5s"))]))
            #expect(advanced.status == 200)
            #expect(try await harness.listAllInsertIDs().ids == ["a1", "a2", "a3", "b1", "b2", "c1"])
        }
    }

    @Test("an entry's own ingestionDelay overrides the scenario's")
    func perEntryDelay() async throws {
        let scenario = G.scenario(
            logs: .object([("ingestionDelay", .string("3m"))]),
            timeline: [
                G.log(at: "0s", id: "slow", text: "slow"),
                G.step(
                    "0s", "writeLog",
                    [
                        ("insertId", .string("fast")), ("textPayload", .string("fast")),
                        ("ingestionDelay", .string("5s")),
                    ]),
            ])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            await harness.state.advance(by: 10)
            let early = try await harness.listAllInsertIDs().ids
            #expect(early == ["fast"])
            await harness.state.advance(by: 180)
            let later = try await harness.listAllInsertIDs().ids
            #expect(later == ["fast", "slow"])
        }
    }

    @Test("entries have the REST LogEntry shape")
    func entryShape() async throws {
        try await Self.withReadableEntries { harness in
            let entries = try await harness.listEntries().entries
            try #require(entries.count == 6)
            let a3 = entries[2]
            #expect(
                G.keys(a3) == [
                    "insertId", "jsonPayload", "resource", "timestamp", "severity", "logName", "receiveTimestamp",
                ])
            #expect(a3["jsonPayload"] == .object([("message", .string("Replicas low on disk: workerpool0"))]))
            #expect(a3["resource"] == .object([("type", .string("ml_job")), ("labels", G.object(["job_id": "42"]))]))
            #expect(G.string(a3["logName"]) == "projects/\(G.project)/logs/workerpool0-0")
            #expect(G.string(a3["severity"]) == "ERROR")
            let timestamp = try #require(G.string(a3["timestamp"]))
            let received = try #require(G.string(a3["receiveTimestamp"]))
            #expect(timestamp.hasSuffix("Z") && received.hasSuffix("Z"))
            let epoch = await harness.state.epoch
            let parsed = try #require(RFC3339.date(from: timestamp))
            #expect(abs(parsed.timeIntervalSince(epoch) - 2) < 0.001)
            let receivedDate = try #require(RFC3339.date(from: received))
            #expect(receivedDate > parsed)

            #expect(G.string(entries[1]["severity"]) == "WARNING")
            #expect(G.string(entries[4]["severity"]) == "CRITICAL")  // written "critical" in the scenario
            #expect(G.string(entries[0]["textPayload"]) == "Starting training")
            #expect(entries[3]["labels"] == G.object(["run.googleapis.com/execution_name": "launch-agent-abc12"]))
            #expect(entries[0]["labels"] == nil)
            // DEFAULT is the enum's zero value: left out, as Google's JSON mapping does.
            #expect(entries[5]["severity"] == nil)
        }
    }

    @Test("orderBy: timestamp asc by default, timestamp desc reversed, anything else (other casing too) 400")
    func ordering() async throws {
        try await Self.withReadableEntries { harness in
            let all = ["a1", "a2", "a3", "b1", "b2", "c1"]
            #expect(try await harness.listAllInsertIDs().ids == all)
            #expect(try await harness.listAllInsertIDs([("orderBy", .string("timestamp asc"))]).ids == all)
            #expect(try await harness.listAllInsertIDs([("orderBy", .string("timestamp desc"))]).ids == all.reversed())
            // The reference permits exactly two values: no other casing, spacing, or bare field name.
            for bad in [
                "insertId desc", "timestamp sideways", "severity", "TIMESTAMP DESC", "timestamp  desc", "timestamp",
            ] {
                let reply = try await harness.listEntries([("orderBy", .string(bad))]).reply
                #expect(reply.status == 400, "\(bad)")
                #expect(reply.errorStatus == "INVALID_ARGUMENT")
            }
        }
    }

    static let filterCases: [(filter: String, expected: [String])] = [
        ("", ["a1", "a2", "a3", "b1", "b2", "c1"]),
        ("severity>=ERROR", ["a3", "b1", "b2"]),
        ("severity = WARNING", ["a2"]),
        ("severity!=ERROR", ["a1", "a2", "b2", "c1"]),
        ("severity<WARNING", ["a1", "c1"]),
        ("severity<=INFO", ["a1", "c1"]),
        ("severity>error", ["b2"]),
        ("severity>=\"ERROR\"", ["a3", "b1", "b2"]),
        ("severity>=500", ["a3", "b1", "b2"]),
        ("severity=DEFAULT", ["c1"]),
        ("resource.type=\"ml_job\"", ["a1", "a2", "a3"]),
        ("resource.type=ML_JOB", ["a1", "a2", "a3"]),
        ("resource.labels.job_id=\"42\" AND severity>=ERROR", ["a3"]),
        ("resource.labels.task_name:*", ["a1"]),
        ("labels.\"run.googleapis.com/execution_name\"=\"launch-agent-abc12\"", ["b1"]),
        ("labels.\"run.googleapis.com/execution_name\"!=\"other\"", ["b1"]),
        ("textPayload:\"image not\"", ["b1"]),
        ("textPayload:TRACEBACK", ["b2"]),
        ("jsonPayload.message:\"low on disk\"", ["a3"]),
        ("jsonPayload.message:*", ["a2", "a3"]),
        ("jsonPayload.message=\"disk almost full\"", ["a2"]),
        ("logName=\"\(stderrLog)\"", ["b2"]),
        ("log_id(\"run.googleapis.com/stderr\")", ["b2"]),
        ("insertId>\"a2\"", ["a3", "b1", "b2", "c1"]),
        ("insertId<=\"a2\"", ["a1", "a2"]),
        ("insertId=\"b1\"", ["b1"]),
        ("textPayload=~\"^Start\"", ["a1"]),
        ("textPayload!~\"^[a-z]\"", ["a1", "b2"]),
        ("\"almost full\"", ["a2"]),
        ("NOT severity>=ERROR", ["a1", "a2", "c1"]),
        ("-resource.type=\"ml_job\"", ["b1", "b2", "c1"]),
        ("resource.type=\"ml_job\" OR severity=CRITICAL", ["a1", "a2", "a3", "b2"]),
        ("resource.type=\"ml_job\" severity>=WARNING", ["a2", "a3"]),
        ("resource.type=\"ml_job\"\n  AND severity>=WARNING", ["a2", "a3"]),
        // OR binds tighter than AND: (INFO OR CRITICAL) AND cloud_run_job.
        ("severity=INFO OR severity=CRITICAL AND resource.type=\"cloud_run_job\"", ["b2"]),
        // NOT binds tightest: (NOT INFO) AND ml_job.
        ("NOT severity=INFO AND resource.type=\"ml_job\"", ["a2", "a3"]),
        ("(severity=INFO OR severity=WARNING) AND jsonPayload.message:disk", ["a2"]),
        ("NOT (resource.type=\"ml_job\" OR resource.type=\"global\")", ["b1", "b2"]),
        ("resource.type=(\"ml_job\" OR \"cloud_run_job\") AND severity=ERROR", ["a3", "b1"]),
        ("jsonPayload.missing=\"x\"", []),
        ("jsonPayload.missing!=\"x\"", []),
        ("NOT jsonPayload.message:*", ["a1", "b1", "b2", "c1"]),
    ]

    @Test("filter operators", arguments: filterCases)
    func filter(_ filter: String, expected: [String]) async throws {
        try await Self.withReadableEntries { harness in
            let listed = try await harness.listAllInsertIDs([("filter", .string(filter))])
            #expect(listed.ids == expected, "\(filter)")
        }
    }

    @Test("timestamp comparisons, with Z, +00:00 and +0000, and the gapless incremental query")
    func timestamps() async throws {
        try await Self.withReadableEntries { harness in
            let entries = try await harness.listEntries().entries
            let t3 = try #require(G.string(entries[2]["timestamp"]))
            let cases: [(String, [String])] = [
                ("timestamp>=\"\(t3)\"", ["a3", "b1", "b2", "c1"]),
                ("timestamp>\"\(t3)\"", ["b1", "b2", "c1"]),
                ("timestamp=\"\(t3)\"", ["a3"]),
                ("timestamp<\"\(t3)\"", ["a1", "a2"]),
                ("timestamp<=\"\(t3)\"", ["a1", "a2", "a3"]),
                ("timestamp!=\"\(t3)\"", ["a1", "a2", "b1", "b2", "c1"]),
                ("(timestamp=\"\(t3)\" AND insertId>\"a3\") OR timestamp>\"\(t3)\"", ["b1", "b2", "c1"]),
                ("(timestamp=\"\(t3)\" AND insertId>\"a2\") OR timestamp>\"\(t3)\"", ["a3", "b1", "b2", "c1"]),
            ]
            for (filter, expected) in cases {
                #expect(try await harness.listAllInsertIDs([("filter", .string(filter))]).ids == expected, "\(filter)")
            }
            // The same instant with an offset, as Python's strftime("%z") writes it, and with a colon.
            let epoch = await harness.state.epoch
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"
            let base = formatter.string(from: epoch.addingTimeInterval(2.5))
            for zone in ["+0000", "+00:00", "Z"] {
                let filter = "timestamp>=\"\(base)\(zone)\""
                #expect(
                    try await harness.listAllInsertIDs([("filter", .string(filter))]).ids == ["b1", "b2", "c1"],
                    "\(filter)")
            }
            let shifted = formatter.string(from: epoch.addingTimeInterval(2.5 + 3600)) + "+01:00"
            #expect(
                try await harness.listAllInsertIDs([("filter", .string("timestamp<\"\(shifted)\""))]).ids == [
                    "a1", "a2", "a3",
                ])
        }
    }

    static let badFilters = [
        "severity>=", "(severity=ERROR", "severity=ERROR)", "AND severity=ERROR", "severity=ERROR OR", "NOT",
        "severity>=LOUD", "timestamp>\"yesterday\"", "textPayload:\"unterminated", "=ERROR", "severity ! ERROR",
        "textPayload=~\"(\"", "resource.type=(\"a\" OR", "labels.=\"x\"", "search(\"x\")", "()",
    ]

    @Test("a filter that does not parse is 400 INVALID_ARGUMENT", arguments: badFilters)
    func badFilter(_ filter: String) async throws {
        try await Self.withReadableEntries { harness in
            let reply = try await harness.listEntries([("filter", .string(filter))]).reply
            #expect(reply.status == 400, "\(filter)")
            #expect(reply.errorStatus == "INVALID_ARGUMENT")
            #expect(reply.errorMessage?.isEmpty == false)
        }
    }

    @Test("a filter longer than 20,000 characters is refused; one of 20,000 is read")
    func filterLength() async throws {
        try await Self.withReadableEntries { harness in
            let clause = "severity>=ERROR"
            let padding = String(repeating: " ", count: 20_000 - clause.count)
            let longest = try await harness.listEntries([("filter", .string(clause + padding))])
            #expect(longest.reply.status == 200)
            #expect(longest.entries.count == 3)
            let tooLong = try await harness.listEntries([("filter", .string(clause + padding + " "))]).reply
            #expect(tooLong.status == 400)
            #expect(tooLong.errorStatus == "INVALID_ARGUMENT")
        }
    }

    @Test("resourceNames: the scenario's project by id or number; other projects 403; malformed 400")
    func resourceNames() async throws {
        try await Self.withReadableEntries { harness in
            let cases: [(JSONValue?, Int)] = [
                (.array([.string("projects/\(G.project)")]), 200),
                (.array([.string("projects/\(G.projectNumber)")]), 200),
                (.array([.string("projects/\(G.project)/locations/global/buckets/_Default/views/_AllLogs")]), 200),
                (.array([.string("projects/someone-else")]), 403),
                (.array([.string("projects/\(G.project)"), .string("projects/someone-else")]), 403),
                (.array([.string("folders/123")]), 403),
                (.array([.string("organizations/1")]), 403),
                (.array([.string("project/\(G.project)")]), 400),
                (.array([.string(G.project)]), 400),
                (.array([.string("projects/")]), 400),
                (.array([]), 400),
                (.array([.number(1)]), 400),
                (.string("projects/\(G.project)"), 400),
                (nil, 400),
            ]
            for (names, status) in cases {
                let body: JSONValue = .object(names.map { [("resourceNames", $0)] } ?? [])
                let reply = try await harness.googleCall("POST", "/v2/entries:list", json: body)
                #expect(reply.status == status, "\(body.jsonText)")
                if status != 200 {
                    #expect(reply.errorStatus == (status == 403 ? "PERMISSION_DENIED" : "INVALID_ARGUMENT"))
                }
            }
            let byProjectIds = try await harness.googleCall(
                "POST", "/v2/entries:list", json: .object([("projectIds", .array([.string(G.project)]))]))
            #expect(byProjectIds.status == 200)
            #expect(G.array(byProjectIds.json?["entries"]).count == 6)
            let snakeCase = try await harness.googleCall(
                "POST", "/v2/entries:list",
                json: .object([
                    ("resource_names", .array([.string("projects/\(G.project)")])), ("page_size", .number(2)),
                ]))
            #expect(G.array(snakeCase.json?["entries"]).count == 2)
        }
    }

    @Test("an unknown member or a body that is not a JSON object is 400")
    func unknownMembers() async throws {
        try await Self.withReadableEntries { harness in
            let unknown = try await harness.listEntries([("pageSzie", .number(5))]).reply
            #expect(unknown.status == 400)
            #expect(unknown.errorMessage?.contains("pageSzie") == true)
            let notObject = try await harness.googleCall("POST", "/v2/entries:list", json: .array([]))
            #expect(notObject.status == 400)
            let wrongType = try await harness.listEntries([("filter", .number(3))]).reply
            #expect(wrongType.status == 400)
        }
    }

    @Test("bearer token: missing 401, unknown under strict auth 401, forbidden 403")
    func authentication() async throws {
        let scenario = G.scenario(
            auth: .object([
                ("strict", .bool(true)), ("accessTokens", .array([.string(G.token)])),
                ("forbiddenTokens", .array([.string("ya29.forbidden")])),
            ]),
            timeline: [G.log(at: "0s", id: "x", text: "x")])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            #expect(try await harness.listEntries().reply.status == 200)
            let missing = try await harness.listEntries(token: nil).reply
            #expect(missing.status == 401)
            #expect(missing.errorStatus == "UNAUTHENTICATED")
            #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            #expect(try await harness.listEntries(token: "ya29.unknown").reply.status == 401)
            let forbidden = try await harness.listEntries(token: "ya29.forbidden").reply
            #expect(forbidden.status == 403)
            #expect(forbidden.errorStatus == "PERMISSION_DENIED")
        }
    }

    static func manyEntries(_ count: Int) -> String {
        G.scenario(
            timeline: (1...count).map { number in
                G.log(
                    at: "\(number * 10)ms", id: String(format: "n%04d", number),
                    severity: number.isMultiple(of: 2) ? "ERROR" : "INFO", text: "line \(number)")
            })
    }

    @Test("pageSize: 50 by default, at most 1000, 0 means the default, negative or above 1000 is 400")
    func pageSizes() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.manyEntries(1005)) { harness in
            await harness.state.advance(by: 60)
            let first = try await harness.listEntries()
            #expect(first.entries.count == 50)
            #expect(first.nextPageToken != nil)
            #expect(try await harness.listEntries([("pageSize", .number(0))]).entries.count == 50)
            #expect(try await harness.listEntries([("pageSize", .string("7"))]).entries.count == 7)
            let largest = try await harness.listEntries([("pageSize", .number(1000))])
            #expect(largest.entries.count == 1000)
            #expect(largest.nextPageToken != nil)
            for bad: JSONValue in [.number(1001), .number(-1), .number(2.5), .string("many"), .bool(true)] {
                let reply = try await harness.listEntries([("pageSize", bad)]).reply
                #expect(reply.status == 400, "\(bad.jsonText)")
                #expect(reply.errorStatus == "INVALID_ARGUMENT")
            }
        }
    }

    @Test("paging with pageSize gives every entry once, in order, and the last page has no token")
    func paging() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.manyEntries(25)) { harness in
            await harness.state.advance(by: 10)
            let expected = (1...25).map { String(format: "n%04d", $0) }
            for size in [1, 2, 5, 7, 25, 26] {
                let listed = try await harness.listAllInsertIDs([("pageSize", .number(Double(size)))])
                #expect(listed.ids == expected, "pageSize \(size)")
                #expect(listed.pages == (25 + size - 1) / size, "pageSize \(size)")
            }
            let descending = try await harness.listAllInsertIDs([
                ("pageSize", .number(4)), ("orderBy", .string("timestamp desc")),
            ])
            #expect(descending.ids == expected.reversed())
            let errors = try await harness.listAllInsertIDs([
                ("pageSize", .number(3)), ("filter", .string("severity=ERROR")),
            ])
            #expect(errors.ids == expected.enumerated().filter { $0.offset.isMultiple(of: 2) == false }.map(\.element))
        }
    }

    @Test("a listing keeps to the entries readable when it began; the next listing sees the newer ones")
    func pagingWhileEntriesArrive() async throws {
        let scenario = G.scenario(
            logs: .object([("ingestionDelay", .string("1m"))]),
            timeline: (0..<12).map { number in
                G.log(at: "\(number * 10)s", id: String(format: "e%02d", number), text: "line \(number)")
            })
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            await harness.state.advance(by: 85)  // e00...e02 readable
            var ids: [String] = []
            var page = try await harness.listEntries([("pageSize", .number(2))])
            ids += page.entries.compactMap { G.string($0["insertId"]) }
            while let token = page.nextPageToken {
                await harness.state.advance(by: 30)  // more become readable mid-listing
                page = try await harness.listEntries([("pageSize", .number(2)), ("pageToken", .string(token))])
                ids += page.entries.compactMap { G.string($0["insertId"]) }
            }
            #expect(ids == ["e00", "e01", "e02"])
            let now = await harness.state.now
            let readable = (0..<12).filter { Double($0 * 10) + 60 <= now }.map { String(format: "e%02d", $0) }
            #expect(try await harness.listAllInsertIDs([("pageSize", .number(2))]).ids == readable)
        }
    }

    @Test("a page token works only with the request that made it")
    func pageTokens() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.manyEntries(10)) { harness in
            await harness.state.advance(by: 1)
            let first = try await harness.listEntries([("pageSize", .number(3)), ("filter", .string("line"))])
            let token = try #require(first.nextPageToken)
            let same = try await harness.listEntries([
                ("pageSize", .number(4)), ("filter", .string("line")), ("pageToken", .string(token)),
            ])
            #expect(same.reply.status == 200)
            #expect(same.entries.count == 4)
            let otherFilter = try await harness.listEntries([
                ("pageSize", .number(3)), ("filter", .string("severity=ERROR")), ("pageToken", .string(token)),
            ])
            #expect(otherFilter.reply.status == 400)
            let otherOrder = try await harness.listEntries([
                ("filter", .string("line")), ("orderBy", .string("timestamp desc")), ("pageToken", .string(token)),
            ])
            #expect(otherOrder.reply.status == 400)
            let garbage = try await harness.listEntries([("pageToken", .string("not-a-token"))])
            #expect(garbage.reply.status == 400)
            #expect(garbage.reply.errorStatus == "INVALID_ARGUMENT")
            let empty = try await harness.listEntries([("pageToken", .string(""))])
            #expect(empty.entries.count == 10)
        }
    }

    /// ERROR at 0s, INFO at 5s and 25s, ERROR at 50s and 95s; each call searches 10 s of log time.
    static let sparse = G.scenario(
        logs: .object([("scanWindow", .string("10s"))]),
        timeline: [
            G.log(at: "0s", id: "s1", severity: "ERROR", text: "first failure"),
            G.log(at: "5s", id: "s2", severity: "INFO", text: "noise"),
            G.log(at: "25s", id: "s3", severity: "INFO", text: "noise"),
            G.log(at: "50s", id: "s4", severity: "ERROR", text: "second failure"),
            G.log(at: "95s", id: "s5", severity: "ERROR", text: "third failure"),
        ])

    @Test("with logs.scanWindow a stretch without a match is a page with a token and no entries")
    func emptyPageWithToken() async throws {
        try await EmulatorHarness.with(scenarioJSON: Self.sparse) { harness in
            await harness.state.advance(by: 100)
            let filter: (key: String, value: JSONValue) = ("filter", .string("severity>=ERROR"))
            let first = try await harness.listEntries([filter])
            #expect(first.entries.compactMap { G.string($0["insertId"]) } == ["s1"])
            let token = try #require(first.nextPageToken)
            let second = try await harness.listEntries([filter, ("pageToken", .string(token))])
            #expect(second.reply.status == 200)
            #expect(second.entries.isEmpty)
            #expect(second.reply.json?["entries"] == nil)
            #expect(second.nextPageToken != nil)
            // A client that keeps paging gets every match exactly once.
            let all = try await harness.listAllInsertIDs([filter])
            #expect(all.ids == ["s1", "s4", "s5"])
            #expect(all.emptyPagesWithToken == 1)
            #expect(all.pages == 4)
            let descending = try await harness.listAllInsertIDs([filter, ("orderBy", .string("timestamp desc"))])
            #expect(descending.ids == ["s5", "s4", "s1"])
            #expect(descending.emptyPagesWithToken == 1)
            // Nothing matches: every stretch is empty; the last page has no token.
            let none = try await harness.listAllInsertIDs([("filter", .string("severity=EMERGENCY"))])
            #expect(none.ids.isEmpty)
            #expect(none.pages == 4)
            // With pageSize 1 the first stretch's two entries split across pages.
            let small = try await harness.listAllInsertIDs([("pageSize", .number(1))])
            #expect(small.ids == ["s1", "s2", "s3", "s4", "s5"])
        }
    }

    @Test("without logs.scanWindow nothing matching is one page without a token")
    func noMatchesWithoutScanWindow() async throws {
        try await Self.withReadableEntries { harness in
            let none = try await harness.listEntries([("filter", .string("severity=EMERGENCY"))])
            #expect(none.reply.status == 200)
            #expect(none.reply.json == .object([]))
        }
    }

    @Test("a scenario's logs.scanWindow must be a positive duration")
    func scanWindowValidation() throws {
        for bad in ["0s", "soon"] {
            let text = G.scenario(logs: .object([("scanWindow", .string(bad))]), timeline: [])
            #expect(throws: ScenarioError.self) { try Scenario(json: Data(text.utf8)) }
        }
        let good = try Scenario(
            json: Data(G.scenario(logs: .object([("scanWindow", .string("90s"))]), timeline: []).utf8))
        #expect(good.logScanWindow == 90)
    }

    @Test("requests are counted under logging.list and faults apply to it")
    func requestLogAndFaults() async throws {
        let scenario = G.scenario(timeline: [G.log(at: "0s", id: "x", text: "x")]).replacingOccurrences(
            of: "\"timeline\"",
            with: "\"faults\":[{\"route\":\"logging.list\",\"count\":1,\"status\":429}],\"timeline\"")
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let limited = try await harness.listEntries().reply
            #expect(limited.status == 429)
            #expect(limited.errorStatus == "RESOURCE_EXHAUSTED")
            #expect(try await harness.listEntries().reply.status == 200)
            let log = await harness.state.requestLog()
            #expect(log.filter { $0.route == "logging.list" }.map(\.status) == [429, 200])
        }
    }
}
