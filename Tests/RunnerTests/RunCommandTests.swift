import Foundation
import LaunchWatchCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("launchwatch run (the built binary, on replayed recordings)", .launchWatchSlot)
struct RunCommandTests {
    @Test("a launch that reaches its success stage exits 0 with every stage event in NDJSON")
    func successExitsZeroWithStageEvents() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "success.ndjson"))
        let result = try await LaunchWatchProcess.run(["run", pipeline, "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let events = try #require(result.events, "every stdout line is a JSON object")
        #expect(events.first?.type == "started")
        let stages = events.filter { $0.type == "stage" }
        #expect(stages.map { $0.string("stage") } == ["queued", "picked_up", "submitted", "running", "succeeded"])
        let submitted = try #require(stages.first { $0.string("stage") == "submitted" })
        #expect(submitted.bool("inferred") == true, "submitted was skipped over, so it is inferred")
        #expect(submitted.string("source") == "vertex")
        let running = try #require(stages.first { $0.string("stage") == "running" })
        #expect(running.bool("inferred") == false)
        if case .number(let lag)? = running.value["lagSeconds"] {
            #expect(lag >= 0 && lag < 5)
        } else {
            Issue.record("running carries lagSeconds: the recording has a backend time")
        }
        #expect(running.string("at").flatMap(RFC3339.date(from:)) != nil, "at is RFC 3339")
        let fact = try #require(events.first { $0.type == "fact" })
        #expect(fact.string("name") == "run_id" && fact.string("value") == "k3x9ab12")
        let finished = try #require(events.last)
        #expect(finished.type == "finished")
        #expect(finished.string("outcome") == "success")
        #expect(finished.string("stage") == "succeeded")
        #expect(finished.value["detail"] == .null)
    }

    @Test("finish.on ends the watch successfully at a progress stage")
    func finishOnProgressStage() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let pipeline = try fixtures.write(
            "p.json", fixtures.replayPipeline(recording: "success.ndjson", finishOn: ["running"]))
        let result = try await LaunchWatchProcess.run(["run", pipeline, "--json"])
        #expect(result.status == 0)
        let finished = try #require(result.events?.last)
        #expect(finished.string("outcome") == "success")
        #expect(finished.string("stage") == "running")
        #expect(result.events?.contains { $0.string("stage") == "succeeded" } == false)
    }

    @Test("a failed launch exits 1 and reports the backend's message as detail")
    func failureExitsOneWithDetail() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "failure.ndjson", Fixtures.failureRecording)
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "failure.ndjson"))
        let result = try await LaunchWatchProcess.run(["run", pipeline, "--json"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let events = try #require(result.events)
        let detail = try #require(events.first { $0.type == "detail" })
        #expect(detail.string("message") == "Replicas low on disk: workerpool0.")
        #expect(detail.string("code") == "8")
        #expect(detail.string("source") == "vertex")
        let finished = try #require(events.last)
        #expect(finished.string("outcome") == "failure")
        #expect(finished.string("stage") == "failed")
        guard case .object = finished.value["detail"] else {
            Issue.record("finished carries the detail")
            return
        }
    }

    @Test("a failure without detail activates the detail provider and waits for its message")
    func failureWithoutDetailUsesFallback() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(
            recording: "agent.ndjson",
            [
                RecordingEntry(at: 0.4, provider: "queue", status: "PENDING", stage: "queued"),
                RecordingEntry(at: 3.6, provider: "queue", status: "FAILED", stage: "failed"),
                RecordingEntry(
                    at: 5.8, provider: "logs", status: "ERROR",
                    detail: FailureDetail(code: "ERROR", message: "wandb: ERROR Machine type is not supported.")),
            ])
        let pipeline = try fixtures.write(
            "p.json", fixtures.replayPipeline(recording: "agent.ndjson", providers: ["queue"], detailProvider: "logs"))
        let result = try await LaunchWatchProcess.run(["run", pipeline, "--json"])
        #expect(result.status == 1)
        let events = try #require(result.events)
        let types = events.compactMap(\.type)
        let activated = try #require(types.firstIndex(of: "activated"))
        let failedStage = try #require(events.firstIndex { $0.string("stage") == "failed" && $0.type == "stage" })
        #expect(failedStage < activated, "the fallback starts only after the failure without detail")
        #expect(events[activated].string("provider") == "logs")
        let detail = try #require(events.first { $0.type == "detail" })
        #expect(detail.string("message") == "wandb: ERROR Machine type is not supported.")
        #expect(detail.string("source") == "logs")
        #expect(events.last?.string("outcome") == "failure")
    }

    @Test("the deadline ends the watch with exit 2 and the last stage reached")
    func deadlineExitsTwo() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "success.ndjson", speed: 1))
        let result = try await LaunchWatchProcess.run(["run", pipeline, "--json", "--deadline", "1s"])
        #expect(result.status == 2, "stderr: \(result.stderr)")
        let finished = try #require(result.events?.last)
        #expect(finished.string("outcome") == "deadline")
        #expect(finished.string("stage") == "queued")
    }

    @Test("degraded and recovered provider events are written when polls fail and recover")
    func providerHealthEvents() async throws {
        let fixtures = try Fixtures()
        let error = RecordingEntry.RecordedError(code: "http_503", message: "Vertex AI answered 503 UNAVAILABLE")
        try fixtures.write(
            recording: "outage.ndjson",
            [
                RecordingEntry(at: 0.2, provider: "vertex", status: "JOB_STATE_QUEUED", stage: "submitted"),
                RecordingEntry(at: 0.4, provider: "vertex", error: error),
                RecordingEntry(at: 0.6, provider: "vertex", error: error),
                RecordingEntry(at: 0.8, provider: "vertex", error: error),
                RecordingEntry(at: 1.0, provider: "vertex", status: "JOB_STATE_SUCCEEDED", stage: "succeeded"),
            ])
        let pipeline = try fixtures.write(
            "p.json", fixtures.replayPipeline(recording: "outage.ndjson", speed: 10, providers: ["vertex"]))
        let result = try await LaunchWatchProcess.run(["run", pipeline, "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let health = try #require(result.events).filter { $0.type == "provider" }
        #expect(health.map { $0.string("health") } == ["degraded", "recovered"])
        #expect(health.first?.string("provider") == "vertex")
        #expect(health.first?.string("message")?.contains("503 UNAVAILABLE") == true)
    }

    @Test("SIGINT ends the watch with exit 130, the summary so far, and a complete NDJSON stream")
    func interruptExits130WithoutLosingEvents() async throws {
        try await interrupt(with: SIGINT, expecting: 130)
    }

    @Test("SIGTERM ends the watch with exit 143 and a final interrupted event")
    func terminateExits143() async throws {
        try await interrupt(with: SIGTERM, expecting: 143)
    }

    private func interrupt(with signal: Int32, expecting status: Int32) async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "success.ndjson", speed: 1))
        let process = try LaunchWatchProcess(["run", pipeline, "--json"])
        let sawPickedUp = await process.waitForLine { EventLine($0)?.string("stage") == "picked_up" }
        #expect(sawPickedUp, "the watch reports picked_up before it is interrupted")
        process.send(signal: signal)
        let result = await process.finish()
        #expect(result.status == status, "stderr: \(result.stderr)")
        let events = try #require(result.events, "every line is complete, valid JSON")
        #expect(events.filter { $0.type == "stage" }.map { $0.string("stage") } == ["queued", "picked_up"])
        #expect(events.filter { $0.type == "finished" }.count == 1)
        let finished = try #require(events.last)
        #expect(finished.type == "finished")
        #expect(finished.string("outcome") == "interrupted")
        #expect(finished.string("stage") == "picked_up")
    }

    @Test("Ctrl-C in the terminal view prints the summary so far")
    func interruptPrintsSummary() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "success.ndjson", speed: 1))
        let process = try LaunchWatchProcess(["run", pipeline])
        #expect(await process.waitForLine { $0.contains("reached") && $0.contains("Queued") })
        process.send(signal: SIGINT)
        let result = await process.finish()
        #expect(result.status == 130)
        #expect(result.stdout.contains("interrupted; last stage \"Queued\""))
        #expect(result.stdout.contains("✓  Queued"))
    }

    @Test("without a terminal, the view is plain timestamped lines with no escape codes")
    func plainOutputWithoutTerminal() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "failure.ndjson", Fixtures.failureRecording)
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "failure.ndjson"))
        let result = try await LaunchWatchProcess.run(["run", pipeline], environment: ["NO_COLOR": "1"])
        #expect(result.status == 1)
        #expect(!result.stdout.contains("\u{1B}["))
        let reached = result.lines.filter { $0.contains(" reached ") }
        #expect(reached.count == 3)
        #expect(reached.allSatisfy { $0.range(of: #"^\d\d:\d\d:\d\d\.\d\d\d  "#, options: .regularExpression) != nil })
        #expect(result.stdout.contains("test flow: FAILED — \"Failed\""))
        #expect(result.stdout.contains("why: Replicas low on disk: workerpool0. (code 8, from vertex)"))
    }

    @Test("--record writes a recording that replays to the same stages")
    func recordThenReplay() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "success.ndjson"))
        let recorded = fixtures.path("recorded.ndjson")
        let first = try await LaunchWatchProcess.run(["run", pipeline, "--json", "--record", recorded])
        #expect(first.status == 0)
        let entries = try RecordingEntry.parse(lines: String(contentsOfFile: recorded, encoding: .utf8))
        #expect(entries.compactMap(\.stage) == ["queued", "picked_up", "running", "succeeded"])
        #expect(entries.first { $0.stage == "picked_up" }?.facts == ["run_id": "k3x9ab12"])

        let replay = try fixtures.write("replay.json", fixtures.replayPipeline(recording: "recorded.ndjson"))
        let second = try await LaunchWatchProcess.run(["run", replay, "--json"])
        #expect(second.status == 0)
        let stages = { (result: LaunchWatchProcess.Finished) in
            (result.events ?? []).filter { $0.type == "stage" }.map {
                "\($0.string("stage") ?? "")/\($0.bool("inferred") ?? false)"
            }
        }
        #expect(stages(first) == stages(second))
    }

    @Test("a secret that JSON escaping would change is still redacted in NDJSON and recordings")
    func escapedSecretsAreRedacted() async throws {
        let secret = #"ya29.a0AfB/xyz"quote\back+slash"#
        let fixtures = try Fixtures()
        try fixtures.write(
            recording: "leak.ndjson",
            [
                RecordingEntry(
                    at: 0.2, provider: "vertex", status: "JOB_STATE_FAILED", stage: "failed",
                    detail: FailureDetail(message: "auth failed with token \(secret)"))
            ])
        let pipeline = try fixtures.write(
            "p.json", fixtures.replayPipeline(recording: "leak.ndjson", speed: 1, providers: ["vertex"]))
        let recorded = fixtures.path("recorded.ndjson")
        let result = try await LaunchWatchProcess.run(
            ["run", pipeline, "--json", "--record", recorded], environment: ["SVC_TOKEN": secret])
        #expect(result.status == 1)
        let escaped = #"ya29.a0AfB/xyz\"quote\\back+slash"#
        let recording = try String(contentsOfFile: recorded, encoding: .utf8)
        for text in [result.stdout, result.stderr, recording] {
            #expect(!text.contains(escaped) && !text.contains(secret))
            #expect(!text.contains("a0AfB"))
        }
        #expect(result.stdout.contains("auth failed with token [REDACTED]"))
    }

    @Test("secrets from the environment never appear in output or recordings")
    func secretsAreRedacted() async throws {
        let secret = "sentinel-api-key-5f2b9c1e7d"
        let fixtures = try Fixtures()
        try fixtures.write(
            recording: "leak.ndjson",
            [
                RecordingEntry(
                    at: 0.1, provider: "vertex", error: .init(code: "http_401", message: "token \(secret) rejected")),
                RecordingEntry(
                    at: 0.3, provider: "vertex", status: "JOB_STATE_FAILED", stage: "failed",
                    detail: FailureDetail(message: "key \(secret) is invalid")),
            ])
        let pipeline = try fixtures.write(
            "p.json", fixtures.replayPipeline(recording: "leak.ndjson", speed: 1, providers: ["vertex"]))
        let recorded = fixtures.path("recorded.ndjson")
        for arguments in [["--json"], [], ["--record", recorded]] {
            let result = try await LaunchWatchProcess.run(
                ["run", pipeline] + arguments, environment: ["WANDB_API_KEY": secret])
            #expect(result.status == 1)
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
            #expect(result.stdout.contains("[REDACTED]"))
        }
        #expect(try !String(contentsOfFile: recorded, encoding: .utf8).contains(secret))
    }
}

@Suite("launchwatch run: the live terminal view", .launchWatchSlot)
struct LiveViewTests {
    @Test("under a terminal the view is redrawn in colour and ends with the failure message in full")
    func liveViewPrintsTheFullMessage() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
            let binary = LaunchWatchProcess.binary
        else {
            Issue.record("the live view needs script(1) from util-linux to get a terminal")
            return
        }
        let message =
            "Replicas low on disk: workerpool0. Specify a larger bootDiskSizeGb " + String(repeating: "x", count: 150)
        let fixtures = try Fixtures()
        try fixtures.write(
            recording: "failure.ndjson",
            [
                RecordingEntry(at: 0.2, provider: "vertex", status: "JOB_STATE_QUEUED", stage: "submitted"),
                RecordingEntry(
                    at: 0.6, provider: "vertex", status: "JOB_STATE_FAILED", stage: "failed",
                    detail: FailureDetail(code: "8", message: message + "\n  second line\u{1B}]0;title\u{07}")),
            ])
        let pipeline = try fixtures.write(
            "p.json", fixtures.replayPipeline(recording: "failure.ndjson", speed: 1, providers: ["vertex"]))
        let result = try await LaunchWatchProcess.run(
            ["-qfec", "stty cols 80; '\(binary.path)' run '\(pipeline)'", "/dev/null"], executable: "/usr/bin/script")
        #expect(result.status == 1)
        #expect(result.stdout.contains("\u{1B}[32m✓"), "the reached stage is marked in green")
        #expect(
            result.stdout.contains("\u{1B}[1F") || result.stdout.contains("F\u{1B}[J"), "the frame is redrawn in place")
        #expect(result.stdout.contains("why: \(message)"), "the whole message, not cut to the terminal's width")
        #expect(result.stdout.contains("second line"))
        #expect(!result.stdout.contains("\u{1B}]0;"), "escape sequences from the backend are neutralised")
        #expect(!result.stdout.contains("\u{07}"))
    }
}

@Suite("launchwatch run: bad usage and invalid pipelines", .launchWatchSlot)
struct RunCommandUsageTests {
    @Test("a provider whose config cannot work (an unreadable recording) exits 65 naming its config")
    func unreadableRecordingExits65() async throws {
        let fixtures = try Fixtures()
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "missing.ndjson"))
        let result = try await LaunchWatchProcess.run(["run", pipeline, "--json"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("providers[0].config: cannot read the recording missing.ndjson"))
        #expect(result.stdout.isEmpty, "nothing is watched")
        let validate = try await LaunchWatchProcess.run(["validate", pipeline])
        #expect(validate.status == 65, "validate finds it too")
    }

    @Test("validate rejects an undeclared --var as run does")
    func validateUndeclaredVariable() async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let pipeline = try fixtures.write("p.json", fixtures.replayPipeline(recording: "success.ndjson"))
        let result = try await LaunchWatchProcess.run(["validate", pipeline, "--var", "nope=1"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--var nope: the pipeline declares no variable \"nope\""))
    }

    @Test("an invalid pipeline exits 65 and names every problem with its JSON path")
    func invalidPipelineExits65() async throws {
        let fixtures = try Fixtures()
        let pipeline = try fixtures.write(
            "bad.json",
            """
            {"version": 1, "name": "bad", "stages": [{"id": "queued"}, {"id": "done", "outcome": "success"}],
             "providers": [{"id": "a", "type": "replya", "config": {}},
                           {"id": "b", "type": "replay", "config": {"file": "x"}, "schedule": {"every": "5 sec"}}]}
            """)
        let result = try await LaunchWatchProcess.run(["run", pipeline])
        #expect(result.status == 65)
        #expect(result.stderr.contains("providers[0].type: unknown provider type \"replya\"; did you mean \"replay\"?"))
        #expect(result.stderr.contains("providers[1].schedule.every: \"5 sec\" is not a duration"))
        #expect(result.stdout.isEmpty)
    }

    @Test("a missing pipeline file exits 65 and says so")
    func missingFileExits65() async throws {
        let result = try await LaunchWatchProcess.run(["run", "/nonexistent/pipeline.json"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("no such file"))
    }

    @Test(
        "bad usage exits 64 and names the flag",
        arguments: [
            (["--var", "novalue"], "--var novalue: expected NAME=value"),
            (["--var", "recordng=x"], "did you mean \"recording\"?"),
            (["--deadline", "5 min"], "--deadline 5 min: not a duration"),
            (["--no-such-flag"], "Unknown option '--no-such-flag'"),
        ])
    func badUsageExits64(arguments: [String], message: String) async throws {
        let fixtures = try Fixtures()
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let pipeline = try fixtures.write(
            "p.json",
            fixtures.replayPipeline(recording: "${var.recording}").replacingOccurrences(
                of: "\"version\": 1,", with: "\"version\": 1, \"variables\": {\"recording\": \"success.ndjson\"},"))
        let result = try await LaunchWatchProcess.run(["run", pipeline] + arguments)
        #expect(result.status == 64, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test("a variable without a value is an invalid pipeline naming the variable and the fix")
    func missingVariableValue() async throws {
        let fixtures = try Fixtures()
        let pipeline = try fixtures.write(
            "p.json",
            fixtures.replayPipeline(recording: "${var.recording}").replacingOccurrences(
                of: "\"version\": 1,", with: "\"version\": 1, \"variables\": {\"recording\": {}},"))
        let result = try await LaunchWatchProcess.run(["run", pipeline])
        #expect(result.status == 65)
        #expect(
            result.stderr.contains(
                "providers[0].config.file: variable \"recording\" has no value; pass --var recording=VALUE"))
    }
}
