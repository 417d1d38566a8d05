import Foundation
import LaunchWatchCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `launchwatch run --targets`: many launches in one process, with Vertex AI listed once per tick for
/// all of them. The built binary watches a generated scenario on `launchwatch emulate`; requests
/// are read from the emulator's log. No timing is asserted: request counts are compared across N.
@Suite("Sweeps (run --targets)", .launchWatchSlot)
struct SweepTests {
    static let pipeline = Fixtures.repository.appendingPathComponent("Examples/pipelines/vertex-rest.json").path

    /// N launches whose jobs all share one display name: the odd ones fail with their own message,
    /// the even ones run.
    static func scenario(_ count: Int) -> String {
        var steps: [String] = []
        for index in 0..<count {
            let id = String(format: "90000000000000%05d", index)
            steps.append(
                #"{"at": "1s", "do": "createJob", "id": "\#(id)", "displayName": "sweep-trial", "labels": {"wandb-run-id": "run\#(index)"}}"#
            )
            if index % 2 == 1 {
                steps.append(
                    #"{"at": "2s", "do": "failJob", "id": "\#(id)", "code": 3, "message": "trial \#(index) diverged"}"#)
            } else {
                steps.append(#"{"at": "2s", "do": "setJobState", "id": "\#(id)", "state": "JOB_STATE_RUNNING"}"#)
            }
        }
        return """
            {"name": "sweep-\(count)", "timeScale": 1, "project": "launchwatch-demo", "projectNumber": "123456789012",
             "region": "us-central1", "timeline": [\(steps.joined(separator: ",\n"))]}
            """
    }

    struct Sweep {
        var status: Int32
        var events: [EventLine]
        var vertexRequests: Int
        var seconds: Double
        /// The emulator's log of `vertex.list` requests: status and filter.
        var listings: [(status: Int, filter: String)] = []
    }

    func sweep(_ count: Int, scenario text: String? = nil, deadline: String = "30s") async throws -> Sweep {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("scenario.json")
        try (text ?? Self.scenario(count)).write(to: scenario, atomically: true, encoding: .utf8)
        let targets = folder.appendingPathComponent("targets.txt")
        try (["# one launch per line"] + (0..<count).map { "runId=run\($0)" }).joined(separator: "\n")
            .write(to: targets, atomically: true, encoding: .utf8)

        return try await LaunchWatchProcess.withEmulator(["--scenario", scenario.path]) { _, base in
            let started = Date()
            let result = try await LaunchWatchProcess.run(
                [
                    "run", Self.pipeline, "--targets", targets.path, "--json", "--deadline", deadline, "--var",
                    "project=launchwatch-demo", "--var", "endpoint=\(base.absoluteString)",
                ],
                environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "t"])
            let seconds = Date().timeIntervalSince(started)
            let log = try await LaunchWatchProcess.send(
                URLRequest(url: base.appendingPathComponent("_emulator/requests")))
            let json = try JSONParser.parse(log.body)
            var vertex = 0
            if case .number(let list)? = json["byRoute"]?["vertex.list"] { vertex += Int(list) }
            if case .number(let get)? = json["byRoute"]?["vertex.get"] { vertex += Int(get) }
            var listings: [(Int, String)] = []
            if case .array(let requests)? = json["requests"] {
                for request in requests where request["route"] == .string("vertex.list") {
                    guard case .number(let status)? = request["status"] else { continue }
                    var filter = ""
                    if case .string(let text)? = request["query"]?["filter"] { filter = text }
                    listings.append((Int(status), filter))
                }
            }
            return Sweep(
                status: result.status, events: result.events ?? [], vertexRequests: vertex, seconds: seconds,
                listings: listings)
        }
    }

    @Test("each target reports its own outcome although all jobs share one display name; exit 1 as some failed")
    func eachTargetItsOwnOutcome() async throws {
        let run = try await sweep(6)
        #expect(run.status == 1)
        let finished = run.events.filter { $0.type == "finished" }
        #expect(finished.count == 6, "one finished event per target")
        for index in 0..<6 {
            let mine = finished.first { $0.string("target") == "run\(index)" }
            if index % 2 == 1 {
                #expect(mine?.string("outcome") == "failure")
                if case .object(let detail)? = mine?.value["detail"] {
                    #expect(detail.first { $0.key == "message" }?.value == .string("trial \(index) diverged"))
                } else {
                    Issue.record("run\(index) has no detail")
                }
            } else {
                #expect(mine?.string("outcome") == "success", "run\(index)")
            }
        }
        #expect(run.events.first?.type == "started")
        #expect(run.events.last?.type == "sweep")
        #expect(run.events.last?.value["failed"] == .number(3))
        #expect(
            run.events.filter { $0.type != "started" && $0.type != "sweep" }.allSatisfy { $0.string("target") != nil })
    }

    @Test("20 launches against a Vertex that holds to its reference (no update_time): every target its own outcome")
    func twentyLaunchesDocumentedFiltersOnly() async throws {
        let run = try await sweep(20)
        #expect(run.status == 1)
        let finished = run.events.filter { $0.type == "finished" }
        #expect(finished.count == 20)
        for index in 0..<20 {
            let mine = finished.first { $0.string("target") == "run\(index)" }
            if index % 2 == 1 {
                #expect(mine?.string("outcome") == "failure", "run\(index)")
                guard case .object(let detail)? = mine?.value["detail"] else {
                    Issue.record("run\(index) has no detail")
                    continue
                }
                #expect(detail.first { $0.key == "message" }?.value == .string("trial \(index) diverged"))
            } else {
                #expect(mine?.string("outcome") == "success", "run\(index)")
            }
        }
        #expect(!run.listings.isEmpty)
        #expect(run.listings.allSatisfy { $0.status == 200 }, "no listing refused: \(run.listings.map(\.status))")
        for (_, filter) in run.listings {
            #expect(!filter.contains("update_time") && !filter.contains("!="), "\(filter)")
        }
    }

    @Test("Vertex requests do not grow with the number of launches (1, 10, 100)")
    func requestsDoNotGrowWithN() async throws {
        var runs: [Sweep] = []
        for count in [1, 10, 100] { runs.append(try await sweep(count)) }
        for run in runs {
            #expect(run.status == 1 || run.vertexRequests > 0)
            // One listing per tick: the requests per second of watching stay the same.
            let perSecond = Double(run.vertexRequests) / run.seconds
            #expect(perSecond <= 6, "\(run.vertexRequests) requests in \(run.seconds) s")
        }
        let counts = runs.map(\.vertexRequests)
        #expect(counts[2] <= counts[0] * 2 + 4, "requests for N = 1, 10, 100: \(counts)")
        #expect(runs[2].events.filter { $0.type == "finished" }.count == 100)
    }

    @Test("load: 1,000 launches with 10% of requests failing — every outcome right, no event lost or repeated")
    func thousandLaunchesWithFaults() async throws {
        // The job states change at 2 s; Vertex AI answers 503 for 0.1 s of every second from then on.
        let faults = (2..<30).map {
            #"{"route": "vertex.list", "from": "\#($0)s", "until": "\#($0)s100ms", "status": 503}"#
        }
        let scenario = Self.scenario(1000).replacingOccurrences(
            of: #""timeline": ["#, with: #""faults": [\#(faults.joined(separator: ","))], "timeline": ["#)
        // A debug build on a busy machine lists 1,000 jobs slowly: the deadline only bounds a hang.
        let run = try await sweep(1000, scenario: scenario, deadline: "3m")
        #expect(run.status == 1, "some launches failed")
        let finished = run.events.filter { $0.type == "finished" }
        #expect(finished.count == 1000, "one finished event per launch")
        #expect(Set(finished.compactMap { $0.string("target") }).count == 1000)
        var wrong: [String] = []
        for event in finished {
            guard let target = event.string("target"), let index = Int(target.dropFirst(3)) else { continue }
            let outcome = event.string("outcome")
            if index % 2 == 1 {
                guard case .object(let detail)? = event.value["detail"],
                    detail.first(where: { $0.key == "message" })?.value == .string("trial \(index) diverged"),
                    outcome == "failure"
                else {
                    wrong.append(target)
                    continue
                }
            } else if outcome != "success" {
                wrong.append(target)
            }
        }
        #expect(wrong.isEmpty, "launches with a wrong outcome: \(wrong.prefix(10))")
        // Each launch reaches each stage at most once.
        var seen: Set<String> = []
        var repeated: [String] = []
        for event in run.events where event.type == "stage" {
            let key = "\(event.string("target") ?? "?")/\(event.string("stage") ?? "?")"
            if !seen.insert(key).inserted { repeated.append(key) }
        }
        #expect(repeated.isEmpty, "stages reported twice: \(repeated.prefix(10))")
        #expect(run.events.last?.type == "sweep")
    }

    @Test("a bad targets line is an error naming the file and line")
    func badTargetsLine() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("targets-\(UUID().uuidString).txt")
        try "runId=a\nrunId b\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await LaunchWatchProcess.run([
            "run", Self.pipeline, "--targets", file.path, "--var", "project=p",
        ])
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(file.path):2: \"runId\" is not NAME=value"))
    }
}
