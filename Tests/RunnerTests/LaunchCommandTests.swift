import Foundation
import LaunchWatchCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `launchwatch launch -- COMMAND`, end to end: the real `wandb launch` CLI (from the conformance
/// virtualenv) pushes to `launchwatch emulate --scenario agent-vertex-fails`, whose agent claims each
/// pushed item, submits a Vertex AI job named after it and fails that job.
@Suite("launchwatch launch (the built binary, the real wandb CLI, the emulator)", .launchWatchSlot)
struct LaunchCommandTests {
    /// The python with the official clients (`$LAUNCHWATCH_CONFORMANCE_PYTHON`, else the repository's
    /// `.venv-conformance`); under CI its absence is a failure, elsewhere a skip with a warning.
    static var python: String? {
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["LAUNCHWATCH_CONFORMANCE_PYTHON"],
            Fixtures.repository.appendingPathComponent(".venv-conformance/bin/python").path,
        ]
        let found = candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
        if found == nil {
            let message = "CONFORMANCE NOT RUN: no python with the official wandb client (run .ci/conformance-venv)"
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record(Comment(rawValue: message))
            } else {
                FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
            }
        }
        return found
    }

    /// What every launch against `base` needs: the emulator's endpoints for the pipeline, and for the
    /// wandb CLI its URL, a key of the length it requires and a home of its own.
    static func arguments(base: URL) -> [String] {
        let url = base.absoluteString
        return [
            "--var", "project=launchwatch-demo", "--var", "wandbBaseURL=\(url)", "--var", "vertexEndpoint=\(url)",
            "--var", "loggingEndpoint=\(url)", "--json",
        ]
    }

    static func environment(base: URL, home: String) -> [String: String] {
        [
            "WANDB_BASE_URL": base.absoluteString, "WANDB_API_KEY": String(repeating: "e", count: 40),
            "HOME": home, "WANDB_CONFIG_DIR": home + "/.config/wandb", "WANDB_DIR": home,
            "GOOGLE_OAUTH_ACCESS_TOKEN": "t",
        ]
    }

    @Test(
        "two `wandb launch` at once: each gets its own --name and reports its own queued, picked up, submitted and failure"
    )
    func twoLaunchesFollowTheirOwn() async throws {
        guard let python = Self.python else { return }
        let fixtures = try Fixtures()
        try await LaunchWatchProcess.withEmulator(["--scenario", "agent-vertex-fails"]) { _, base in
            // One through the `wandb` executable by its path, one as `python -m wandb launch`.
            let wandb = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("wandb").path
            let commands = [
                [wandb, "launch"], [python, "-m", "wandb", "launch"],
            ].map {
                $0 + [
                    "--docker-image", "busybox:latest", "--queue", "vertex-gpu", "--entity", "my-team", "--project",
                    "proj",
                ]
            }
            let processes = try commands.map { command in
                try LaunchWatchProcess(
                    ["launch"] + Self.arguments(base: base) + ["--"] + command,
                    environment: Self.environment(base: base, home: fixtures.path("home")))
            }
            var results: [LaunchWatchProcess.Finished] = []
            for process in processes { results.append(await process.finish(timeout: 90)) }
            var names: [String] = []
            var jobs: [String] = []
            for result in results {
                #expect(result.status == 1, "the agent fails the job; stderr: \(result.stderr)")
                let events = try #require(result.events, "stdout is NDJSON only (the command's output goes to stderr)")
                let reached = events.filter { $0.type == "stage" && $0.bool("inferred") == false }.compactMap {
                    $0.string("stage")
                }
                #expect(Array(reached.prefix(3)) == ["queued", "picked_up", "submitted"], "\(reached)")
                let finished = try #require(events.last)
                #expect(finished.type == "finished" && finished.string("outcome") == "failure")
                guard case .object? = finished.value["detail"],
                    case .string(let message)? = finished.value["detail"]?["message"]
                else {
                    Issue.record("the failure carries the job's message: \(result.stdout)")
                    continue
                }
                #expect(message.hasPrefix("Unable to pull the image busybox:latest"))
                // The name launchwatch added, as the command ran with it.
                let name = try #require(result.stderr.firstMatch(of: #/launch (busybox-[a-z0-9]{6}): /#)).1
                #expect(result.stderr.contains("--name \(name) --docker-image"), "\(result.stderr)")
                #expect(result.stderr.contains("'name': '\(name)'"), "the wandb CLI pushed a spec with that name")
                names.append(String(name))
                let submitted = try #require(events.first { $0.string("stage") == "submitted" })
                jobs.append(submitted.string("subject") ?? "")
            }
            #expect(Set(names).count == 2, "two names: \(names)")
            #expect(Set(jobs).count == 2 && !jobs.contains(""), "each followed its own Vertex job: \(jobs)")
        }
    }

    @Test("on a W&B server that knows only the queue-item fields the official client reads, the name chain still works")
    func strictServerNameChain() async throws {
        guard let python = Self.python else { return }
        let fixtures = try Fixtures()
        // agent-vertex-fails on a strict server (no runSpec on queue items), whose agent also starts
        // the run named after the launch before it submits the job.
        let bundled = try String(
            contentsOf: Fixtures.repository.appendingPathComponent("Examples/scenarios/agent-vertex-fails.json"),
            encoding: .utf8)
        let strict =
            bundled
            .replacingOccurrences(
                of: #""queues": ["vertex-gpu"]}"#, with: #""queues": ["vertex-gpu"], "strictQueueItems": true}"#
            )
            .replacingOccurrences(of: #""claim": "2s","#, with: #""claim": "2s", "run": "3s","#)
        #expect(strict.contains("strictQueueItems") && strict.contains(#""run": "3s""#))
        let scenario = try fixtures.write("strict.json", strict)
        try await LaunchWatchProcess.withEmulator(["--scenario", scenario]) { _, base in
            let result = try await LaunchWatchProcess.run(
                ["launch"] + Self.arguments(base: base) + [
                    "--var", "finishOn=succeeded", "--", python, "-m", "wandb", "launch", "--docker-image",
                    "busybox:latest", "--queue", "vertex-gpu", "--entity", "my-team", "--project", "proj",
                ],
                environment: Self.environment(base: base, home: fixtures.path("home")))
            #expect(result.status == 1, "stderr: \(result.stderr)")
            let events = try #require(result.events)
            let pickedUp = try #require(events.first { $0.type == "stage" && $0.string("stage") == "picked_up" })
            #expect(pickedUp.string("source") == "queue" && pickedUp.bool("inferred") == false)
            #expect(
                events.contains { $0.type == "fact" && $0.string("name") == "run_id" && $0.string("source") == "queue" }
            )
            #expect(events.contains { $0.type == "notice" && ($0.string("message") ?? "").contains("launch specs") })
            let finished = try #require(events.last)
            #expect(finished.string("outcome") == "failure")
        }
    }

    @Test("a launch command that fails (an unknown queue) ends the watch; launch exits with its code and message")
    func failingCommandExitsWithItsCode() async throws {
        guard let python = Self.python else { return }
        let fixtures = try Fixtures()
        try await LaunchWatchProcess.withEmulator(["--scenario", "agent-vertex-fails"]) { _, base in
            let result = try await LaunchWatchProcess.run(
                ["launch"] + Self.arguments(base: base) + [
                    "--", python, "-m", "wandb", "launch", "--docker-image", "busybox:latest", "--queue",
                    "no-such-queue",
                    "--entity", "my-team", "--project", "proj",
                ],
                environment: Self.environment(base: base, home: fixtures.path("home")))
            #expect(result.status == 1, "wandb launch exits 1; stderr: \(result.stderr)")
            #expect(result.stderr.contains("launch: the command exited with code 1"), "\(result.stderr)")
            #expect(result.stderr.contains("  | "), "the end of its standard error is shown again")
            #expect(
                result.stderr.contains("  | wandb: WARNING Unable to push to run queue no-such-queue. Queue not found.")
            )
            #expect(result.events?.contains { $0.string("stage") == "picked_up" } == false)
        }
    }

    @Test("any command: its own exit code and the end of its stderr; the name reaches it as LAUNCHWATCH_LAUNCH_NAME")
    func anyCommand() async throws {
        let fixtures = try Fixtures()
        let pipeline = try fixtures.write(
            "p.json",
            fixtures.replayPipeline(recording: "success.ndjson").replacingOccurrences(
                of: #""version": 1,"#, with: #""version": 1, "variables": {"name": {"description": "the launch"}},"#))
        try fixtures.write(recording: "success.ndjson", Fixtures.successRecording)
        let state = ["XDG_STATE_HOME": fixtures.path("state")]
        let failing = try await LaunchWatchProcess.run(
            [
                "launch", "--pipeline", pipeline, "--var", "name=my-run", "--",
                "sh", "-c", "echo \"started $LAUNCHWATCH_LAUNCH_NAME\"; echo 'quota exceeded for gpus' >&2; exit 3",
            ], environment: state)
        #expect(failing.status == 3, "stderr: \(failing.stderr)")
        #expect(failing.stdout.contains("started my-run"), "the command's output is shown: \(failing.stdout)")
        #expect(failing.stderr.contains("launch: the command exited with code 3"))
        #expect(failing.stderr.contains("  | quota exceeded for gpus"))

        let succeeding = try await LaunchWatchProcess.run(
            ["launch", "--pipeline", pipeline, "--", "true"], environment: state)
        #expect(succeeding.status == 0, "the watch's own outcome; stderr: \(succeeding.stderr)")
        #expect(succeeding.stdout.firstMatch(of: /launch launch-[a-z0-9]{6}: true/) != nil, "\(succeeding.stdout)")

        // Only the launch whose command succeeded is in the history, under its name.
        let history = try JSONParser.parse(
            try await LaunchWatchProcess.run(["history", "--json"], environment: state).stdout)
        guard case .array(let launches)? = history["launches"], case .string(let name)? = launches.first?["name"]
        else {
            Issue.record("history --json lists the launch with its name")
            return
        }
        #expect(launches.count == 1)
        #expect(name.hasPrefix("launch-"))

        let missing = try await LaunchWatchProcess.run(["launch", "--pipeline", pipeline])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("give the launch command after --"))
    }

    @Test(
        "Examples/python/launch_and_watch.py: launch_add, then launchwatch run --json as a subprocess, event by event")
    func pythonExample() async throws {
        guard let python = Self.python else { return }
        let binary = try #require(LaunchWatchProcess.binary, "the launchwatch binary is built")
        let fixtures = try Fixtures()
        try await LaunchWatchProcess.withEmulator(["--scenario", "agent-vertex-fails"]) { _, base in
            let script = Fixtures.repository.appendingPathComponent("Examples/python/launch_and_watch.py").path
            let url = base.absoluteString
            let result = try await LaunchWatchProcess(
                [
                    script, "--entity", "my-team", "--project", "proj", "--queue", "vertex-gpu", "--docker-image",
                    "busybox:latest", "--launchwatch", binary.path, "--", "--var", "project=launchwatch-demo", "--var",
                    "wandbBaseURL=\(url)", "--var", "vertexEndpoint=\(url)", "--var", "loggingEndpoint=\(url)",
                ],
                environment: Self.environment(base: base, home: fixtures.path("home")), executable: python
            ).finish(timeout: 90)
            #expect(result.status == 1, "launchwatch's exit status: the job failed; stderr: \(result.stderr)")
            let lines = result.lines
            #expect(
                lines.first?.firstMatch(of: /^queued busybox-[0-9a-f]{6} as item \S+ in vertex-gpu$/) != nil, "\(lines)"
            )
            for stage in [
                "Queued (seen by queue)", "Picked up by the launch agent (seen by queue)", "Submitted to Vertex AI",
            ] {
                #expect(lines.contains { $0.hasPrefix(stage) }, "\(stage): \(result.stdout)")
            }
            #expect(lines.contains { $0.hasPrefix("run_id = ") })
            #expect(
                lines.last?.firstMatch(of: /^launch failure after [0-9.]+s: Unable to pull the image busybox:latest/)
                    != nil,
                "\(result.stdout)")
        }
    }

    @Test("the bundled by-name pipeline is Examples/pipelines/wandb-launch-by-name.json (Scripts/embed-scenarios)")
    func bundledPipelineMatchesExample() throws {
        let example = try String(
            contentsOf: Fixtures.repository.appendingPathComponent("Examples/pipelines/wandb-launch-by-name.json"),
            encoding: .utf8)
        let source = try String(
            contentsOf: Fixtures.repository.appendingPathComponent(
                "Sources/CLI/BundledPipeline.swift"), encoding: .utf8)
        #expect(source.contains(example.trimmingCharacters(in: .newlines)))
    }
}
