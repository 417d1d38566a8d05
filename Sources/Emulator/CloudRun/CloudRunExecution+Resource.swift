import Foundation
import LaunchWatchCore

extension CloudRunExecution {
    /// The v2 `Execution` resource of a one-task execution, as `executions.get` returns it.
    ///
    /// The scenario's `createExecution` step is the moment the execution was created and started
    /// (its resources provisioned, its one task running): `ResourcesAvailable` and `Started` are
    /// `CONDITION_SUCCEEDED` from then on, `Completed` is `CONDITION_PENDING` and `runningCount` 1.
    /// `completeExecution` makes `Completed` `CONDITION_SUCCEEDED` (`succeededCount` 1) or
    /// `CONDITION_FAILED` with the step's message and `executionReason` `NON_ZERO_EXIT_CODE`
    /// (`failedCount` 1), and sets `completionTime`. Counts that are 0 are left out, as Google's
    /// JSON mapping leaves out every field at its default. `name` uses the project as the request
    /// wrote it (id or number).
    func resource(project: String, region: String, projectNumber: String) -> ExecutionResource {
        let name = "projects/\(project)/locations/\(region)/jobs/\(job)/executions/\(id)"
        let created = Timestamp.string(createTime)
        var completedCondition = ExecutionResource.Condition(
            type: "Completed", state: "CONDITION_PENDING", lastTransitionTime: created)
        if let completed {
            completedCondition.state = completed.succeeded ? "CONDITION_SUCCEEDED" : "CONDITION_FAILED"
            let seconds = max(0, completed.at.timeIntervalSince(createTime))
            completedCondition.message =
                completed.message
                ?? (completed.succeeded
                    ? "Execution completed successfully in \(DurationText.format(.seconds(double: seconds)))."
                    : "Execution \(id) has failed to complete, 0/1 tasks were a success.")
            completedCondition.lastTransitionTime = Timestamp.string(completed.at)
            if !completed.succeeded { completedCondition.executionReason = "NON_ZERO_EXIT_CODE" }
        }
        let conditions = [
            completedCondition,
            .init(
                type: "ResourcesAvailable", state: "CONDITION_SUCCEEDED", message: "Provisioned imported containers.",
                lastTransitionTime: created),
            .init(
                type: "Started", state: "CONDITION_SUCCEEDED", message: "Started deployed execution.",
                lastTransitionTime: created),
        ]
        let filter = [
            "resource.type=\"cloud_run_job\"", "resource.labels.job_name=\"\(job)\"",
            "resource.labels.location=\"\(region)\"", "labels.\"run.googleapis.com/execution_name\"=\"\(id)\"",
        ].joined(separator: "\n")
        let encodedFilter =
            filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "._-/"))) ?? ""
        let version = completed.map { $0.succeeded ? "succeeded" : "failed" } ?? "running"
        return ExecutionResource(
            name: name, uid: Self.uuid(from: name), generation: "1", createTime: created, startTime: created,
            completionTime: completed.map { Timestamp.string($0.at) },
            updateTime: Timestamp.string(completed?.at ?? createTime), launchStage: "GA", job: job, parallelism: 1,
            taskCount: 1, template: template(projectNumber: projectNumber), conditions: conditions,
            observedGeneration: "1", runningCount: completed == nil ? 1 : nil,
            succeededCount: completed?.succeeded == true ? 1 : nil,
            failedCount: completed?.succeeded == false ? 1 : nil,
            logUri: "https://console.cloud.google.com/logs/viewer?project=\(project)&advancedFilter=\(encodedFilter)",
            etag: "\"\(String((name + "#" + version).hashValueStable, radix: 36))\"")
    }

    private func template(projectNumber: String) -> ExecutionResource.TaskTemplate {
        ExecutionResource.TaskTemplate(
            containers: [
                .init(
                    image: "us-docker.pkg.dev/\(projectNumber)/launch/\(job):latest",
                    resources: .init(limits: StringMap(["cpu": "1000m", "memory": "512Mi"])))
            ],
            maxRetries: 3, timeout: "600s", serviceAccount: "\(projectNumber)-compute@developer.gserviceaccount.com",
            executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2")
    }

    /// A UUID4-shaped id that stays the same for the same execution.
    static func uuid(from name: String) -> String {
        let hex = String(format: "%016llx%016llx", (name + "#uid").hashValueStable, (name + "#uid2").hashValueStable)
        var characters = Array(hex)
        characters[12] = "4"
        characters[16] = ["8", "9", "a", "b"][Int(String(characters[16]), radix: 16).map { $0 % 4 } ?? 0]
        let text = String(characters)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(
                text[
                    text.index(
                        text.startIndex, offsetBy: range.lowerBound)..<text.index(
                            text.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }
}
