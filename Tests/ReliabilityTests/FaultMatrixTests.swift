import Foundation
import LaunchWatchCore
import Testing

/// Runs the fault matrix and checks RELIABILITY.md against it: the document is generated from this
/// run (`LAUNCHWATCH_WRITE_RELIABILITY=1 swift test --filter FaultMatrix` rewrites it), so it
/// cannot drift from the code.
@Suite("Fault matrix", .timeLimit(.minutes(10)))
struct FaultMatrixTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Cell: Sendable {
        var kind: String
        var fault: String
        var mode: FaultMatrix.Mode
        var problems: [String]
    }

    @Test("every provider × fault ends right: the outcome, or the deadline with degraded events; no hot loop")
    func matrix() async throws {
        var jobs: [(FaultMatrix.Kind, FaultMatrix.Fault, FaultMatrix.Mode)] = []
        // LAUNCHWATCH_MATRIX_FAULTS="500,hang past the timeout" runs only those columns (then the
        // document is not compared).
        let only = ProcessInfo.processInfo.environment["LAUNCHWATCH_MATRIX_FAULTS"].map {
            Set($0.split(separator: ",").map(String.init))
        }
        for kind in FaultMatrix.kinds {
            for fault in FaultMatrix.faults
            where only?.contains(fault.name) ?? true && fault.isGcloud == kind.gcloud
                && fault.isCommand == kind.command
            {
                if fault.endpoint != nil || fault.gcloudMissing || fault.commandMissing {
                    jobs.append((kind, fault, .persistent))
                } else if fault.clockSkew != nil {
                    jobs.append((kind, fault, .transient))
                } else {
                    jobs.append((kind, fault, .transient))
                    jobs.append((kind, fault, .persistent))
                }
            }
        }
        // The big answers run one at a time, after the rest: several 16 MB transfers at once on two
        // cores starve the others' short timeouts.
        let big = jobs.filter { $0.1.name.hasSuffix("MB answer") }
        jobs.removeAll { $0.1.name.hasSuffix("MB answer") }
        var cells = try await Self.run(
            jobs, parallel: ProcessInfo.processInfo.environment["LAUNCHWATCH_MATRIX_PARALLEL"].flatMap(Int.init) ?? 4)
        cells += try await Self.run(big, parallel: 1)
        await Servers.stopAll()
        for cell in cells where !cell.problems.isEmpty {
            Issue.record(
                "\(cell.kind) × \(cell.fault) (\(cell.mode.rawValue)): \(cell.problems.joined(separator: "; "))")
        }
        let document = Self.document(cells)
        let file = Self.repository.appendingPathComponent("RELIABILITY.md")
        if only != nil {
            return
        } else if ProcessInfo.processInfo.environment["LAUNCHWATCH_WRITE_RELIABILITY"] != nil {
            try document.write(to: file, atomically: true, encoding: .utf8)
        } else {
            let committed = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            #expect(
                committed == document,
                "RELIABILITY.md is not what this run found; regenerate it: LAUNCHWATCH_WRITE_RELIABILITY=1 swift test --filter FaultMatrix"
            )
        }
    }

    @Test("a cell whose events carry a sentinel secret is a problem: the matrix's secret scan can fail")
    func secretScanFindsALeak() throws {
        let token = try #require(FaultMatrix.environment["GOOGLE_OAUTH_ACCESS_TOKEN"])
        let leak = WatchEvent.pollFailed(
            provider: "p", error: ProviderError(code: "http_401", message: "rejected Bearer \(token)"), at: Date())
        let outcome = FaultMatrix.Outcome(
            result: WatchResult(outcome: .failure, stage: nil, detail: nil, at: Date(), timeline: []),
            events: [leak], requests: 1)
        let kind = try #require(FaultMatrix.kinds.first)
        let fault = try #require(FaultMatrix.faults.first)
        #expect(
            FaultMatrix.problems(kind, fault, .transient, outcome).contains("SECRET LEAKED: GOOGLE_OAUTH_ACCESS_TOKEN"))
    }

    /// Runs the cells, `parallel` at a time.
    static func run(
        _ jobs: [(FaultMatrix.Kind, FaultMatrix.Fault, FaultMatrix.Mode)], parallel: Int
    ) async throws -> [Cell] {
        try await withThrowingTaskGroup(of: Cell.self) { group in
            var cells: [Cell] = []
            var next = 0
            func add(_ group: inout ThrowingTaskGroup<Cell, any Error>) {
                guard next < jobs.count else { return }
                let (kind, fault, mode) = jobs[next]
                next += 1
                group.addTask {
                    // A watch that does not end is a finding, not a reason to stop the matrix: it is left
                    // running and its cell says so.
                    let box = CellBox()
                    let watch = Task {
                        do {
                            let outcome = try await FaultMatrix.run(kind, fault, mode)
                            box.set(FaultMatrix.problems(kind, fault, mode, outcome))
                        } catch {
                            box.set(["the watch could not run: \(error)"])
                        }
                    }
                    let limit = ContinuousClock.now.advanced(by: .seconds(mode.deadline + 20))
                    while box.value == nil, ContinuousClock.now < limit {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    if box.value == nil { watch.cancel() }
                    return Cell(
                        kind: kind.name, fault: fault.name, mode: mode,
                        problems: box.value ?? ["the watch did not end \(Int(mode.deadline + 20)) s after it started"])
                }
            }
            for _ in 0..<parallel { add(&group) }
            while let cell = try await group.next() {
                if ProcessInfo.processInfo.environment["LAUNCHWATCH_MATRIX_TRACE"] != nil {
                    print(
                        "cell \(cells.count + 1)/\(jobs.count): \(cell.kind) × \(cell.fault) (\(cell.mode.rawValue)) \(cell.problems)"
                    )
                }
                cells.append(cell)
                add(&group)
            }
            return cells
        }
    }

    static func document(_ cells: [Cell]) -> String {
        var lines = [
            "# Reliability",
            "",
            "Generated by `swift test --filter FaultMatrix` (Tests/ReliabilityTests) from the run itself — edit the",
            "test, not this file (`LAUNCHWATCH_WRITE_RELIABILITY=1 swift test --filter FaultMatrix` rewrites it; a",
            "test fails when it differs from what the code does).",
            "",
            "Each cell is a real watch: the provider against the emulator over loopback, polling every 100 ms with",
            "backoff to 400 ms, a 500 ms–1 s request timeout (3 s per gcloud call) and degraded after 2 failed",
            "polls, watching a launch that fails at 1 s with a known message, with the sentinel secrets (an API",
            "key, an access token, a private key, a refresh token, a client secret, a subject token) in its",
            "environment. The rows named after a credential type get their token from the emulator too, through",
            "that type's requests (impersonation: `token.oauth` then IAM Credentials `generateAccessToken`;",
            "external account: STS then `generateAccessToken`), which get the same faults. ✓ means:",
            "",
            "- **transient** (the fault on the first 3 requests or gcloud calls): the watch ends `failure` with",
            "  the backend's message, no wrong stage, at most \(FaultMatrix.requestBound(.transient)) requests.",
            "- **persistent** (the fault on every request): the watch ends at the deadline (12 s) with a degraded",
            "  event, no stage reached, at most \(FaultMatrix.requestBound(.persistent)) requests (backoff, no hot loop).",
            "  Where an API leaves out an empty list (Vertex AI's `customJobs`, Logging's `entries`), a body",
            "  without the expected fields reads as \"nothing yet\": that watch ends at the deadline without a",
            "  degraded event, which is what it knows.",
            "- clock skew: the backend's timestamps are 10 minutes ahead or behind; the outcome is still right.",
            "- and in every cell, no sentinel secret in any event, error message or the result.",
            "",
            "How the faults are made: the emulator plays the HTTP ones (the 100 MB answer is streamed without",
            "a length; the clients stop reading at 16 MB). The unreachable endpoints send no packet: the",
            "unresolvable host has a 64-letter DNS label, which glibc refuses before asking a name server, and the",
            "unroutable address is 255.255.255.255, to which the kernel refuses TCP. The gcloud rows run a",
            "stand-in that plays the fault and then the real gcloud against the emulator; the command rows a",
            "stand-in that plays the fault and then a Python command provider (line protocol) reading the",
            "emulator's Vertex AI API (the hang starts a child too; the provider's tests check the whole group dies).",
            "",
            "✗ names what went wrong. `—`: not run for that row.",
            "",
        ]
        let kinds = FaultMatrix.kinds.map(\.name)
        lines.append("| fault | mode | " + kinds.joined(separator: " | ") + " |")
        lines.append("|---|---|" + kinds.map { _ in "---|" }.joined())
        for fault in FaultMatrix.faults {
            for mode in [FaultMatrix.Mode.transient, .persistent] {
                let row = kinds.map { kind -> String in
                    guard
                        let cell = cells.first(where: { $0.kind == kind && $0.fault == fault.name && $0.mode == mode })
                    else { return "—" }
                    return cell.problems.isEmpty ? "✓" : "✗ " + cell.problems.joined(separator: "; ")
                }
                guard row.contains(where: { $0 != "—" }) else { continue }
                lines.append("| \(fault.name) | \(mode.rawValue) | " + row.joined(separator: " | ") + " |")
            }
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}

/// A cell's problems, set once by the watch's task.
final class CellBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String]?
    func set(_ problems: [String]) { lock.withLock { if stored == nil { stored = problems } } }
    var value: [String]? { lock.withLock { stored } }
}
