import Foundation
import LaunchWatchCore

/// `launchwatch doctor` for `wandb-run`: the API key, the viewer, then that the entity and the
/// project exist. The run itself is not looked for: it exists only once the job calls `wandb.init`.
extension WandbRunProvider: DiagnosableProvider {
    static let projectQuery = """
        query DoctorProject($entityName: String!, $projectName: String!) {
          entity(name: $entityName) { id }
          project(name: $projectName, entityName: $entityName) { id }
        }
        """

    public static func diagnose(_ configuration: Configuration, context: DiagnosisContext) async -> ProviderDiagnosis {
        if let unknown = context.unknownReferences(in: configuration.baseURL).first {
            return ProviderDiagnosis(checks: [
                DiagnosisCheck(
                    "viewer", outcome: .failed, message: "baseURL is \(unknown): not known; give it with --var")
            ])
        }
        let (client, credentials) = WandbDiagnosis.client(
            baseURL: configuration.baseURL, timeout: configuration.timeout, context: context.providerContext)
        var notes: [String] = []
        for (field, value) in [("run", configuration.run), ("displayName", configuration.displayName)] {
            if let unknown = context.unknownReferences(in: value).first {
                notes.append("\(field) is \(unknown), known only during a watch: not looked for")
            } else if let value {
                notes.append("\(field) \"\(value)\" is not looked for: it exists only once the job calls wandb.init")
            }
        }
        guard let client else { return ProviderDiagnosis(credentials: credentials, notes: notes) }
        let viewer = await WandbDiagnosis.viewer(client, keySource: credentials.source)
        let target = "\(configuration.entity)/\(configuration.project)"
        guard viewer.outcome == .passed else {
            return ProviderDiagnosis(
                credentials: credentials,
                checks: [viewer, DiagnosisCheck("project", target: target, outcome: .skipped)], notes: notes)
        }
        let unknown = context.unknownReferences(inAll: [configuration.entity, configuration.project])
        guard unknown.isEmpty else {
            return ProviderDiagnosis(
                credentials: credentials,
                checks: [
                    viewer,
                    DiagnosisCheck(
                        "project", target: target, outcome: .failed,
                        message: "\(unknown.joined(separator: ", ")) not known; give it with --var"),
                ], notes: notes)
        }
        var (data, check) = await WandbDiagnosis.timed(
            client, "project", target: target, projectQuery,
            [("entityName", .string(configuration.entity)), ("projectName", .string(configuration.project))])
        if let data {
            if data["entity"] == nil || data["entity"] == .null {
                check.outcome = .failed
                check.wrongName = "entity \"\(configuration.entity)\""
                check.message = "W&B has no entity \"\(configuration.entity)\" that this key can see"
            } else if data["project"] == nil || data["project"] == .null {
                // Not a failure: W&B creates a project at its first run, so a new one is fine.
                check.message = "no project \"\(configuration.project)\" yet"
                notes.append(
                    "entity \"\(configuration.entity)\" has no project \"\(configuration.project)\" yet: W&B creates "
                        + "it at the first run; if it should exist, check the name")
            }
        }
        return ProviderDiagnosis(credentials: credentials, checks: [viewer, check], notes: notes)
    }
}
