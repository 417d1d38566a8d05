import Foundation
import LaunchWatchEmulator
import Testing

@Suite("Bundled scenarios")
struct BundledScenarioTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/scenarios")

    static var files: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test("the scenarios the issue names ship in the binary")
    func requiredScenariosAreBundled() {
        let required = [
            "success", "vertex-disk-too-small", "agent-fails-before-vertex", "runtime-crash-logs-only",
            "two-launches-overlap", "vertex-api-outage", "wandb-down",
        ]
        #expect(Set(required).isSubset(of: Set(Scenario.bundledNames)))
    }

    @Test("the binary bundles exactly Examples/scenarios (regenerate with Scripts/embed-scenarios)")
    func bundledMatchFiles() throws {
        #expect(Scenario.bundledNames == Self.files.map { $0.deletingPathExtension().lastPathComponent })
        for file in Self.files {
            let name = file.deletingPathExtension().lastPathComponent
            let fromFile = try Scenario(json: Data(contentsOf: file))
            let bundled = try #require(try Scenario.bundled(name))
            #expect(bundled.name == name, "a scenario's name is its file name")
            #expect(fromFile.name == bundled.name)
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(
                Scenario.bundledJSON(name) == text.trimmingCharacters(in: .newlines),
                "\(name) differs from its bundled copy: run Scripts/embed-scenarios")
            #expect(fromFile.timeline.count == bundled.timeline.count)
        }
    }

    @Test("every bundled scenario loads and has a description and a timeline or an agent")
    func bundledScenariosAreValid() throws {
        for name in Scenario.bundledNames {
            let scenario = try #require(try Scenario.bundled(name))
            #expect(scenario.description?.isEmpty == false, "\(name)")
            #expect(!scenario.timeline.isEmpty || scenario.agent != nil, "\(name)")
        }
    }
}
