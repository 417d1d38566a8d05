import Foundation
import LaunchWatchCore

/// `launchwatch doctor` for `wandb-launch`: the API key, the viewer, then that the entity, the
/// queue's project (`model-registry`) and the queue exist — the names a watch reads the item under.
/// The item itself is not looked for: it exists only once a launch is queued.
extension WandbLaunchProvider: DiagnosableProvider {
    static let queueQuery = """
        query DoctorQueue($entityName: String!, $projectName: String!, $runQueue: String!) {
          entity(name: $entityName) { id }
          project(name: $projectName, entityName: $entityName) { id runQueue(name: $runQueue) { id } runQueues { name } }
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
        for (field, value) in [("item", configuration.item), ("name", configuration.name)] {
            if let unknown = context.unknownReferences(in: value).first {
                notes.append("\(field) is \(unknown), known only once a launch is queued: not looked for")
            } else if let value {
                notes.append("\(field) \"\(value)\" is not looked for: it exists only once a launch is queued")
            }
        }
        guard let client else { return ProviderDiagnosis(credentials: credentials, notes: notes) }
        let viewer = await WandbDiagnosis.viewer(client, keySource: credentials.source)
        let project = configuration.queueProject ?? "model-registry"
        let target = "\(configuration.entity)/\(project)/\(configuration.queue)"
        guard viewer.outcome == .passed else {
            return ProviderDiagnosis(
                credentials: credentials,
                checks: [viewer, DiagnosisCheck("runQueue", target: target, outcome: .skipped)], notes: notes)
        }
        let unknown = context.unknownReferences(inAll: [configuration.entity, project, configuration.queue])
        guard unknown.isEmpty else {
            return ProviderDiagnosis(
                credentials: credentials,
                checks: [
                    viewer,
                    DiagnosisCheck(
                        "runQueue", target: target, outcome: .failed,
                        message: "\(unknown.joined(separator: ", ")) not known; give it with --var"),
                ], notes: notes)
        }
        var (data, check) = await WandbDiagnosis.timed(
            client, "runQueue", target: target, queueQuery,
            [
                ("entityName", .string(configuration.entity)), ("projectName", .string(project)),
                ("runQueue", .string(configuration.queue)),
            ])
        if let data {
            if data["entity"] == nil || data["entity"] == .null {
                check.outcome = .failed
                check.wrongName = "entity \"\(configuration.entity)\""
                check.message = "W&B has no entity \"\(configuration.entity)\" that this key can see"
            } else if data["project"] == nil || data["project"] == .null {
                check.outcome = .failed
                check.wrongName = "queue project \"\(project)\""
                check.message =
                    "entity \"\(configuration.entity)\" has no project \"\(project)\", where its launch "
                    + "queues live: it has no queue yet"
            } else if data["project"]?["runQueue"] == nil || data["project"]?["runQueue"] == .null {
                check.outcome = .failed
                check.wrongName = "queue \"\(configuration.queue)\""
                var queues: [String] = []
                if case .array(let list)? = data["project"]?["runQueues"] {
                    queues = list.compactMap { if case .string(let name)? = $0["name"] { name } else { nil } }
                }
                var message = "entity \"\(configuration.entity)\" has no launch queue \"\(configuration.queue)\""
                if let nearest = NameSuggestion.nearest(to: configuration.queue, in: queues) {
                    message += "; did you mean \"\(nearest)\"?"
                }
                if !queues.isEmpty { message += " (its queues: \(queues.prefix(10).joined(separator: ", ")))" }
                check.message = message
            }
        }
        return ProviderDiagnosis(credentials: credentials, checks: [viewer, check], notes: notes)
    }
}
