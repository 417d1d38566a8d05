import Foundation
import LaunchWatchCore

/// Provider kinds and helpers for the pipeline tests. Core's tests cannot use the real providers
/// (Core depends on none of them), so these stand in for a status API that publishes the run id, a
/// job API that follows it and a log search that brings failure detail. They are namespaced so that
/// other test files may define their own doubles freely.
enum PipelineFixtures {
    /// Kind `status-page`: a queue-like status page that learns the run id.
    struct StatusPageProvider: Provider {
        struct Configuration: Decodable, Sendable {
            var url: String
            var region: String?
            var labels: [String: String]?
        }

        static let kind = "status-page"
        static let summary = "Reads a JSON status page."
        static let defaultStageMap: [String: String?] = [
            "QUEUED": "queued", "CLAIMED": "picked_up", "FINISHED": "succeeded", "CRASHED": "failed",
            "HEARTBEAT": nil,
        ]
        static let publishedFacts: [String]? = ["run_id"]
        static let defaultInterval: Duration = .seconds(2)

        init(configuration: Configuration, context: ProviderContext) throws {
            guard configuration.url.hasPrefix("http") else {
                throw ProviderError(code: "bad_config", message: "url must start with http:// or https://")
            }
        }

        func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
    }

    /// Kind `job-api`: finds the job by the run id's label and publishes the job id.
    struct JobAPIProvider: Provider {
        struct Configuration: Decodable, Sendable {
            struct Match: Decodable, Sendable {
                var labels: [String: String]
            }

            var project: String
            var region: String
            var match: Match?
            var pageSize: Int?
        }

        static let kind = "job-api"
        static let summary = "Follows a training job through its REST API."
        static let defaultStageMap: [String: String?] = [
            "JOB_STATE_PENDING": "submitted", "JOB_STATE_RUNNING": "running", "JOB_STATE_SUCCEEDED": "succeeded",
            "JOB_STATE_FAILED": "failed",
        ]
        static let publishedFacts: [String]? = ["job_id"]

        init(configuration: Configuration, context: ProviderContext) throws {}

        func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
    }

    /// Kind `log-search`: reads error logs; publishes nothing and maps nothing by default.
    struct LogSearchProvider: Provider {
        struct Configuration: Decodable, Sendable {
            var project: String
            var filter: String
        }

        static let kind = "log-search"
        static let summary = "Searches the logs for why a job failed."

        init(configuration: Configuration, context: ProviderContext) throws {}

        func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
    }

    /// A registry with the three fixture kinds.
    static func registry() throws -> ProviderRegistry {
        var registry = ProviderRegistry()
        try registry.register(StatusPageProvider.self)
        try registry.register(JobAPIProvider.self)
        try registry.register(LogSearchProvider.self)
        return registry
    }

    /// Loads `json` with the fixture registry.
    static func load(
        _ json: String, options: PipelineLoader.Options = PipelineLoader.Options()
    ) throws -> PipelineLoader.Loaded {
        try PipelineLoader(registry: registry()).load(
            Data(json.utf8), baseDirectory: URL(fileURLWithPath: "/pipelines"), options: options)
    }

    /// The issues loading `json` reports; empty when it loads.
    static func issues(
        _ json: String, options: PipelineLoader.Options = PipelineLoader.Options()
    ) throws -> [PipelineIssue] {
        do {
            _ = try load(json, options: options)
            return []
        } catch let error as PipelineError {
            return error.issues
        }
    }
}

extension PipelineIssue {
    /// `code` at `path`, for compact expectations.
    var codeAndPath: String { "\(code) \(path)" }
}
