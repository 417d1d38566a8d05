import Foundation
import LaunchWatchCore
import Testing

/// `launchwatch bench` end to end, in its quick form (a fast scenario, no gcloud): the tables and the
/// JSON are written and hold what was measured. Figures are not asserted — benchmarks carry them.
@Suite("launchwatch bench", .launchWatchSlot)
struct BenchCommandTests {
    @Test("bench writes bench.md and bench.json with lag, cost and targets for each pipeline")
    func benchWritesItsTables() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try await LaunchWatchProcess.run([
            "bench", "--scenarios", "vertex-disk-too-small", "--pipelines", "default,fixed,logs-only", "--speed", "20",
            "--sweeps", "0", "--out", out.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let markdown = try String(contentsOf: out.appendingPathComponent("bench.md"), encoding: .utf8)
        #expect(markdown.contains("| failed |"))
        #expect(markdown.contains("default: lag p50 ≤ 0.5 s"))
        #expect(result.stdout.contains(markdown.trimmingCharacters(in: .newlines)), "the tables are printed too")

        let json = try JSONParser.parse(Data(contentsOf: out.appendingPathComponent("bench.json")))
        guard case .array(let runs)? = json["runs"] else {
            Issue.record("bench.json has no runs: \(json.jsonText.prefix(300))")
            return
        }
        #expect(runs.count == 3)
        for run in runs {
            #expect(run["outcome"] == .string("failure"), "every pipeline sees the launch fail: \(run.jsonText)")
            if case .number(let lag)? = run["stageLag"]?["failed"] {
                #expect(lag > 0, "measured from the scenario's own moment: \(run.jsonText)")
            } else {
                Issue.record("no lag for the failure: \(run.jsonText)")
            }
        }
        let logsOnly = runs.first { $0["pipeline"] == .string("logs-only") }
        let ours = runs.first { $0["pipeline"] == .string("default") }
        if case .number(let slow)? = logsOnly?["stageLag"]?["failed"],
            case .number(let fast)? = ours?["stageLag"]?["failed"]
        {
            #expect(slow > fast, "the logs' ingestion delay shows")
        }
        #expect(ours?["requests"]?["vertex"]?["total"] != nil, "requests are counted per provider")
        guard case .array(let targets)? = json["targets"] else {
            Issue.record("bench.json has no targets")
            return
        }
        #expect(targets.count >= 6)
    }

    @Test("bench rejects an unknown scenario or pipeline with the flag's name")
    func benchRejectsBadInput() async throws {
        let scenario = try await LaunchWatchProcess.run(["bench", "--scenarios", "sucess"])
        #expect(scenario.status == 64)
        #expect(scenario.stderr.contains(#"--scenarios: no bundled scenario "sucess"; did you mean "success"?"#))
        let pipeline = try await LaunchWatchProcess.run(["bench", "--pipelines", "fastest"])
        #expect(pipeline.status == 64)
        #expect(pipeline.stderr.contains(#"--pipelines: unknown pipeline "fastest""#))
    }
}
