/// The reachability validator: an outcome stage no provider's map leads to can never be reached (an
/// error), a progress stage no map leads to can only be inferred (a warning), and a pipeline with no
/// success stage and no `finish.on` never ends successfully (a warning).
struct StageReachabilityCheck {
    var stages: [Stage]
    var providers: [ProviderSpec]
    var finish: FinishPolicy
    /// Some `providers` entry could not be resolved (or there are none): their maps are unknown.
    var providersIncomplete: Bool

    func issues() -> [PipelineIssue] {
        var issues: [PipelineIssue] = []
        let mapsToStageIDs = providers.contains { $0.registration.statusesNameStages }
        let targets = Set(providers.flatMap { $0.stageMap.values.compactMap { $0 } })
        // When a provider entry is broken its map is unknown: a stage would look unreachable only
        // because of an error already reported, so say nothing rather than something misleading.
        let knowsEveryMap = !providersIncomplete
        for (index, stage) in stages.enumerated()
        where knowsEveryMap && !mapsToStageIDs && !targets.contains(stage.id) {
            let path = JSONPath([.key("stages"), .index(index)])
            if stage.outcome == .progress {
                issues.append(
                    PipelineIssue(
                        "unreachable_stage", at: path,
                        "no provider's map leads to stage \"\(stage.id)\"; it can only be inferred from a later stage",
                        severity: .warning))
            } else {
                issues.append(
                    PipelineIssue(
                        "unreachable_outcome", at: path,
                        "outcome stage \"\(stage.id)\" can never be reached: no provider's map leads to it; "
                            + "add a map entry such as \"map\": {\"STATUS\": \"\(stage.id)\"} to a provider"))
            }
        }
        if !stages.isEmpty, !stages.contains(where: { $0.outcome == .success }), finish.on.isEmpty {
            issues.append(
                PipelineIssue(
                    "no_success", at: JSONPath([.key("finish")]),
                    "nothing ends the watch successfully: declare a stage with \"outcome\": \"success\" "
                        + "or list a stage in finish.on", severity: .warning))
        }
        return issues
    }
}
