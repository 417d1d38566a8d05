import Foundation
import LaunchWatchCore
import Testing

@Suite("launchwatch validate, providers, schema and the shipped examples", .launchWatchSlot)
struct CommandTests {
    static let examplePipelines: [String] = {
        let folder = Fixtures.repository.appendingPathComponent("Examples/pipelines")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0).path }
    }()

    static let invalidPipelines: [String] = {
        let folder = Fixtures.repository.appendingPathComponent("Tests/CoreTests/InvalidPipelines")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && $0 != "expectations.json" }.sorted().map {
            folder.appendingPathComponent($0).path
        }
    }()

    @Test("there are example pipelines and invalid ones to check")
    func corporaExist() {
        #expect(!Self.examplePipelines.isEmpty)
        #expect(Self.invalidPipelines.count >= 25)
    }

    @Test("validate exits 0 on every shipped example", arguments: examplePipelines)
    func examplesAreValid(path: String) async throws {
        let result = try await LaunchWatchProcess.run(["validate", path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("valid"))
    }

    /// The corpus's expected issues (Tests/CoreTests/InvalidPipelines/expectations.json), by file name.
    static let expectations: [String: [(path: String, code: String, message: String)]] = {
        let url = Fixtures.repository.appendingPathComponent("Tests/CoreTests/InvalidPipelines/expectations.json")
        guard let data = try? Data(contentsOf: url), case .object(let files)? = try? JSONParser.parse(data) else {
            return [:]
        }
        var result: [String: [(path: String, code: String, message: String)]] = [:]
        for file in files {
            guard case .array(let issues) = file.value else { continue }
            result[file.key] = issues.compactMap { issue in
                guard case .string(let path)? = issue["path"], case .string(let code)? = issue["code"],
                    case .string(let message)? = issue["messageContains"]
                else { return nil }
                return (path, code, message)
            }
        }
        return result
    }()

    /// Issues that depend on the corpus's test-only provider kinds, which the shipped binary does not
    /// have (it reports those providers' `type` as unknown instead).
    static let kindDependentCodes: Set<String> = ["config", "unknown_fact", "unknown_type", "unreachable_outcome"]

    @Test(
        "validate exits 65 on every invalid pipeline of the corpus, with the corpus's own paths and messages",
        arguments: invalidPipelines)
    func invalidPipelinesExit65(path: String) async throws {
        let result = try await LaunchWatchProcess.run(["validate", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains(": error: "), "stderr: \(result.stderr)")
        let name = URL(fileURLWithPath: path).lastPathComponent
        let expected = try #require(Self.expectations[name], "\(name) has expectations")
        for issue in expected where !Self.kindDependentCodes.contains(issue.code) {
            #expect(result.stderr.contains("\(issue.path): "), "\(name): \(issue.path) is named")
            #expect(result.stderr.contains(issue.message), "\(name): \(issue.message)")
        }
    }

    @Test("validate reports every file, valid or not, in one run")
    func validateManyFiles() async throws {
        let files = Self.examplePipelines + Self.invalidPipelines.prefix(2)
        let result = try await LaunchWatchProcess.run(["validate"] + files)
        #expect(result.status == 65)
        #expect(result.stdout.components(separatedBy: ": valid").count - 1 == Self.examplePipelines.count)
        #expect(result.stderr.components(separatedBy: "invalid pipeline").count - 1 == 2)
    }

    @Test("schema prints the committed Examples/pipeline.schema.json, which the examples reference")
    func schemaMatchesCommittedFile() async throws {
        let result = try await LaunchWatchProcess.run(["schema"])
        #expect(result.status == 0)
        let committed = try String(
            contentsOf: Fixtures.repository.appendingPathComponent("Examples/pipeline.schema.json"), encoding: .utf8)
        #expect(
            result.stdout == committed,
            "regenerate with: swift run launchwatch schema > Examples/pipeline.schema.json")
        let schema = try JSONParser.parse(result.stdout)
        #expect(schema["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
        for path in Self.examplePipelines {
            let pipeline = try JSONParser.parse(Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(pipeline["$schema"] == .string("../pipeline.schema.json"), "\(path)")
        }
    }

    @Test("providers lists every built-in kind, and the README documents exactly those")
    func providersMatchReadme() async throws {
        let result = try await LaunchWatchProcess.run(["providers"])
        #expect(result.status == 0)
        let rows = result.stdout.components(separatedBy: "\n").prefix { !$0.isEmpty }
        let listed = rows.compactMap { $0.split(separator: " ").first.map(String.init) }
        let readme = try String(contentsOf: Fixtures.repository.appendingPathComponent("README.md"), encoding: .utf8)
        // The README's table of kinds, between the provider-kinds markers: rows "| `kind` | ... |".
        let table =
            readme.components(separatedBy: "<!-- provider-kinds -->").dropFirst().first?
            .components(separatedBy: "<!-- /provider-kinds -->").first ?? ""
        let documented = table.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line.dropFirst(3)[..<end])
        }
        #expect(!listed.isEmpty)
        #expect(listed.sorted() == documented.sorted())
    }

    @Test("providers lists every activation kind and schedule key, and the README's table documents each")
    func providersListPolicies() async throws {
        let result = try await LaunchWatchProcess.run(["providers"])
        #expect(result.status == 0)
        let readme = try String(contentsOf: Fixtures.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.components(separatedBy: "\n")
        let activate = try #require(rows.first { $0.hasPrefix("| `activate` |") })
        let schedule = try #require(rows.first { $0.hasPrefix("| `schedule` |") })
        for kind in ActivationKind.all {
            #expect(result.stdout.contains("\n  \(kind.name) "), "providers lists \(kind.name)")
            #expect(
                activate.contains("`\(kind.name)`") || activate.contains("\"\(kind.name)\""), "README: \(kind.name)")
            for key in kind.keys {
                #expect(activate.contains("`\(key.name)`"), "README: \(kind.name) + \(key.name)")
            }
        }
        for key in ScheduleSection.keys {
            #expect(result.stdout.contains(key.name), "providers lists schedule.\(key.name)")
            #expect(schedule.contains("`\(key.name)`"), "README: schedule.\(key.name)")
        }
    }

    @Test("providers KIND shows the config fields and default map")
    func providersKind() async throws {
        let result = try await LaunchWatchProcess.run(["providers", "replay"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("file (string, required)"))
        #expect(result.stdout.contains("speed (number) default 1"))
        #expect(result.stdout.contains("default map"))
    }

    @Test("providers with an unknown kind exits 64 and suggests the nearest")
    func providersUnknownKind() async throws {
        let result = try await LaunchWatchProcess.run(["providers", "replai"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("did you mean \"replay\"?"))
    }

    @Test("--help documents the exit codes")
    func helpDocumentsExitCodes() async throws {
        let result = try await LaunchWatchProcess.run(["--help"])
        #expect(result.status == 0)
        for code in ["0 ", "1 ", "2 ", "64", "65", "130"] {
            #expect(result.stdout.contains("  \(code)"))
        }
    }
}
