import Foundation
import LaunchWatchCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM at varied moments of a watch, of a sweep, and of a watch whose gcloud child
/// hangs: the exit is 130 / 143, the NDJSON stream is complete and valid up to a final event, and no
/// child is left running.
@Suite("Signals", .launchWatchSlot)
struct SignalTests {
    /// Moments (seconds after the watch's `started` line) and signals, spread over the watch: before
    /// the first answer, between stages, while a poll is out. Counted from `started`, not from the
    /// process's start: a signal before the program has set up its handlers ends it as any program
    /// (killed by the signal), and on a loaded machine that start alone can take longer than 50 ms.
    static let moments: [(Double, Int32)] = [
        (0.05, SIGINT), (0.4, SIGTERM), (1.3, SIGINT), (2.9, SIGTERM), (4.4, SIGINT),
    ]

    @Test("a watch interrupted at any moment exits 130/143 with a valid stream ending in one interrupted event")
    func watchAtVariedMoments() async throws {
        for (delay, signal) in Self.moments {
            let process = try LaunchWatchProcess(["demo", "--scenario", "success", "--json", "--speed", "2"])
            #expect(await process.waitForLine { EventLine($0)?.type == "started" }, "at \(delay) s: the watch started")
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            process.send(signal: signal)
            let result = await process.finish()
            #expect(result.status == 128 + signal, "at \(delay) s: stderr: \(result.stderr)")
            let events = try #require(result.events, "at \(delay) s: every line is complete, valid JSON")
            #expect(events.filter { $0.type == "finished" }.count == 1, "at \(delay) s")
            #expect(events.last?.type == "finished" && events.last?.string("outcome") == "interrupted", "at \(delay) s")
        }
    }

    @Test("a sweep interrupted exits 143, every launch ends interrupted, and the stream ends with the sweep line")
    func sweep() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("scenario.json")
        try SweepTests.scenario(4).replacingOccurrences(of: #""at": "2s""#, with: #""at": "60s""#)
            .write(to: scenario, atomically: true, encoding: .utf8)
        let targets = folder.appendingPathComponent("targets.txt")
        try (0..<4).map { "runId=run\($0)" }.joined(separator: "\n").write(
            to: targets, atomically: true, encoding: .utf8)
        try await LaunchWatchProcess.withEmulator(["--scenario", scenario.path]) { _, base in
            let process = try LaunchWatchProcess(
                [
                    "run", SweepTests.pipeline, "--targets", targets.path, "--json", "--var",
                    "project=launchwatch-demo",
                    "--var", "endpoint=\(base.absoluteString)",
                ],
                environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "t"])
            #expect(await process.waitForLine { EventLine($0)?.string("stage") == "submitted" })
            process.send(signal: SIGTERM)
            let result = await process.finish()
            #expect(result.status == 143, "stderr: \(result.stderr)")
            let events = try #require(result.events, "every line is complete, valid JSON")
            let finished = events.filter { $0.type == "finished" }
            #expect(Set(finished.compactMap { $0.string("target") }) == ["run0", "run1", "run2", "run3"])
            #expect(finished.allSatisfy { $0.string("outcome") == "interrupted" })
            #expect(events.last?.type == "sweep")
            #expect(events.last?.value["interrupted"] == .number(4))
        }
    }

    @Test("SIGTERM while gcloud hangs leaves no gcloud running")
    func noChildLeftRunning() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gcloud-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A gcloud that never answers: a shell (named by the marker) waiting on a sleep of a length no
        // other process has.
        let marker = "hanging-gcloud-\(UUID().uuidString.prefix(8))"
        let gcloud = folder.appendingPathComponent(marker)
        let sleep = "300.\(Int.random(in: 100_000...999_999))"
        try "#!/bin/sh\nsleep \(sleep)\n".write(to: gcloud, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: gcloud.path)
        let pipeline = Fixtures.repository.appendingPathComponent("Examples/pipelines/vertex-gcloud.json").path
        let process = try LaunchWatchProcess([
            "run", pipeline, "--json", "--var", "project=p", "--var", "runId=r", "--var", "gcloud=\(gcloud.path)",
            "--allow-commands",
        ])
        // Wait until the watch runs gcloud (and its sleep).
        #expect(await process.waitForLine { EventLine($0)?.type == "started" })
        let started = Date()
        while Self.processes(matching: sleep).isEmpty, Date().timeIntervalSince(started) < 10 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!Self.processes(matching: sleep).isEmpty, "the fake gcloud was started")
        process.send(signal: SIGTERM)
        let result = await process.finish()
        #expect(result.status == 143, "stderr: \(result.stderr)")
        #expect(result.events?.last?.string("outcome") == "interrupted")
        let stopped = Date()
        func leftOver() -> [Int] { Self.processes(matching: marker) + Self.processes(matching: sleep) }
        while !leftOver().isEmpty, Date().timeIntervalSince(stopped) < 3 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(leftOver().isEmpty, "no gcloud (nor its sleep) left running")
    }

    @Test(
        "a second signal ends launchwatch at once: after the first, launch waits for its command; the second does not")
    func secondSignal() async throws {
        let fixtures = try Fixtures()
        // A replay far too slow to finish: the watch ends only when it is interrupted.
        let pipeline = try fixtures.write(
            "p.json",
            fixtures.replayPipeline(recording: "success.ndjson", speed: 0.001).replacingOccurrences(
                of: #""version": 1,"#, with: #""version": 1, "variables": {"name": {"description": "the launch"}},"#))
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        // A command that outlives the watch (launchwatch alone is signalled; it ignores SIGTERM anyway).
        let sleep = "300.\(Int.random(in: 100_000...999_999))"
        let process = try LaunchWatchProcess([
            "launch", "--json", "--no-history", "--pipeline", pipeline, "--var", "name=n", "--",
            "sh", "-c", "trap '' TERM; sleep \(sleep)",
        ])
        defer {
            for pid in Self.processes(matching: sleep) { kill(pid_t(pid), SIGKILL) }
        }
        #expect(await process.waitForLine { EventLine($0)?.type == "started" })
        process.send(signal: SIGTERM)
        #expect(
            await process.waitForLine { EventLine($0)?.type == "finished" },
            "the first signal ends the watch with its summary; launch then waits for its command")
        let second = Date()
        process.send(signal: SIGTERM)
        let result = await process.finish(timeout: 30)
        #expect(result.status == 143, "stderr: \(result.stderr)")
        #expect(Date().timeIntervalSince(second) < 15, "the second signal does not wait for the command")
        #expect(result.events?.last?.string("outcome") == "interrupted")
    }

    /// The pids of processes whose command line contains `marker` (from /proc), launchwatch itself
    /// (whose arguments name the fake gcloud) left out.
    static func processes(matching marker: String) -> [Int] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = String(decoding: data, as: UTF8.self).split(separator: "\0")
            guard let program = arguments.first, !program.hasSuffix("launchwatch") else { return false }
            return arguments.contains { $0.contains(marker) }
        }
    }
}
