import Foundation
import LaunchWatchCore
import Testing

@Suite("launch history (the built binary, on replayed recordings)", .launchWatchSlot)
struct HistoryTests {
    /// A fresh state folder, and a replay pipeline that runs in well under a second.
    struct Setup {
        let fixtures: Fixtures
        let state: String
        let success: String
        let failure: String

        init() throws {
            fixtures = try Fixtures()
            state = fixtures.path("state")
            try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
            try fixtures.write(recording: "failure.ndjson", Fixtures.failureRecording)
            success = try fixtures.write("success.json", fixtures.replayPipeline(recording: "success.ndjson"))
            failure = try fixtures.write("failure.json", fixtures.replayPipeline(recording: "failure.ndjson"))
        }

        var environment: [String: String] { ["XDG_STATE_HOME": state] }
        var file: String { state + "/launchwatch/history.ndjson" }

        func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws
            -> LaunchWatchProcess.Finished
        {
            try await LaunchWatchProcess.run(arguments, environment: environment.merging(extra) { $1 })
        }

        /// The history file's lines, each parsed (nil for a line that is not a JSON object).
        func lines() throws -> [JSONValue?] {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.hasSuffix("\n"), "every record ends its line")
            return text.split(separator: "\n").map { try? JSONParser.parse(String($0)) }
        }
    }

    @Test("the expected-time hint appears once 5 launches are recorded, not before, and is measured")
    func hintAfterFiveLaunches() async throws {
        let setup = try Setup()
        for launch in 1...5 {
            let result = try await setup.run(["run", setup.success])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(!result.stdout.contains("usually within"), "launch \(launch) has only \(launch - 1) before it")
            #expect(!result.stdout.contains("expected"))
        }
        let sixth = try await setup.run(["run", setup.success])
        #expect(sixth.status == 0, "stderr: \(sixth.stderr)")
        let expected = sixth.lines.filter { $0.contains(" expected ") }
        // succeeded is reached at 14.2 s / 20 = 0.71 s of replay: never within 0 s, and (on a
        // machine not frozen for a minute) well within one.
        #expect(expected.count == 5, "queued, picked up, submitted (inferred), running, succeeded:\n\(sixth.stdout)")
        let succeeded = try #require(expected.first { $0.contains("Succeeded") })
        #expect(succeeded.contains("(p90 of 5)"), "\(succeeded)")
        let seconds = try #require(succeeded.firstMatch(of: /usually within (\d+)s/)).1
        #expect(Int(seconds).map { $0 >= 1 && $0 < 60 } == true, "\(succeeded)")
        #expect(!sixth.stdout.contains("Failed  usually"), "a failure stage gets no estimate")
        // A different pipeline (by name) has no history yet.
        let other = try setup.fixtures.write(
            "other.json",
            setup.fixtures.replayPipeline(recording: "success.ndjson").replacingOccurrences(
                of: "\"test flow\"", with: "\"other flow\""))
        let first = try await setup.run(["run", other])
        #expect(!first.stdout.contains("usually within"))
    }

    @Test("history --json lists each launch with its stage times, outcome and message, and p50/p90 per stage")
    func historyJSON() async throws {
        let setup = try Setup()
        #expect(try await setup.run(["run", setup.success, "--json"]).status == 0)
        #expect(try await setup.run(["run", setup.failure]).status == 1)
        // Off: the flag and the environment variable each leave the history untouched.
        #expect(try await setup.run(["run", setup.success, "--no-history"]).status == 0)
        #expect(try await setup.run(["run", setup.success], environment: ["LAUNCHWATCH_NO_HISTORY": "1"]).status == 0)

        let result = try await setup.run(["history", "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let value = try JSONParser.parse(result.stdout)
        guard case .array(let launches)? = value["launches"], case .array(let estimates)? = value["estimates"] else {
            Issue.record("launches and estimates are arrays: \(result.stdout)")
            return
        }
        #expect(launches.count == 2, "--no-history and LAUNCHWATCH_NO_HISTORY=1 recorded nothing")
        #expect(launches.map { $0["outcome"] } == [.string("success"), .string("failure")])
        #expect(launches.map { $0["pipeline"] } == [.string("test flow"), .string("test flow")])
        #expect(launches[1]["message"] == .string("Replicas low on disk: workerpool0."))
        #expect(launches[1]["stage"] == .string("failed"))
        guard case .array(let stages)? = launches[0]["stages"] else {
            Issue.record("stages is an array")
            return
        }
        #expect(
            stages.map { $0["stage"] }
                == ["queued", "picked_up", "submitted", "running", "succeeded"].map {
                    .string($0)
                })
        #expect(stages.map { $0["source"] }.first == .string("queue"))
        #expect(stages.first { $0["stage"] == .string("submitted") }?["inferred"] == .bool(true))
        if case .number(let seconds)? = stages.last?["seconds"] {
            #expect(seconds >= 0.7 && seconds < 60, "succeeded at 14.2 s / 20 of replay")
        } else {
            Issue.record("seconds is a number")
        }
        #expect(estimates.count == 1)
        #expect(estimates.first?["launches"] == .number(2))
        guard case .array(let perStage)? = estimates.first?["stages"] else {
            Issue.record("estimates carry stages")
            return
        }
        let queued = try #require(perStage.first { $0["stage"] == .string("queued") })
        #expect(queued["count"] == .number(2))
        if case .number(let p50)? = queued["p50"], case .number(let p90)? = queued["p90"] {
            #expect(p50 <= p90)
        } else {
            Issue.record("p50 and p90 are numbers")
        }

        let last = try JSONParser.parse(try await setup.run(["history", "--json", "--last", "1"]).stdout)
        if case .array(let newest)? = last["launches"] {
            #expect(newest.map { $0["outcome"] } == [.string("failure")])
        } else {
            Issue.record("--last 1 lists launches")
        }
        let text = try await setup.run(["history"])
        #expect(text.stdout.contains("test flow: 2 launches"), "\(text.stdout)")
        #expect(text.stdout.contains("Replicas low on disk"))
        let wrong = try await setup.run(["history", "--pipeline", "test flwo"])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("did you mean \"test flow\"?"), "\(wrong.stderr)")
    }

    @Test("two watches finishing at once both land in the history, each record intact")
    func concurrentWatches() async throws {
        let setup = try Setup()
        let processes = try (0..<2).map { index in
            try LaunchWatchProcess(
                ["run", index == 0 ? setup.success : setup.failure, "--json"], environment: setup.environment)
        }
        var results: [LaunchWatchProcess.Finished] = []
        for process in processes { results.append(await process.finish()) }
        #expect(results.map(\.status) == [0, 1])
        let lines = try setup.lines()
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0 != nil }, "every line is whole JSON")
        #expect(Set(lines.compactMap { $0?["outcome"] }) == [.string("success"), .string("failure")])
    }

    @Test("the history is bounded: past its size limit the oldest records go, whole lines remain")
    func boundedSize() async throws {
        let setup = try Setup()
        // One record of this pipeline is about 700 bytes: 2000 bytes hold two, trimming keeps one.
        let environment = ["LAUNCHWATCH_HISTORY_MAX_BYTES": "2000"]
        for _ in 0..<4 {
            #expect(try await setup.run(["run", setup.success], environment: environment).status == 0)
        }
        #expect(try await setup.run(["run", setup.failure], environment: environment).status == 1)
        let size = try FileManager.default.attributesOfItem(atPath: setup.file)[.size] as? Int ?? .max
        #expect(size <= 2000)
        let lines = try setup.lines()
        #expect(!lines.isEmpty && lines.count < 5)
        #expect(lines.allSatisfy { $0 != nil })
        #expect(lines.last??["outcome"] == .string("failure"), "the newest record is kept")
    }
}
