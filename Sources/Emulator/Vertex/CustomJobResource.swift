import LaunchWatchCore

/// A Vertex AI `CustomJob` as the v1 REST API writes it (`google/cloud/aiplatform/v1/custom_job.proto`
/// in its JSON mapping): lowerCamelCase names, fields at their default left out (an absent optional
/// is not encoded), timestamps RFC 3339 with `Z`, int64 fields (`replicaCount`) as strings.
struct CustomJobResource: Encodable, Sendable {
    var name: String
    var displayName: String
    var jobSpec: JobSpec
    var state: JobState
    var createTime: String
    var startTime: String?
    var endTime: String?
    var updateTime: String
    var error: Status?
    /// Left out when the job has none.
    var labels: StringMap?

    /// `JobState`: its name (`"JOB_STATE_FAILED"`), or its number (`5`) when the request asked for
    /// `$alt=json;enum-encoding=int`, as the official clients' REST transports do.
    struct JobState: Encodable, Sendable {
        var name: String
        var numeric: Bool

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if numeric, let number = VertexJob.allStates.firstIndex(of: name) {
                try container.encode(number)
            } else {
                try container.encode(name)
            }
        }
    }

    /// `google.rpc.Status`, without `details`.
    struct Status: Encodable, Sendable {
        var code: Int
        var message: String
    }

    /// `CustomJobSpec`: the one a client sent with `create`, echoed as sent (its shape is the
    /// client's: any of the spec's many fields, kept as JSON), or the emulator's own for a scenario's
    /// job.
    enum JobSpec: Encodable, Sendable {
        case sent(JSONValue)
        case scenario(ScenarioSpec)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .sent(let spec): try spec.encode(to: encoder)
            case .scenario(let spec): try spec.encode(to: encoder)
            }
        }
    }

    /// The `CustomJobSpec` of a job a scenario starts: one worker pool on the scenario's machine type.
    struct ScenarioSpec: Encodable, Sendable {
        var workerPoolSpecs: [WorkerPoolSpec]
        var serviceAccount: String
    }

    /// `WorkerPoolSpec`.
    struct WorkerPoolSpec: Encodable, Sendable {
        var machineSpec: MachineSpec
        /// int64, so a string in JSON.
        var replicaCount: String
        var diskSpec: DiskSpec
        var containerSpec: ContainerSpec
    }

    /// `MachineSpec`.
    struct MachineSpec: Encodable, Sendable {
        var machineType: String
    }

    /// `DiskSpec`.
    struct DiskSpec: Encodable, Sendable {
        var bootDiskType: String
        /// int32, so a number in JSON.
        var bootDiskSizeGb: Int
    }

    /// `ContainerSpec`.
    struct ContainerSpec: Encodable, Sendable {
        var imageUri: String
    }
}

/// `ListCustomJobsResponse`: a page of jobs and the token of the next one, each left out when empty.
struct ListCustomJobsResponse: Encodable, Sendable {
    var customJobs: [CustomJobResource]?
    var nextPageToken: String?
}

extension VertexJob {
    /// The REST representation; enums as numbers when `numericEnums`.
    func resource(numericEnums: Bool) -> CustomJobResource {
        CustomJobResource(
            name: name, displayName: displayName, jobSpec: jobSpec.map { .sent($0) } ?? .scenario(scenarioSpec),
            state: .init(name: state, numeric: numericEnums), createTime: Timestamp.string(createTime),
            startTime: startTime.map { Timestamp.string($0) }, endTime: endTime.map { Timestamp.string($0) },
            updateTime: Timestamp.string(updateTime),
            error: error.map { CustomJobResource.Status(code: $0.code, message: $0.message) },
            labels: labels.isEmpty ? nil : StringMap(labels))
    }

    private var scenarioSpec: CustomJobResource.ScenarioSpec {
        CustomJobResource.ScenarioSpec(
            workerPoolSpecs: [
                .init(
                    machineSpec: .init(machineType: machineType), replicaCount: "1",
                    diskSpec: .init(bootDiskType: "pd-ssd", bootDiskSizeGb: 100),
                    containerSpec: .init(imageUri: "us-docker.pkg.dev/\(project)/launch/train:latest"))
            ],
            serviceAccount: "launch-agent@\(project).iam.gserviceaccount.com")
    }
}
