import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore
import Testing

/// The pipeline decoder against mutated pipelines: every input either loads or is rejected with
/// issues that each name a path — no crash, no hang (the time limit), no silent acceptance of
/// invalid bytes.
///
/// Quick mode (the default, and `.ci/run`): 20,000 cases. Long mode: set
/// `LAUNCHWATCH_FUZZ_CASES=100000` (or more) — `LAUNCHWATCH_FUZZ_SEED` picks another sequence.
@Suite("Fuzzing: pipelines", .timeLimit(.minutes(10)))
struct PipelineFuzzTests {
    static var cases: Int {
        ProcessInfo.processInfo.environment["LAUNCHWATCH_FUZZ_CASES"].flatMap(Int.init) ?? 20_000
    }
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["LAUNCHWATCH_FUZZ_SEED"].flatMap(UInt64.init) ?? 0xF022
    }

    /// The seed corpus: Tests/FuzzTests/Seeds.
    static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        let folder = try #require(Bundle.module.url(forResource: "Seeds", withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
            .sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    @Test("every seed loads as it is (the corpus is valid to begin with)")
    func seedsLoad() throws {
        let loader = PipelineLoader(registry: BuiltinProviders.registry())
        let seeds = try Self.seeds()
        #expect(seeds.count >= 4)
        for seed in seeds {
            #expect(throws: Never.self, "\(seed.name)") {
                try loader.load(Data(seed.bytes), baseDirectory: URL(fileURLWithPath: "/"), options: Self.options)
            }
        }
    }

    static let options = PipelineLoader.Options(
        variables: ["item": "i-1", "entity": "e", "queue": "q", "wandbProject": "w", "project": "p", "runId": "r"],
        environment: ["GOOGLE_CLOUD_PROJECT": "p"], requireValues: false)

    @Test("mutated pipelines load or are rejected with a path for every issue")
    func mutatedPipelines() async throws {
        let loader = PipelineLoader(registry: BuiltinProviders.registry())
        let seeds = try Self.seeds()
        var mutator = Mutator(seed: Self.seed)
        var loaded = 0
        var rejected = 0
        for index in 0..<Self.cases {
            // Yields now and then: see ResponseFuzzTests.fuzz.
            if index % 100 == 99 { await Task.yield() }
            let seed = seeds[index % seeds.count]
            let input = mutator.mutate(seed.bytes)
            do {
                _ = try loader.load(Data(input), baseDirectory: URL(fileURLWithPath: "/"), options: Self.options)
                loaded += 1
                // What loads must be valid UTF-8: the parser never accepts broken text.
                if String(validating: input, as: UTF8.self) == nil {
                    Issue.record("case \(index) (seed \(seed.name)) loaded although it is not UTF-8")
                }
            } catch {
                rejected += 1
                if error.issues.isEmpty { Issue.record("case \(index): rejected without an issue") }
                for issue in error.issues where issue.message.isEmpty || issue.code.isEmpty {
                    Issue.record("case \(index): an issue without code or message at \(issue.path)")
                }
            }
        }
        #expect(loaded + rejected == Self.cases)
        #expect(
            rejected > Self.cases / 2, "mutations mostly break the document: \(loaded) loaded, \(rejected) rejected")
        #expect(loaded > 0, "some mutations keep it valid (a flipped letter in a title)")
    }
}
