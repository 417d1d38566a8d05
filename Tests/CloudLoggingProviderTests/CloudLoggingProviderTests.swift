import Foundation
import LaunchWatchCloudLogging
import LaunchWatchCore
import LaunchWatchTesting
import Testing

/// The `cloud-logging` provider against the emulator's `entries:list` over loopback.
@Suite("cloud-logging provider")
struct CloudLoggingProviderTests {
    typealias F = CloudLoggingFixture

    static let noSettle: [(key: String, value: JSONValue)] = [("settle", .string("0s"))]

    @Test("the cursor reads every entry exactly once across many polls, ties on one timestamp included")
    func cursorNoGapsNoDuplicates() async throws {
        // Entries every 0.5 s for 12 s, three of them sharing each whole second (distinct insertIds).
        var timeline: [JSONValue] = []
        var expected: [String] = []
        for tenth in stride(from: 0, to: 120, by: 5) {
            let at = "\(tenth * 100)ms"
            let ids = tenth % 10 == 0 ? ["e\(tenth)a", "e\(tenth)b", "e\(tenth)c"] : ["e\(tenth)a"]
            for id in ids {
                timeline.append(F.log(at: at, id: id))
                expected.append(id)
            }
        }
        let allIDs = expected
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(harness, Self.noSettle)
            var read: [String] = []
            // Polls at steps that do not line up with the entries: some polls find several, some none.
            for _ in 0..<20 {
                await harness.state.advance(by: 0.7)
                read += F.messages(try await F.poll(provider, harness))
            }
            #expect(read == allIDs)
            #expect(Set(read).count == read.count, "no entry is read twice")
        }
    }

    @Test("empty pages with a nextPageToken are followed at the next polls until the newest entries")
    func emptyPagesWithToken() async throws {
        // Another job's entries fill the log between ours; with a 2 s scan window the search answers
        // pages with a token and no entries while it crosses them.
        var timeline: [JSONValue] = []
        for second in 0..<20 where second != 10 {
            timeline.append(F.log(at: "\(second)s", id: "noise\(String(format: "%02d", second))", job: "43"))
        }
        timeline += [
            F.log(at: "10s", id: "ours-a"), F.log(at: "20s", id: "ours-b"), F.log(at: "40s", id: "ours-c"),
        ]
        let scenario = F.scenario(logs: .object([("scanWindow", .string("2s"))]), timeline: timeline)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let provider = try await F.provider(
                harness, Self.noSettle + [("filter", .string(#"resource.labels.job_id="42""#))])
            await harness.state.advance(by: 25)
            var read: [String] = []
            var emptyPagesWithToken = 0
            var polls = 0
            while read.count < 2, polls < 40 {
                let result = try await F.poll(provider, harness)
                polls += 1
                read += F.messages(result)
                if result.observations.isEmpty, result.nextChangeAfter != nil { emptyPagesWithToken += 1 }
            }
            #expect(read == ["ours-a", "ours-b"])
            #expect(emptyPagesWithToken > 0, "the scan window made pages with a token and no entries")
            #expect(polls > 1, "the token was followed at later polls")

            // Finish the listing, then a newer entry is read once, and nothing else again.
            for _ in 0..<40 { read += F.messages(try await F.poll(provider, harness)) }
            await harness.state.advance(by: 20)
            for _ in 0..<40 { read += F.messages(try await F.poll(provider, harness)) }
            #expect(read == ["ours-a", "ours-b", "ours-c"])
        }
    }

    @Test("an entry readable later than newer ones is missed without settle: the known limit")
    func lateEntryMissedWithoutSettle() async throws {
        let timeline = [F.log(at: "1s", id: "late", delay: "10s"), F.log(at: "2s", id: "prompt")]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(harness, Self.noSettle)
            await harness.state.advance(by: 3)
            #expect(F.messages(try await F.poll(provider, harness)) == ["prompt"])
            await harness.state.advance(by: 10)
            // "late" is readable now, but its timestamp is before the cursor: the cursor query
            // never asks for it again. This is what `settle` is for.
            #expect(F.messages(try await F.poll(provider, harness)).isEmpty)
            await harness.state.advance(by: 10)
            #expect(F.messages(try await F.poll(provider, harness)).isEmpty)
        }
    }

    @Test("an error readable only after the cursor settled past it is found by the one final read, once")
    func finalReadFindsLateError() async throws {
        // "late" is stamped at 1 s but readable at 101 s, long after "prompt" (2 s) moved the cursor.
        let timeline = [
            F.log(at: "1s", id: "late", delay: "100s"), F.log(at: "2s", id: "prompt", severity: "INFO"),
        ]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(harness, [("finalReadAfter", .string("120s"))])
            var read: [String] = []
            for step in [3.0, 7, 100] {
                await harness.state.advance(by: step)
                read += F.messages(try await F.poll(provider, harness))
            }
            #expect(read.isEmpty, "behind the cursor, the incremental read never sees it")
            let before = await F.listRequests(harness)
            await harness.state.advance(by: 15)
            read += F.messages(try await F.poll(provider, harness))
            #expect(read == ["late"], "the final read, 120 s after the first poll, reads it")
            #expect(await F.listRequests(harness) == before + 1, "one request, as every poll")
            for _ in 0..<3 {
                await harness.state.advance(by: 5)
                read += F.messages(try await F.poll(provider, harness))
            }
            #expect(read == ["late"], "read once, and the final read is not repeated")
            let filters = await harness.state.requestLog().filter { $0.route == "logging.list" }.compactMap {
                record -> String? in
                guard case .string(let filter)? = record.body?["filter"] else { return nil }
                return filter
            }
            let moved = try #require(filters.firstIndex { $0.contains("insertId") })
            #expect(filters[moved...].filter { !$0.contains("insertId") }.count == 1, "the final read, once")
        }
    }

    @Test("a provider that has reported an error makes no final read")
    func noFinalReadAfterAnError() async throws {
        let timeline = [F.log(at: "1s", id: "boom"), F.log(at: "2s", id: "after", severity: "INFO")]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(harness, [("finalReadAfter", .string("10s"))])
            var read: [String] = []
            for _ in 0..<6 {
                await harness.state.advance(by: 5)
                read += F.messages(try await F.poll(provider, harness))
            }
            #expect(read == ["boom"])
            let filters = await harness.state.requestLog().filter { $0.route == "logging.list" }.compactMap {
                record -> String? in
                guard case .string(let filter)? = record.body?["filter"] else { return nil }
                return filter
            }
            let moved = try #require(filters.firstIndex { $0.contains("insertId") })
            #expect(filters[moved...].allSatisfy { $0.contains("insertId") }, "\(filters)")
        }
    }

    @Test("a settle window longer than the lateness reads the late entry when it comes, and nothing twice")
    func settleCatchesLateEntry() async throws {
        let timeline = [F.log(at: "1s", id: "late", delay: "10s"), F.log(at: "2s", id: "prompt")]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(harness, [("settle", .string("15s"))])
            var read: [String] = []
            await harness.state.advance(by: 3)
            read += F.messages(try await F.poll(provider, harness))
            #expect(read == ["prompt"], "an entry is reported as soon as it is read")
            await harness.state.advance(by: 10)
            read += F.messages(try await F.poll(provider, harness))
            #expect(read == ["prompt", "late"], "the late entry is within 15 s of the newest: asked for again")
            await harness.state.advance(by: 10)
            for _ in 0..<3 { read += F.messages(try await F.poll(provider, harness)) }
            #expect(read == ["prompt", "late"])
        }
    }

    @Test("with the default settle (5s) every entry is read at the first poll after it is written, once")
    func defaultSettle() async throws {
        let timeline = [F.log(at: "1s", id: "first"), F.log(at: "2s", id: "second"), F.log(at: "9s", id: "third")]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(harness)
            await harness.state.advance(by: 1.5)
            #expect(F.messages(try await F.poll(provider, harness)) == ["first"])
            await harness.state.advance(by: 1)
            #expect(F.messages(try await F.poll(provider, harness)) == ["second"])
            #expect(F.messages(try await F.poll(provider, harness)).isEmpty)
            await harness.state.advance(by: 10)
            #expect(F.messages(try await F.poll(provider, harness)) == ["third"])
            #expect(F.messages(try await F.poll(provider, harness)).isEmpty)
        }
    }

    @Test("an entry stamped 10 minutes ahead by a writer's clock does not close the settle window for the rest")
    func futureStampedEntry() async throws {
        let timeline = [
            F.log(at: "1s", id: "ahead", stampedAhead: "10m"), F.log(at: "2s", id: "late", delay: "4s"),
            F.log(at: "3s", id: "prompt"),
        ]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(harness)
            var read: [String] = []
            await harness.state.advance(by: 3.5)
            read += F.messages(try await F.poll(provider, harness))
            #expect(read == ["prompt", "ahead"], "in timestamp order; \"late\" is not readable yet")
            await harness.state.advance(by: 3)
            read += F.messages(try await F.poll(provider, harness))
            // Settled by the entries' timestamps, "ahead" would have moved the cursor past "late".
            #expect(read == ["prompt", "ahead", "late"])
        }
    }

    @Test(
        "with Cloud Logging's clock 10 minutes ahead or behind ours, an entry is read as soon as it is written",
        arguments: ["10m", "-10m"])
    func clockSkew(skew: String) async throws {
        let timeline = [F.log(at: "1s", id: "first"), F.log(at: "3s", id: "second")]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline, clockSkew: skew)) { harness in
            let provider = try await F.provider(harness)
            // Our clock: the scenario's time without the skew.
            func poll() async throws -> [String] {
                let now = await harness.state.epoch.addingTimeInterval(await harness.state.now)
                return F.messages(
                    try await provider.poll(PollContext(now: now, startedAt: await harness.state.epoch, attempt: 0)))
            }
            await harness.state.advance(by: 1.5)
            #expect(try await poll() == ["first"])
            await harness.state.advance(by: 2)
            #expect(try await poll() == ["second"])
            #expect(try await poll().isEmpty)
        }
    }

    @Test("only ERROR and worse become observations, with the message and its classified code")
    func errorsBecomeDetail() async throws {
        let timeline = [
            F.log(at: "1s", id: "a01", severity: "DEFAULT", text: "starting"),
            F.log(at: "1s", id: "a02", severity: "INFO", text: "Quota check passed"),
            F.log(at: "1s", id: "a03", severity: "WARNING", text: "permission denied on an optional bucket"),
            F.log(at: "2s", id: "a04", message: #"Machine type "a2-megagpu-16g" is not supported."#),
            F.log(
                at: "2s", id: "a05", text: "Quota exceeded for quota metric 'custom_model_training_nvidia_a100_gpus'"),
            F.log(at: "2s", id: "a06", severity: "CRITICAL", text: "Permission denied on resource project lw-logs."),
            F.log(at: "3s", id: "a07", message: "The specified bucket gs://lw-data was not found."),
            F.log(
                at: "3s", id: "a08", severity: "ALERT",
                text: #"Failed to pull image "us-docker.pkg.dev/lw/train:latest""#),
            F.log(at: "3s", id: "a09", text: "wandb: ERROR api_key not configured (no-tty)."),
            F.log(at: "4s", id: "a10", severity: "EMERGENCY", text: "torch.OutOfMemoryError: CUDA out of memory."),
            F.log(at: "4s", id: "a11", text: "ZeroDivisionError: division by zero"),
        ]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(harness, Self.noSettle)
            await harness.state.advance(by: 5)
            let observations = try await F.poll(provider, harness).observations
            #expect(
                observations.map(\.status) == [
                    "ERROR", "ERROR", "CRITICAL", "ERROR", "ALERT", "ERROR", "EMERGENCY", "ERROR",
                ])
            #expect(
                observations.compactMap(\.detail) == [
                    FailureDetail(
                        code: "machine_type_not_supported", message: #"Machine type "a2-megagpu-16g" is not supported."#
                    ),
                    FailureDetail(
                        code: "quota_exceeded",
                        message: "Quota exceeded for quota metric 'custom_model_training_nvidia_a100_gpus'"),
                    FailureDetail(code: "permission_denied", message: "Permission denied on resource project lw-logs."),
                    FailureDetail(code: "not_found", message: "The specified bucket gs://lw-data was not found."),
                    FailureDetail(
                        code: "image_pull", message: #"Failed to pull image "us-docker.pkg.dev/lw/train:latest""#),
                    FailureDetail(code: "wandb_error", message: "wandb: ERROR api_key not configured (no-tty)."),
                    FailureDetail(code: "out_of_memory", message: "torch.OutOfMemoryError: CUDA out of memory."),
                    FailureDetail(code: nil, message: "ZeroDivisionError: division by zero"),
                ])
            let first = try #require(observations.first)
            #expect(first.subject == "projects/\(F.project)/logs/workerpool0-0")
            let epoch = await harness.state.epoch
            let backendTime = try #require(first.backendTime)
            #expect(abs(backendTime.timeIntervalSince(epoch) - 2) < 0.001, "the entry's timestamp")
        }
    }

    @Test("the user's filter, with facts substituted, is combined with the cursor: another job's entries are not read")
    func filterWithFacts() async throws {
        var timeline: [JSONValue] = []
        for second in 0..<8 {
            timeline.append(F.log(at: "\(second)s", id: "j42-\(second)", job: "42"))
            timeline.append(F.log(at: "\(second)s", id: "j43-\(second)", job: "43"))
        }
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(
                harness,
                Self.noSettle + [
                    ("filter", .string(#"resource.type="ml_job" AND resource.labels.job_id="${fact.job_id}""#))
                ],
                facts: ["job_id": "43"])
            var read: [String] = []
            for _ in 0..<6 {
                await harness.state.advance(by: 1.5)
                read += F.messages(try await F.poll(provider, harness))
            }
            #expect(read == (0..<8).map { "j43-\($0)" })
        }
    }

    @Test("a filter OR at the top level stays inside its parentheses, so the cursor still applies")
    func filterWithTopLevelOr() async throws {
        let timeline = [
            F.log(at: "1s", id: "a1", job: "42"), F.log(at: "1s", id: "b1", job: "43"),
            F.log(at: "2s", id: "a2", job: "42"), F.log(at: "3s", id: "c3", job: "44"),
        ]
        try await EmulatorHarness.with(scenarioJSON: F.scenario(timeline: timeline)) { harness in
            let provider = try await F.provider(
                harness,
                Self.noSettle + [("filter", .string(#"resource.labels.job_id="42" OR resource.labels.job_id="43""#))])
            var read: [String] = []
            for _ in 0..<4 {
                await harness.state.advance(by: 1)
                read += F.messages(try await F.poll(provider, harness))
            }
            #expect(read == ["a1", "b1", "a2"])
        }
    }

    @Test("each poll is exactly one entries:list request, also while following page tokens")
    func oneRequestPerPoll() async throws {
        var timeline: [JSONValue] = []
        for second in 0..<12 { timeline.append(F.log(at: "\(second)s", id: "n\(second)", job: "43")) }
        timeline.append(F.log(at: "12s", id: "ours"))
        let scenario = F.scenario(logs: .object([("scanWindow", .string("1s"))]), timeline: timeline)
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let provider = try await F.provider(
                harness, Self.noSettle + [("filter", .string(#"resource.labels.job_id="42""#))])
            await harness.state.advance(by: 13)
            for poll in 1...8 {
                _ = try await F.poll(provider, harness)
                #expect(await F.listRequests(harness) == poll)
            }
        }
    }

    @Test("a 429 with RetryInfo is a provider error whose retry hint is the retryDelay; the next poll reads on")
    func rateLimited() async throws {
        let body = JSONValue.object([
            (
                "error",
                .object([
                    ("code", .number(429)), ("message", .string("Quota exceeded for logging read requests.")),
                    ("status", .string("RESOURCE_EXHAUSTED")),
                    (
                        "details",
                        .array([
                            .object([
                                ("@type", .string("type.googleapis.com/google.rpc.RetryInfo")),
                                ("retryDelay", .string("7s")),
                            ])
                        ])
                    ),
                ])
            )
        ])
        let fault = JSONValue.object([
            ("route", .string("logging.list")), ("status", .number(429)), ("count", .number(1)), ("body", body),
        ])
        let scenario = F.scenario(timeline: [F.log(at: "1s", id: "only")], faults: [fault])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let provider = try await F.provider(harness, Self.noSettle)
            await harness.state.advance(by: 2)
            let error = try await #require(throws: ProviderError.self) { try await F.poll(provider, harness) }
            #expect(error.code == "http_429")
            #expect(error.retryAfter == .seconds(7))
            #expect(F.messages(try await F.poll(provider, harness)) == ["only"])
        }
    }

    /// A scenario whose first `entries:list` answer is `body` (a 200), whatever the logs hold.
    static func answering(_ body: String) throws -> String {
        let fault = JSONValue.object([
            ("route", .string("logging.list")), ("status", .number(200)), ("count", .number(1)),
            ("body", try JSONParser.parse(body)),
        ])
        return F.scenario(timeline: [F.log(at: "1s", id: "only")], faults: [fault])
    }

    static let malformedAnswers: [(body: String, message: String)] = [
        (#"{"entries": null}"#, "Cloud Logging sent entries in an unexpected shape"),
        (#"{"entries": {"timestamp": "2026-11-30T10:00:31Z"}}"#, "Cloud Logging sent entries in an unexpected shape"),
        (
            #"{"entries": [{"insertId": "a", "timestamp": 1764496831}]}"#,
            "Cloud Logging sent an entry without an RFC 3339 timestamp or an insertId"
        ),
        (
            #"{"entries": [{"insertId": "a", "timestamp": "yesterday"}]}"#,
            "Cloud Logging sent an entry without an RFC 3339 timestamp or an insertId"
        ),
        (#"{"entries": ["a"]}"#, "Cloud Logging sent an entry without an RFC 3339 timestamp or an insertId"),
    ]

    @Test(
        "entries that are not a list, or an entry without an RFC 3339 timestamp and an insertId, are malformed",
        arguments: malformedAnswers)
    func malformedAnswer(_ body: String, _ message: String) async throws {
        try await EmulatorHarness.with(scenarioJSON: try Self.answering(body)) { harness in
            let provider = try await F.provider(harness, Self.noSettle)
            await harness.state.advance(by: 2)
            let error = try await #require(throws: ProviderError.self) { try await F.poll(provider, harness) }
            #expect(error.code == "malformed_response")
            #expect(error.message == message)
            // The cursor did not move: the next answer (the emulator's own) is read from the start.
            #expect(F.messages(try await F.poll(provider, harness)) == ["only"])
        }
    }

    @Test("an entry's odd optional fields are read past: the entry is still read, its message reported")
    func oddOptionalFields() async throws {
        // receiveTimestamp a number, logName an object, and a nextPageToken that is not a string.
        let body = #"""
            {"entries": [{"insertId": "a", "timestamp": "2026-11-30T10:00:31Z", "receiveTimestamp": 5,
                          "logName": {"id": 1}, "severity": "ERROR", "textPayload": "boom", "labels": 3}],
             "nextPageToken": 7}
            """#
        try await EmulatorHarness.with(scenarioJSON: try Self.answering(body)) { harness in
            let provider = try await F.provider(harness, Self.noSettle)
            await harness.state.advance(by: 2)
            let result = try await F.poll(provider, harness)
            #expect(F.messages(result) == ["boom"])
            #expect(result.observations.first?.subject == nil)
            #expect(result.nextChangeAfter == nil, "no page token")
        }
    }

    static let finalReadAnswers: [(body: String, messages: [String])] = [
        (
            #"""
            {"entries": [{"insertId": "x"}, "junk", {"timestamp": "2026-11-30T10:00:31Z"},
                         {"timestamp": "late", "insertId": "y", "severity": "ERROR", "textPayload": "late boom"}]}
            """#, ["late boom"]
        ),
        (#"{"entries": "junk"}"#, []),
        (#"{"entries": null}"#, []),
    ]

    @Test(
        "the final read passes over entries without a timestamp and an insertId, and entries that are not a list",
        arguments: finalReadAnswers)
    func finalReadIsLenient(_ body: String, _ messages: [String]) async throws {
        let fault = JSONValue.object([
            ("route", .string("logging.list")), ("from", .string("8s")), ("status", .number(200)),
            ("count", .number(1)), ("body", try JSONParser.parse(body)),
        ])
        let scenario = F.scenario(timeline: [F.log(at: "1s", id: "a", severity: "INFO")], faults: [fault])
        try await EmulatorHarness.with(scenarioJSON: scenario) { harness in
            let provider = try await F.provider(harness, Self.noSettle + [("finalReadAfter", .string("5s"))])
            await harness.state.advance(by: 2)
            #expect(F.messages(try await F.poll(provider, harness)).isEmpty)
            await harness.state.advance(by: 8)
            let result = try await F.poll(provider, harness)
            #expect(F.messages(result) == messages)
            #expect(await F.listRequests(harness) == 2)
        }
    }

    static let badConfigs: [String] = [
        #"{}"#,
        #"{"resourceNames": []}"#,
        #"{"project": "p", "endpoint": "ftp://logging.example"}"#,
        #"{"project": "p", "endpoint": "not a url"}"#,
        #"{"project": "p", "settle": "soon"}"#,
        #"{"project": "p", "lookBack": "a while"}"#,
        #"{"project": "p", "timeout": "ten seconds"}"#,
        #"{"project": "p", "finalReadAfter": "later"}"#,
        #"{"project": "p", "finalReadFrom": "when the job started"}"#,
    ]

    @Test("a bad configuration is a bad_config error naming the field", arguments: badConfigs)
    func badConfig(_ text: String) throws {
        let configuration = try JSONValueDecoder().decode(
            CloudLoggingProvider.Configuration.self, from: try JSONParser.parse(text))
        let error = try #require(throws: ProviderError.self) {
            try CloudLoggingProvider(
                configuration: configuration,
                context: ProviderContext(
                    id: "logs", baseDirectory: FileManager.default.temporaryDirectory,
                    environment: F.environment, startedAt: Date()))
        }
        #expect(error.code == "bad_config")
        #expect(!error.message.isEmpty)
    }
}
