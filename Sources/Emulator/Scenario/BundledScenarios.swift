import Foundation

extension Scenario {
    /// The scenarios shipped in `Examples/scenarios/`, compiled into the binary so that
    /// `launchwatch emulate --scenario NAME` needs no files. Regenerate after editing a scenario
    /// file: `Scripts/embed-scenarios` (a test checks the two agree).
    public static var bundledNames: [String] { BundledScenarioText.all.keys.sorted() }

    /// The JSON text of the bundled scenario called `name`.
    public static func bundledJSON(_ name: String) -> String? { BundledScenarioText.all[name] }

    /// The bundled scenario called `name`.
    public static func bundled(_ name: String) throws(ScenarioError) -> Scenario? {
        guard let text = BundledScenarioText.all[name] else { return nil }
        return try Scenario(json: Data(text.utf8))
    }
}
