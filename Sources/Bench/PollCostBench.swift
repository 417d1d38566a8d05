import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore
import LaunchWatchEmulator

#if canImport(Glibc)
    import Glibc
#endif

/// The cost of one poll in-process: a vertex-rest provider asking the emulator (in this process too)
/// for the success scenario's job, `count` times in a row after a warm-up.
enum PollCostBench {
    static func measure(count: Int = 300) async throws -> BenchReport.PollCost {
        guard var scenario = try Scenario.bundled("success") else {
            throw MeasuredChild.SpawnError(description: "the success scenario is missing")
        }
        scenario.timeScale = 1
        let emulator = Emulator(scenario: scenario)
        return try await emulator.serving { url in
            // The job exists from 6 s; advance the scenario instead of waiting.
            await emulator.state.reset()
            await emulator.state.advance(by: 30)
            return try await measure(count: count, scenario: scenario, base: url.absoluteString)
        }
    }

    /// `count` polls of the vertex-rest provider against the emulator at `base`, after a warm-up.
    private static func measure(count: Int, scenario: Scenario, base: String) async throws -> BenchReport.PollCost {
        let registry = BuiltinProviders.registry()
        guard let registration = registry["vertex-rest"] else {
            throw MeasuredChild.SpawnError(description: "vertex-rest is not registered")
        }
        let configuration = JSONValue.object([
            ("project", .string(scenario.project)), ("region", .string(scenario.region)),
            ("endpoint", .string(base)),
            ("match", .object([("labels", .object([("wandb-run-id", .string("k3x9ab12"))]))])),
        ])
        let startedAt = Date()
        let provider = try registration.make(
            configuration: configuration, at: JSONPath(),
            context: ProviderContext(
                id: "vertex", baseDirectory: URL(fileURLWithPath: "/"),
                environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "bench-access-token"], startedAt: startedAt))
        for attempt in 0..<20 {
            _ = try await provider.poll(PollContext(now: Date(), startedAt: startedAt, attempt: attempt))
        }
        var walls: [Double] = []
        let cpuBefore = processCPU()
        for attempt in 0..<count {
            let start = ContinuousClock.now
            _ = try await provider.poll(PollContext(now: Date(), startedAt: startedAt, attempt: attempt))
            walls.append(start.duration(to: .now).seconds)
        }
        let cpu = processCPU() - cpuBefore
        walls.sort()
        return BenchReport.PollCost(
            count: count, wallP50: walls[count / 2], wallP95: walls[Int(Double(count) * 0.95)],
            cpuPerPoll: cpu / Double(count))
    }

    /// From starting `launchwatch run` (one vertex-rest provider) to the emulator's first request,
    /// the median of `count` starts, one at a time.
    static func startToFirstRequest(executable: String, folder: URL, count: Int = 5) async throws -> Double {
        guard let scenario = try Scenario.bundled("success") else {
            throw MeasuredChild.SpawnError(description: "the success scenario is missing")
        }
        let pipeline = folder.appendingPathComponent("start.json")
        try SweepBench.pipeline.write(to: pipeline, atomically: true, encoding: .utf8)
        var times: [Double] = []
        for _ in 0..<count {
            let emulator = Emulator(scenario: scenario)
            let time = try await emulator.serving { url in
                await emulator.state.reset()
                let epoch = await emulator.state.date(0)
                let child = MeasuredChild(
                    executable: executable,
                    arguments: [
                        "run", pipeline.path, "--json", "--deadline", "1s", "--var", "runId=k3x9ab12", "--var",
                        "endpoint=\(url.absoluteString)",
                    ],
                    environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "bench-access-token"])
                let result = try await child.run()
                return await emulator.state.requestLog().map(\.time).min().map {
                    epoch.addingTimeInterval($0).timeIntervalSince(result.started)
                }
            }
            if let time { times.append(time) }
        }
        times.sort()
        return times.isEmpty ? .nan : times[times.count / 2]
    }

    static func processCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
