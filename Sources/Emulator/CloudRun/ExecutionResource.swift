/// A Cloud Run Admin API v2 `Execution` as `executions.get` writes it (`google/cloud/run/v2/execution.proto`
/// in its JSON mapping): lowerCamelCase names, fields at their default left out (counts that are 0,
/// `completionTime` before completion), int64 fields (`generation`, `observedGeneration`) as strings,
/// int32 fields (`parallelism`, `taskCount`, the counts) as numbers.
struct ExecutionResource: Encodable, Sendable {
    var name: String
    var uid: String
    var generation: String
    var createTime: String
    var startTime: String
    var completionTime: String?
    var updateTime: String
    var launchStage: String
    var job: String
    var parallelism: Int
    var taskCount: Int
    var template: TaskTemplate
    var conditions: [Condition]
    var observedGeneration: String
    var runningCount: Int?
    var succeededCount: Int?
    var failedCount: Int?
    var logUri: String
    var etag: String

    /// `Condition`: `type`, `state` (`CONDITION_SUCCEEDED`...), and for `Completed` after a failure the
    /// `executionReason`.
    struct Condition: Encodable, Sendable {
        var type: String
        var state: String
        var message: String?
        var lastTransitionTime: String
        var executionReason: String?
    }

    /// `TaskTemplate`.
    struct TaskTemplate: Encodable, Sendable {
        var containers: [Container]
        var maxRetries: Int
        /// A `google.protobuf.Duration`: seconds with an `s`.
        var timeout: String
        var serviceAccount: String
        var executionEnvironment: String
    }

    /// `Container`, with its `ResourceRequirements`.
    struct Container: Encodable, Sendable {
        var image: String
        var resources: Resources

        struct Resources: Encodable, Sendable {
            var limits: StringMap
        }
    }
}

/// A Cloud Run v2 `Job`, with the fields one always has (`launchwatch doctor` reads its name).
struct JobResource: Encodable, Sendable {
    var name: String
    var uid: String
    var generation: String
    var createTime: String
    var launchStage: String
}
