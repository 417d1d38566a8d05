import Foundation
import LaunchWatchCore
import LaunchWatchReplay
import Testing

/// A temporary folder for recordings, removed by `remove()`.
private struct RecordingFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("launchwatch-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` (which may contain a subfolder) and returns its URL.
    @discardableResult
    func write(_ text: String, to name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

@Suite("ReplayProvider")
struct ReplayProviderTests {
    static let startedAt = Date(timeIntervalSince1970: 1_764_489_227)

    /// A launch that is queued, picked up, submitted, has one failed poll, runs and fails.
    static let recording = """
        {"at":0.5,"provider":"queue","status":"PENDING","stage":"queued","backendAt":0.25}
        {"at":1.25,"provider":"queue","status":"CLAIMED","stage":"picked_up","facts":{"run_id":"r-1"}}
        {"at":1.25,"provider":"vertex","status":"JOB_STATE_PENDING","subject":"projects/p/customJobs/1"}

        {"at":3.5,"provider":"vertex","error":{"code":"http_503","message":"Service Unavailable"}}
        {"at":4,"provider":"vertex","status":"JOB_STATE_RUNNING","stage":"running","backendAt":3.75}
        {"at":9,"provider":"vertex","status":"JOB_STATE_FAILED","stage":"failed","detail":{"message":"Quota exceeded"}}
        """

    private func makeProvider(_ config: String, in folder: RecordingFolder) throws -> ReplayProvider {
        let configuration = try JSONValueDecoder().decode(
            ReplayProvider.Configuration.self, from: JSONParser.parse(config))
        let context = ProviderContext(
            id: "replay", baseDirectory: folder.url, environment: [:], startedAt: Self.startedAt)
        return try ReplayProvider(configuration: configuration, context: context)
    }

    private func poll(_ provider: ReplayProvider, at seconds: Double) async throws -> PollResult {
        try await provider.poll(
            PollContext(now: Self.startedAt.addingTimeInterval(seconds), startedAt: Self.startedAt, attempt: 0))
    }

    @Test("returns the entries due at each poll, in order, and when the next one is due")
    func pollsDueEntriesInOrder() async throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        try folder.write(Self.recording, to: "launch.ndjson")
        let provider = try makeProvider(#"{"file": "launch.ndjson"}"#, in: folder)

        let start = try await poll(provider, at: 0)
        #expect(start.observations.isEmpty)
        #expect(start.nextChangeAfter == .milliseconds(500))

        let queued = try await poll(provider, at: 0.5)
        #expect(queued.observations.map(\.status) == ["PENDING"])
        #expect(queued.observations.map(\.recordedStage) == ["queued"])
        #expect(queued.observations.first?.backendTime == Self.startedAt.addingTimeInterval(0.25))
        #expect(queued.nextChangeAfter == .milliseconds(750))

        let early = try await poll(provider, at: 1)
        #expect(early.observations.isEmpty)
        #expect(early.nextChangeAfter == .milliseconds(250))

        let pickedUp = try await poll(provider, at: 2)
        #expect(pickedUp.observations.map(\.status) == ["CLAIMED", "JOB_STATE_PENDING"])
        #expect(pickedUp.observations.map(\.recordedStage) == ["picked_up", nil])
        #expect(pickedUp.observations.first?.facts == ["run_id": "r-1"])
        #expect(pickedUp.observations.last?.subject == "projects/p/customJobs/1")
        #expect(pickedUp.observations.last?.backendTime == nil)
        #expect(pickedUp.nextChangeAfter == .milliseconds(1500))
    }

    @Test("replays a recorded error as a failed poll, then carries on")
    func replaysErrorsAsProviderErrors() async throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        try folder.write(Self.recording, to: "launch.ndjson")
        let provider = try makeProvider(#"{"file": "launch.ndjson"}"#, in: folder)
        _ = try await poll(provider, at: 2)

        let error = try await #require(throws: ProviderError.self) { try await poll(provider, at: 3.5) }
        #expect(error.code == "http_503")
        #expect(error.message == "Service Unavailable")
        #expect(error.nextPollAfter == .milliseconds(500), "the next entry's time, not a backoff")
        #expect(error.retryAfter == nil)

        let running = try await poll(provider, at: 4)
        #expect(running.observations.map(\.status) == ["JOB_STATE_RUNNING"])
        #expect(running.observations.first?.backendTime == Self.startedAt.addingTimeInterval(3.75))
        #expect(running.nextChangeAfter == .seconds(5))
    }

    @Test(
        "a failed poll the recorder wrote replays with the same typed code",
        arguments: [ProviderError.Code.http(429), .credentialsRefused, .unexpected, "gcloud_failed", "maintenance"])
    func recordedCodesReplayUnchanged(code: ProviderError.Code) async throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        let failure = ProviderError(code: code, message: "it failed")
        let lines = [
            RecordingEntry(
                failure: failure, provider: "vertex", at: Self.startedAt.addingTimeInterval(1),
                startedAt: Self.startedAt),
            RecordingEntry(at: 2, provider: "vertex", status: "JOB_STATE_RUNNING"),
        ].map { $0.jsonLine() }
        try folder.write(lines.joined(separator: "\n"), to: "launch.ndjson")
        let provider = try makeProvider(#"{"file": "launch.ndjson"}"#, in: folder)

        let error = try await #require(throws: ProviderError.self) { try await poll(provider, at: 1) }
        #expect(error.code == code)
        #expect(error.code.rawValue == code.rawValue)
        #expect(error.message == "it failed")
    }

    @Test("hands over the observations before an error first, and the error at the next poll")
    func observationsBeforeAnErrorComeFirst() async throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        try folder.write(Self.recording, to: "launch.ndjson")
        let provider = try makeProvider(#"{"file": "launch.ndjson"}"#, in: folder)

        let first = try await poll(provider, at: 5)
        #expect(first.observations.map(\.status) == ["PENDING", "CLAIMED", "JOB_STATE_PENDING"])
        #expect(first.nextChangeAfter == .zero)
        await #expect(throws: ProviderError.self) { try await poll(provider, at: 5) }
        #expect(try await poll(provider, at: 5).observations.map(\.status) == ["JOB_STATE_RUNNING"])
    }

    @Test("ends with the last entry and then reports nothing more")
    func endsAfterTheLastEntry() async throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        try folder.write(Self.recording, to: "launch.ndjson")
        let provider = try makeProvider(#"{"file": "launch.ndjson", "provider": "vertex"}"#, in: folder)
        #expect(try await poll(provider, at: 3.5).observations.map(\.status) == ["JOB_STATE_PENDING"])
        await #expect(throws: ProviderError.self) { try await poll(provider, at: 3.5) }
        let end = try await poll(provider, at: 60)
        #expect(end.observations.map(\.status) == ["JOB_STATE_RUNNING", "JOB_STATE_FAILED"])
        #expect(end.observations.last?.detail == FailureDetail(message: "Quota exceeded"))
        #expect(end.nextChangeAfter == nil)

        let after = try await poll(provider, at: 61)
        #expect(after.observations.isEmpty)
        #expect(after.nextChangeAfter == nil)
    }

    @Test("replays only the entries of the provider it is told to")
    func filtersByProvider() async throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        try folder.write(Self.recording, to: "launch.ndjson")
        let provider = try makeProvider(#"{"file": "launch.ndjson", "provider": "queue"}"#, in: folder)

        let all = try await poll(provider, at: 60)
        #expect(all.observations.map(\.status) == ["PENDING", "CLAIMED"])
        #expect(all.nextChangeAfter == nil)
    }

    @Test("plays back faster at a higher speed")
    func playsBackAtSpeed() async throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        try folder.write(Self.recording, to: "launch.ndjson")
        let provider = try makeProvider(#"{"file": "launch.ndjson", "speed": 2}"#, in: folder)

        let start = try await poll(provider, at: 0)
        #expect(start.nextChangeAfter == .milliseconds(250))
        let queued = try await poll(provider, at: 0.25)
        #expect(queued.observations.map(\.status) == ["PENDING"])
        #expect(queued.observations.map(\.recordedStage) == ["queued"])
        #expect(queued.observations.first?.backendTime == Self.startedAt.addingTimeInterval(0.125))
        #expect(queued.nextChangeAfter == .milliseconds(375))
        #expect(try await poll(provider, at: 0.5).observations.isEmpty)
        #expect(try await poll(provider, at: 0.625).observations.count == 2)
    }

    @Test("reads a recording relative to the pipeline's folder, or from an absolute path")
    func resolvesRecordingPath() async throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        let file = try folder.write(Self.recording, to: "recordings/launch.ndjson")

        let relative = try makeProvider(#"{"file": "recordings/launch.ndjson"}"#, in: folder)
        #expect(try await poll(relative, at: 1).observations.count == 1)
        let absolute = try makeProvider(#"{"file": \#(JSONValue.quoted(file.path))}"#, in: folder)
        #expect(try await poll(absolute, at: 1).observations.count == 1)
    }

    @Test("reports a recording that cannot be read, naming the file")
    func reportsMissingRecording() throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        let error = try #require(throws: ProviderError.self) {
            try makeProvider(#"{"file": "missing.ndjson"}"#, in: folder)
        }
        #expect(error.code == "unreadable")
        #expect(error.message == "cannot read the recording missing.ndjson")
    }

    @Test("rejects a speed that is not above zero", arguments: ["0", "-1"])
    func rejectsBadSpeed(speed: String) throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        try folder.write(Self.recording, to: "launch.ndjson")
        let error = try #require(throws: ProviderError.self) {
            try makeProvider(#"{"file": "launch.ndjson", "speed": \#(speed)}"#, in: folder)
        }
        #expect(error.code == "bad_config")
        #expect(error.message.contains("speed"))
    }

    @Test(
        "names the line of a malformed recording",
        arguments: [
            (#"{"at": 1, "provider": "q", "status": }"#, "line 3: expected a value, found '}'"),
            (#"{"provider": "q", "status": "X"}"#, "line 3: at: is required but missing"),
            (#"{"at": "1s", "provider": "q", "status": "X"}"#, "line 3: at: must be a number, not a string"),
            (#"{"at": -1, "provider": "q", "status": "X"}"#, #"line 3: "at" must be 0 or more"#),
            (#"{"at": 1, "provider": "q"}"#, #"line 3: needs "status", "stage" or "error""#),
            (
                #"{"at": 1, "provider": "q", "stauts": "X"}"#,
                #"line 3: stauts: is not a known key; did you mean "status"?"#
            ),
            (#"{"at": 1, "provider": "q", "error": {"code": "x"}}"#, "line 3: error.message: is required but missing"),
            ("not json", "line 3: expected a value, found 'n'"),
            (
                #"{"at": 1, "provider": "q", "status": "X"} {}"#,
                "line 3: unexpected text after the end of the JSON document"
            ),
        ])
    func namesMalformedLine(line: String, message: String) throws {
        let folder = try RecordingFolder()
        defer { folder.remove() }
        let text = #"{"at": 0, "provider": "q", "status": "A"}"# + "\n\n" + line + "\n"
        try folder.write(text, to: "bad.ndjson")

        let error = try #require(throws: ProviderError.self) {
            try makeProvider(#"{"file": "bad.ndjson"}"#, in: folder)
        }
        #expect(error.code == "bad_recording")
        #expect(error.message == message)
    }

    @Test("is registered as kind replay, which may publish any fact and whose statuses name stages")
    func registersAsReplayKind() throws {
        var registry = ProviderRegistry()
        try registry.register(ReplayProvider.self)
        let registration = try #require(registry["replay"])
        #expect(registration.publishedFacts == nil)
        #expect(registration.statusesNameStages)
        #expect(registration.configurationFields.map(\.name) == ["file", "provider", "speed"])

        let failures = registration.validate(
            configuration: try JSONParser.parse(#"{"file": "a.ndjson", "sped": 2}"#),
            at: JSONPath([.key("providers"), .index(0), .key("config")]))
        #expect(failures.map(\.path.description) == ["providers[0].config.sped"])
        #expect(failures.first?.message.contains(#"did you mean "speed"?"#) == true)

        let wrongType = registration.validate(
            configuration: try JSONParser.parse(#"{"file": 3}"#),
            at: JSONPath([.key("providers"), .index(0), .key("config")]))
        #expect(wrongType.map(\.path.description) == ["providers[0].config.file"])
    }
}

@Suite("RecordingEntry")
struct RecordingEntryTests {
    static let startedAt = Date(timeIntervalSince1970: 1_764_489_227)

    @Test(
        "reads back every entry it writes",
        arguments: [
            RecordingEntry(at: 0, provider: "queue", status: "PENDING"),
            RecordingEntry(at: 1.25, provider: "vertex", status: "JOB_STATE_RUNNING", stage: "running"),
            RecordingEntry(
                at: 9.5, provider: "vertex", status: "JOB_STATE_FAILED", stage: "failed",
                subject: "projects/p/locations/us-central1/customJobs/42", backendAt: -0.5,
                detail: FailureDetail(code: "8", message: "Quota \"a2\" exceeded\nin us-central1", source: "vertex"),
                facts: ["job_id": "42", "run_id": "r-1"]),
            RecordingEntry(at: 3.5, provider: "vertex", error: .init(code: "http_503", message: "Service Unavailable")),
            RecordingEntry(at: 2, provider: "wandb", stage: "picked_up"),
        ])
    func roundTrips(entry: RecordingEntry) throws {
        let line = entry.jsonLine()
        #expect(!line.contains("\n"))
        #expect(try RecordingEntry.parse(lines: line) == [entry])
    }

    @Test("writes one line with sorted keys and no empty fields")
    func writesSortedCompactLine() {
        let entry = RecordingEntry(at: 1.25, provider: "vertex", status: "JOB_STATE_RUNNING", stage: "running")
        #expect(entry.jsonLine() == #"{"at":1.25,"provider":"vertex","stage":"running","status":"JOB_STATE_RUNNING"}"#)
    }

    @Test("records an observation at its offset from the start, to the millisecond")
    func recordsObservation() {
        let observation = Observation(
            status: "CLAIMED", subject: "item-1", backendTime: Self.startedAt.addingTimeInterval(1.0004),
            facts: ["run_id": "r-1"], provider: "queue", observedAt: Self.startedAt.addingTimeInterval(1.2346))
        let entry = RecordingEntry(observation, stage: "picked_up", startedAt: Self.startedAt)
        #expect(
            entry
                == RecordingEntry(
                    at: 1.235, provider: "queue", status: "CLAIMED", stage: "picked_up", subject: "item-1",
                    backendAt: 1, facts: ["run_id": "r-1"]))
    }

    @Test("leaves out facts when an observation has none")
    func omitsEmptyFacts() {
        let observation = Observation(status: "RUNNING", provider: "jobs", observedAt: Self.startedAt)
        let entry = RecordingEntry(observation, stage: nil, startedAt: Self.startedAt)
        #expect(entry.facts == nil)
        #expect(entry.jsonLine() == #"{"at":0,"provider":"jobs","status":"RUNNING"}"#)
    }

    @Test("records a failed poll as an error entry")
    func recordsFailure() {
        let entry = RecordingEntry(
            failure: ProviderError(code: "timeout", message: "no answer in 10s"), provider: "jobs",
            at: Self.startedAt.addingTimeInterval(2.5), startedAt: Self.startedAt)
        #expect(
            entry
                == RecordingEntry(at: 2.5, provider: "jobs", error: .init(code: "timeout", message: "no answer in 10s"))
        )
    }

    @Test("reads a recording in time order and skips blank lines")
    func parsesInTimeOrder() throws {
        let text = [
            #"{"at":3,"provider":"b","status":"LATE"}"#, "", #"{"at":1,"provider":"a","status":"EARLY"}"#, "   ",
            #"{"at":2,"provider":"a","status":"MIDDLE"}"#,
        ].joined(separator: "\n")
        #expect(try RecordingEntry.parse(lines: text).map(\.status) == ["EARLY", "MIDDLE", "LATE"])
    }

    @Test("reads a recording saved with CRLF line endings")
    func readsCRLF() throws {
        let text = ReplayProviderTests.recording.replacingOccurrences(of: "\n", with: "\r\n")
        let entries = try RecordingEntry.parse(lines: text)
        #expect(entries.count == 6)
        #expect(entries.first?.status == "PENDING")
    }

    @Test("reads an empty recording as no entries")
    func parsesEmptyRecording() throws {
        #expect(try RecordingEntry.parse(lines: "").isEmpty)
        #expect(try RecordingEntry.parse(lines: "\n\n").isEmpty)
    }
}
