import Foundation
import LaunchWatchCore

extension Scenario {
    /// `agent`: what the emulated launch agent does with each item pushed to a queue
    /// (`pushToRunQueueByName`, as `wandb launch --queue` and `launch_add` send it). Every time is
    /// an offset from that item's push, so each of several launches gets its own run and job:
    ///
    /// ```json
    /// "agent": {"claim": "2s", "run": "3s", "submit": "4s",
    ///           "states": [{"after": "6s", "state": "JOB_STATE_RUNNING"}],
    ///           "end": {"after": "9s", "state": "JOB_STATE_FAILED", "code": 3, "message": "..."}}
    /// ```
    ///
    /// - `claim`: the item turns CLAIMED with a new run id as its `associatedRunId`;
    /// - `run` (optional): a W&B run with that id in the spec's entity and project, named after the
    ///   spec's `name` (the run id when it has none), state `running`;
    /// - `submit` (optional): a Vertex AI CustomJob with the spec's name as display name and the label
    ///   `wandb-run-id` = the run id, JOB_STATE_QUEUED; `states` then move it on;
    /// - `end` (optional): the job ends in `state` (`JOB_STATE_FAILED` with `code` and `message`,
    ///   else that state), and the run with it (`failed` or `finished`). Without `submit`, the agent
    ///   fails the item itself with `message` (a launch that never reaches Vertex).
    public struct Agent: Sendable {
        public var claim: Double
        public var run: Double?
        public var submit: Double?
        public var states: [(after: Double, state: String)]
        public var end: End?

        public struct End: Sendable {
            public var after: Double
            public var state: String
            public var code: Int?
            public var message: String?
        }

        /// The steps that follow the push of `item` at scenario time `now`, with the run id and job
        /// id the agent picked.
        func steps(for item: QueueItem, at now: Double, runID: String, jobID: String) -> [Step] {
            var name: String?
            var entity: String?
            var project: String?
            if case .string(let value)? = item.runSpec?["name"], !value.isEmpty { name = value }
            if case .string(let value)? = item.runSpec?["entity"] { entity = value }
            if case .string(let value)? = item.runSpec?["project"] { project = value }
            var steps = [Step(at: now + claim, action: .setItemState(id: item.id, state: "CLAIMED", runId: runID))]
            if let run {
                steps.append(
                    Step(
                        at: now + run,
                        action: .createRun(
                            id: runID, entity: entity ?? item.entity, project: project ?? "uncategorized",
                            displayName: name ?? runID, state: "running", details: RunDetails())))
            }
            if let submit {
                steps.append(
                    Step(
                        at: now + submit,
                        action: .createJob(
                            VertexJobSpec(
                                id: jobID, displayName: name ?? runID, labels: ["wandb-run-id": runID],
                                state: "JOB_STATE_QUEUED", machineType: "n1-standard-4"))))
                for change in states {
                    steps.append(Step(at: now + change.after, action: .setJobState(id: jobID, state: change.state)))
                }
            }
            if let end {
                let at = now + end.after
                if submit == nil {
                    steps.append(
                        Step(
                            at: at,
                            action: .failItem(id: item.id, message: end.message ?? "launch failed", stage: "run")))
                } else if end.state == "JOB_STATE_FAILED" {
                    steps.append(
                        Step(at: at, action: .failJob(id: jobID, code: end.code ?? 3, message: end.message ?? "")))
                } else {
                    steps.append(Step(at: at, action: .setJobState(id: jobID, state: end.state)))
                }
                if run != nil {
                    let state = end.state == "JOB_STATE_SUCCEEDED" ? "finished" : "failed"
                    steps.append(Step(at: at, action: .setRunState(id: runID, state: state)))
                }
            }
            return steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        }
    }
}
