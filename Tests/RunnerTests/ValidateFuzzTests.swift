import Foundation
import LaunchWatchCore
import Testing

/// The command line on mutated pipelines: `validate` exits 0 or 65, never crashes, and every error
/// it prints names the file and a JSON path. (The decoder itself is fuzzed in-process, many more
/// times, in Tests/FuzzTests.)
@Suite("Fuzzing: launchwatch validate", .launchWatchSlot)
struct ValidateFuzzTests {
    @Test("mutated pipelines exit 0 or 65, each error with its path")
    func mutatedPipelinesThroughTheCommandLine() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vfuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let seed = try Data(
            contentsOf: Fixtures.repository.appendingPathComponent("Examples/pipelines/wandb-launch-vertex.json"))
        var random = SplitMix64(seed: 0xC11)
        var files: [String] = []
        for index in 0..<40 {
            var bytes = Array(seed)
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[at] ^= UInt8(1 << (random.next() % 8))
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(contentsOf: Array("{\"\u{FF}".utf8) + [0xFF], at: at)
                default: bytes = Array(bytes[..<at])
                }
            }
            let file = folder.appendingPathComponent("case-\(index).json")
            try Data(bytes).write(to: file)
            files.append(file.path)
        }
        // One run for all: validate reports every file.
        let result = try await LaunchWatchProcess.run(["validate"] + files + ["--var", "entity=e"])
        #expect(result.status == 0 || result.status == 65, "stderr: \(result.stderr.suffix(500))")
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(!errors.isEmpty, "mutations break some of the files")
        for line in errors {
            // FILE: error: PATH: message
            let parts = line.components(separatedBy: ": error: ")
            #expect(parts.count >= 2 && files.contains(parts[0]), "names the file: \(line)")
            let rest = parts.dropFirst().joined(separator: ": error: ")
            let path = rest.prefix { $0 != ":" }
            #expect(!path.isEmpty && !path.contains(" "), "names a JSON path: \(line)")
        }
    }
}
