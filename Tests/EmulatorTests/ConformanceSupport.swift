import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

/// Runs the real clients (the `gcloud` CLI, the official Python clients) against the emulator.
///
/// The Python clients live in the virtualenv `.ci/conformance-venv` makes; its python is found from
/// `$LAUNCHWATCH_CONFORMANCE_PYTHON`, else `.venv-conformance/bin/python` in the repository. When a
/// client is missing, the test says so loudly; under CI (`CI` set) that is a failure, elsewhere a
/// warning, so `swift test` works on a machine without them.
enum Conformance {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Conformance")
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// The python with the official clients, if there is one.
    static var python: String? {
        let environment = ProcessInfo.processInfo.environment
        let candidates: [String?] = [
            environment["LAUNCHWATCH_CONFORMANCE_PYTHON"],
            repository.appendingPathComponent(".venv-conformance/bin/python").path,
        ]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The `gcloud` on the PATH, if there is one.
    static var gcloud: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/gcloud" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Records that a real client is missing: a failure under CI, a loud warning elsewhere.
    static func missing(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let message = "CONFORMANCE NOT RUN: \(what)"
        if isCI {
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        } else {
            FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
        }
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to its end (killing it after `timeout` seconds), through swift-subprocess. It
    /// blocks its thread: call it inside `detached`, never on the cooperative pool.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], timeout: Double = 120)
        throws -> Output
    {
        let run = try ProgramRun.runBlocking(
            executable, arguments, environment: environment, timeout: .milliseconds(Int(timeout * 1000)))
        return Output(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    /// Runs blocking `work` (`run`, `python`) on a thread of its own and awaits it. A real client
    /// waits on the emulator, whose actor needs the cooperative pool; a test that blocked a pool
    /// thread instead could starve it (the pool has one thread per core, two on a small machine).
    static func detached<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// Runs `Conformance/<script>` with the conformance python; `EMULATOR_URL` is the emulator.
    static func python(_ script: String, emulator: URL, environment: [String: String] = [:]) throws -> Output? {
        guard let python else {
            missing("no python with the official clients; run .ci/conformance-venv (it creates .venv-conformance)")
            return nil
        }
        var environment = environment
        environment["EMULATOR_URL"] = emulator.absoluteString
        return try run(python, [scripts.appendingPathComponent(script).path], environment: environment)
    }
}
