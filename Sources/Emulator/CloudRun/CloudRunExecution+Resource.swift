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
    func json(project: String, region: String, projectNumber: String) -> JSONValue {
        let name = "projects/\(project)/locations/\(region)/jobs/\(job)/executions/\(id)"
        let created = Timestamp.string(createTime)
        var completedCondition: [(key: String, value: JSONValue)] = [("type", .string("Completed"))]
        if let completed {
            completedCondition.append(
                ("state", .string(completed.succeeded ? "CONDITION_SUCCEEDED" : "CONDITION_FAILED")))
            let seconds = max(0, completed.at.timeIntervalSince(createTime))
            let message =
                completed.message
                ?? (completed.succeeded
                    ? "Execution completed successfully in \(DurationText.format(.seconds(double: seconds)))."
                    : "Execution \(id) has failed to complete, 0/1 tasks were a success.")
            completedCondition.append(("message", .string(message)))
            completedCondition.append(("lastTransitionTime", .string(Timestamp.string(completed.at))))
            if !completed.succeeded { completedCondition.append(("executionReason", .string("NON_ZERO_EXIT_CODE"))) }
        } else {
            completedCondition.append(("state", .string("CONDITION_PENDING")))
            completedCondition.append(("lastTransitionTime", .string(created)))
        }
        let conditions: [JSONValue] = [
            .object(completedCondition),
            .object([
                ("type", .string("ResourcesAvailable")), ("state", .string("CONDITION_SUCCEEDED")),
                ("message", .string("Provisioned imported containers.")), ("lastTransitionTime", .string(created)),
            ]),
            .object([
                ("type", .string("Started")), ("state", .string("CONDITION_SUCCEEDED")),
                ("message", .string("Started deployed execution.")), ("lastTransitionTime", .string(created)),
            ]),
        ]

        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(name)),
            ("uid", .string(Self.uuid(from: name))),
            ("generation", .string("1")),
            ("createTime", .string(created)),
            ("startTime", .string(created)),
        ]
        if let completed { members.append(("completionTime", .string(Timestamp.string(completed.at)))) }
        members += [
            ("updateTime", .string(Timestamp.string(completed?.at ?? createTime))),
            ("launchStage", .string("GA")),
            ("job", .string(job)),
            ("parallelism", .number(1)),
            ("taskCount", .number(1)),
            ("template", template(projectNumber: projectNumber)),
            ("conditions", .array(conditions)),
            ("observedGeneration", .string("1")),
        ]
        switch completed?.succeeded {
        case nil: members.append(("runningCount", .number(1)))
        case true?: members.append(("succeededCount", .number(1)))
        case false?: members.append(("failedCount", .number(1)))
        }
        let filter = [
            "resource.type=\"cloud_run_job\"", "resource.labels.job_name=\"\(job)\"",
            "resource.labels.location=\"\(region)\"", "labels.\"run.googleapis.com/execution_name\"=\"\(id)\"",
        ].joined(separator: "\n")
        let encodedFilter =
            filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "._-/"))) ?? ""
        members.append(
            (
                "logUri",
                .string(
                    "https://console.cloud.google.com/logs/viewer?project=\(project)&advancedFilter=\(encodedFilter)")
            ))
        let version = completed.map { $0.succeeded ? "succeeded" : "failed" } ?? "running"
        members.append(("etag", .string("\"\(String((name + "#" + version).hashValueStable, radix: 36))\"")))
        return .object(members)
    }

    private func template(projectNumber: String) -> JSONValue {
        .object([
            (
                "containers",
                .array([
                    .object([
                        ("image", .string("us-docker.pkg.dev/\(projectNumber)/launch/\(job):latest")),
                        (
                            "resources",
                            .object([("limits", .object([("cpu", .string("1000m")), ("memory", .string("512Mi"))]))])
                        ),
                    ])
                ])
            ),
            ("maxRetries", .number(3)),
            ("timeout", .string("600s")),
            ("serviceAccount", .string("\(projectNumber)-compute@developer.gserviceaccount.com")),
            ("executionEnvironment", .string("EXECUTION_ENVIRONMENT_GEN2")),
        ])
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
