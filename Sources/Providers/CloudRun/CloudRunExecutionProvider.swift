import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud

/// Kind `cloud-run-execution`: the launch agent's Cloud Run job execution. Its `Completed`
/// condition failing is a failure with the condition's message — the agent died — even when the
/// queue item never says so.
///
/// ```json
/// {"id": "agent", "type": "cloud-run-execution",
///  "config": {"project": "my-project", "region": "us-central1", "job": "launch-agent",
///             "execution": "${var.execution}"}}
/// ```
public struct CloudRunExecutionProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        public var project: String
        public var region: String
        public var job: String
        public var execution: String
        public var endpoint: String?
        public var credentials: GoogleCredentials?
        public var timeout: String?
    }

    public static let kind = "cloud-run-execution"
    public static let summary = "A Cloud Run job execution (the launch agent's): its Completed condition."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("project", .string, required: true, "the project"),
        ConfigurationField("region", .string, required: true, "the job's region"),
        ConfigurationField("job", .string, required: true, "the Cloud Run job's name"),
        ConfigurationField("execution", .string, required: true, "the execution's name"),
        ConfigurationField("endpoint", .string, default: "https://run.googleapis.com", "the API's base URL"),
        ConfigurationField(
            "credentials", .object, "accessTokenFile, serviceAccountKeyFile, tokenEndpoint, metadataHost"),
        ConfigurationField("timeout", .duration, default: "10s", "the longest a request may take"),
    ]
    /// The status is the `Completed` condition's state.
    public static let defaultStageMap: [String: String?] = [
        "CONDITION_PENDING": nil, "CONDITION_RECONCILING": nil, "CONDITION_SUCCEEDED": nil,
        "CONDITION_FAILED": "failed", "STATE_UNSPECIFIED": nil,
    ]
    public static let defaultInterval = Duration.seconds(2)

    private let url: URL
    private let client: GoogleAPIClient

    public init(configuration: Configuration, context: ProviderContext) throws {
        let endpoint = configuration.endpoint ?? "https://run.googleapis.com"
        let path =
            "/v2/projects/\(configuration.project)/locations/\(configuration.region)/jobs/\(configuration.job)"
            + "/executions/\(configuration.execution)"
        for (name, value) in [
            ("project", configuration.project), ("region", configuration.region), ("job", configuration.job),
            ("execution", configuration.execution),
        ] where value.isEmpty || value.contains("/") || value.contains(" ") {
            throw ProviderError(code: .badConfig, message: "\(name) \"\(value)\" is not a name")
        }
        guard let base = URL(string: endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint),
            ["http", "https"].contains(base.scheme ?? ""), base.host != nil,
            let url = URL(string: base.absoluteString + path)
        else { throw ProviderError(code: .badConfig, message: "endpoint \"\(endpoint)\" is not an http(s) URL") }
        self.url = url
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        let transport = HTTPTransport(timeout: timeout, context: context)
        let tokens = AccessTokenSource(
            credentials: configuration.credentials, environment: context.environment,
            baseDirectory: context.baseDirectory, transport: transport)
        client = GoogleAPIClient(service: "Cloud Run", tokens: tokens, transport: transport, timeout: timeout)
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        let json = try await client.get(url)
        return PollResult(try Self.observation(json).map { [$0] } ?? [])
    }

    /// The execution's `Completed` condition as an observation; `nil` while it has none.
    ///
    /// An answer that is not an execution (no `name`: every execution has one) or whose
    /// `conditions` is not a list is malformed (see `CloudRunExecution`).
    static func observation(_ json: JSONValue) throws(ProviderError) -> Observation? {
        guard
            let execution = try? JSONValueDecoder(rejectsUnknownKeys: false).decode(CloudRunExecution.self, from: json)
        else {
            throw ProviderError(
                code: .malformedResponse, message: "Cloud Run sent an answer that is not an execution (no name)")
        }
        if case .notAList = execution.conditions {
            throw ProviderError(code: .malformedResponse, message: "Cloud Run sent conditions that are not a list")
        }
        guard let completed = execution.completed else { return nil }
        let state = completed.state ?? "STATE_UNSPECIFIED"
        var detail: FailureDetail?
        if state == "CONDITION_FAILED" {
            let message = completed.message.flatMap { $0.isEmpty ? nil : $0 } ?? "the launch agent's execution failed"
            detail = FailureDetail(code: completed.executionReason, message: message)
        }
        let since = completed.lastTransitionTime.flatMap { RFC3339.date(from: $0) }
        return Observation(status: state, subject: execution.name, backendTime: since, detail: detail)
    }
}
