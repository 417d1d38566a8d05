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
        let server = Task { try await emulator.run() }
        defer { server.cancel() }
        let base = try await emulator.baseURL().absoluteString
        await emulator.state.reset()
        // The job exists from 6 s; advance the scenario instead of waiting.
        await emulator.state.advance(by: 30)

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

    static func processCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
