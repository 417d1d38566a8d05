import Foundation
import LaunchWatchEmulator

/// What the benchmark knows of a scenario's launch — "ours" is the first item enqueued — and when
/// each stage really happened there (scenario seconds): the truth detection lag is measured from.
struct BenchLaunch: Sendable {
    var item: String?
    var name: String = "launch"
    var queue: String = "vertex-gpu"
    var entity: String
    var runId: String?
    var wandbProject: String = "project"
    var job: String?
    /// Stage id → when it happened in the scenario.
    var truth: [String: Double] = [:]
    /// When the first ERROR-or-worse log entry became readable, if there is one.
    var firstErrorReadable: Double?
    /// The scenario's last step.
    var end: Double = 0

    init(_ scenario: Scenario) {
        entity = scenario.wandb.entity
        func mark(_ stage: String, _ at: Double) {
            if truth[stage].map({ at < $0 }) ?? true { truth[stage] = at }
        }
        for step in scenario.timeline {
            end = max(end, step.at)
            switch step.action {
            case .enqueueItem(let id, let queue, let entity, _, let name, let runId) where item == nil:
                item = id
                self.queue = queue
                self.name = name
                if let entity { self.entity = entity }
                if let runId { self.runId = runId }
                mark("queued", step.at)
            case .setItemState(let id, let state, let runId) where id == item:
                if let runId { self.runId = self.runId ?? runId }
                if ["LEASED", "CLAIMED"].contains(state) { mark("picked_up", step.at) }
            case .failItem(let id, _, _) where id == item:
                mark("failed", step.at)
            case .createRun(let id, _, let project, _, _, _) where id == runId:
                wandbProject = project
            case .createJob(let spec) where job == nil && (runId == nil || spec.labels["wandb-run-id"] == runId):
                job = spec.id
                mark("submitted", step.at)
            case .setJobState(let id, let state) where id == job:
                if state == "JOB_STATE_RUNNING" { mark("running", step.at) }
                if state == "JOB_STATE_SUCCEEDED" { mark("succeeded", step.at) }
                if state == "JOB_STATE_FAILED" { mark("failed", step.at) }
            case .failJob(let id, _, _) where id == job:
                mark("failed", step.at)
            case .writeLog(let spec)
            where firstErrorReadable == nil && ["ERROR", "CRITICAL", "ALERT", "EMERGENCY"].contains(spec.severity):
                firstErrorReadable = step.at + (spec.ingestionDelay ?? scenario.logIngestionDelay)
            default:
                break
            }
        }
    }
}
