import Foundation
import Testing

/// The team's own launchwatch, run as a user runs it.
@Suite("my-launchwatch")
struct ExecutableTests {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let pipeline = package.appendingPathComponent("pipelines/status-endpoint.json").path

    /// The executable next to the test bundle (`swift test` builds it).
    static let binary: URL? = {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("my-launchwatch"))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("my-launchwatch"))
        candidates.append(
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("my-launchwatch"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct Finished {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `my-launchwatch` to its end on threads of its own: blocking reads and waits on Swift's
    /// cooperative pool (two threads on a small machine) would starve the tests' status server.
    static func run(_ arguments: [String]) async throws -> Finished {
        let binary = try #require(binary, "my-launchwatch was not built next to the tests")
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(binary, arguments) })
            }.start()
        }
    }

    private static func runBlocking(_ binary: URL, _ arguments: [String]) throws -> Finished {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errorData = ErrorData()
        let reader = Thread { errorData.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = errorData.wait()
        return Finished(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    @Test("providers lists the added kind with the built-in ones, and shows its fields")
    func providers() async throws {
        let list = try await Self.run(["providers"])
        #expect(list.status == 0)
        let kinds = list.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(kinds.contains("status-endpoint"))
        #expect(kinds.contains("vertex-rest"))
        #expect(kinds.contains("command"))
        let kind = try await Self.run(["providers", "status-endpoint"])
        #expect(kind.status == 0)
        #expect(kind.stdout.contains("url (string, required)"))
    }

    @Test("validate accepts a pipeline that uses the added kind, and checks its config")
    func validate() async throws {
        let valid = try await Self.run(["validate", Self.pipeline])
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")

        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: broken) }
        let text = try String(contentsOfFile: Self.pipeline, encoding: .utf8)
            .replacingOccurrences(of: #""timeout": "5s""#, with: #""timeuot": "5s""#)
        try Data(text.utf8).write(to: broken)
        let invalid = try await Self.run(["validate", broken.path])
        #expect(invalid.status == 65)
        #expect((invalid.stdout + invalid.stderr).contains("providers[0].config.timeuot"))
    }

    @Test("schema knows the added kind")
    func schema() async throws {
        let schema = try await Self.run(["schema"])
        #expect(schema.status == 0)
        #expect(schema.stdout.contains("status-endpoint"))
    }

    @Test("run: a whole watch through the added kind ends with the launch's outcome and message")
    func watch() async throws {
        let server = StatusServer()
        server.set("42", #"{"state": "failed", "runId": "k3x9ab12", "message": "CUDA out of memory"}"#)
        let result = try await server.serving { base in
            try await Self.run([
                "run", Self.pipeline, "--json", "--deadline", "30s", "--var",
                "url=\(base.appendingPathComponent("launches/42").absoluteString)",
            ])
        }
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains(#""type":"finished","outcome":"failure""#))
        #expect(result.stdout.contains("CUDA out of memory"))
    }
}

/// Standard error's bytes, handed from its reading thread.
private final class ErrorData: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.withLock {
            data = value
            condition.signal()
        }
    }

    func wait() -> Data {
        condition.withLock {
            while data == nil { condition.wait() }
            return data ?? Data()
        }
    }
}
