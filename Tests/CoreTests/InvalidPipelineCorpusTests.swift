import Foundation
import LaunchWatchCore
import Testing

/// Every file in `InvalidPipelines/` is a realistic pipeline with one or a few mistakes, and
/// `InvalidPipelines/expectations.json` lists the errors loading it must report: the exact JSON path,
/// the issue code and text the message must contain. The list is the whole set of errors — an error
/// the manifest does not expect (a cascade of follow-on errors, say) fails the test too.
@Suite("Invalid pipeline corpus")
struct InvalidPipelineCorpusTests {
    struct ExpectedIssue: Decodable, Sendable, CustomStringConvertible {
        var path: String
        var code: String
        var messageContains: String

        var description: String { "\(code) at \(path): …\(messageContains)…" }
    }

    static let folder = Bundle.module.url(forResource: "InvalidPipelines", withExtension: nil)
    static let manifestName = "expectations.json"

    /// The corpus files, sorted; empty when the folder is missing (which `corpusIsComplete` reports).
    static let fileNames: [String] = {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            return []
        }
        return names.filter { $0.hasSuffix(".json") && $0 != manifestName }.sorted()
    }()

    static func manifest() throws -> [String: [ExpectedIssue]] {
        let folder = try #require(folder)
        let value = try JSONParser.parse(Data(contentsOf: folder.appendingPathComponent(manifestName)))
        return try JSONValueDecoder().decode([String: [ExpectedIssue]].self, from: value)
    }

    /// Loads `name` the way `launchwatch validate` does: no variable values needed.
    static func load(_ name: String) throws -> PipelineLoader.Loaded {
        let folder = try #require(folder)
        let loader = PipelineLoader(registry: try PipelineFixtures.registry())
        return try loader.load(
            contentsOf: folder.appendingPathComponent(name),
            options: PipelineLoader.Options(environment: [:], requireValues: false))
    }

    @Test("the corpus has at least 30 files and the manifest covers exactly them")
    func corpusIsComplete() throws {
        #expect(Self.fileNames.count >= 30)
        let manifest = try Self.manifest()
        #expect(Set(manifest.keys) == Set(Self.fileNames))
        #expect(manifest.values.allSatisfy { !$0.isEmpty })
    }

    @Test("some files show several errors reported at once")
    func corpusShowsMultipleErrorsAtOnce() throws {
        let manifest = try Self.manifest()
        let several = manifest.filter { $0.value.count >= 3 }.keys.sorted()
        #expect(several.count >= 3, "files with 3+ expected errors: \(several)")
        for name in several {
            let error = try #require(throws: PipelineError.self) { try Self.load(name) }
            #expect(error.errors.count == manifest[name]?.count, "\(name): \(error)")
        }
    }

    @Test("loading fails with exactly the expected errors", arguments: fileNames)
    func loadingReportsExpectedErrors(name: String) throws {
        let expected = try #require(try Self.manifest()[name], "\(name) is missing from \(Self.manifestName)")
        let error = try #require(throws: PipelineError.self, "\(name) loaded") { try Self.load(name) }
        #expect(error.file?.hasSuffix("/\(name)") == true)
        let reported = error.errors

        for expectation in expected {
            let atPath = reported.filter { $0.path.description == expectation.path && $0.code == expectation.code }
            #expect(
                !atPath.isEmpty,
                "\(name): expected \(expectation); reported:\n\(error)")
            if let issue = atPath.first {
                #expect(
                    issue.message.contains(expectation.messageContains),
                    "\(name) \(issue.path): message \"\(issue.message)\" lacks \"\(expectation.messageContains)\"")
            }
        }
        let unexpected = reported.filter { issue in
            !expected.contains { $0.path == issue.path.description && $0.code == issue.code }
        }
        #expect(unexpected.isEmpty, "\(name): errors the manifest does not expect:\n\(unexpected)")
    }

    @Test("no error message leaks Swift internals", arguments: fileNames)
    func messagesDoNotLeakSwiftInternals(name: String) throws {
        let error = try #require(throws: PipelineError.self) { try Self.load(name) }
        for issue in error.errors {
            for leak in ["Optional(", "DecodingError", "CodingKeys", "Swift.", "LaunchWatchCore."] {
                #expect(!issue.message.contains(leak), "\(name) \(issue.path): \(issue.message)")
            }
        }
    }
}
