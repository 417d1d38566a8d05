import Foundation
import LaunchWatchCore

/// How a Vertex provider finds *our* job (never "the newest one"): by labels (the W&B Launch agent
/// sets `wandb-run-id`), display name or its prefix, creation time, or the job id itself. Every given
/// condition must hold; several matching jobs are an ambiguity to report, never a pick.
///
/// ```json
/// "match": {"labels": {"wandb-run-id": "${fact.run_id}"}}
/// "match": {"displayNamePrefix": "train-", "createdAfter": "${launch.startedAt}"}
/// ```
public struct VertexJobMatch: Decodable, Sendable, Hashable {
    public var labels: [String: String]?
    public var displayName: String?
    public var displayNamePrefix: String?
    /// RFC 3339. Default: 15 minutes before the watch started, so that a job launched just before
    /// `launchwatch run` still matches while older ones with the same name do not.
    public var createdAfter: String?
    /// The job's numeric id (or full resource name): then the provider only ever `get`s that job.
    public var jobId: String?

    public init(
        labels: [String: String]? = nil, displayName: String? = nil, displayNamePrefix: String? = nil,
        createdAfter: String? = nil, jobId: String? = nil
    ) {
        self.labels = labels
        self.displayName = displayName
        self.displayNamePrefix = displayNamePrefix
        self.createdAfter = createdAfter
        self.jobId = jobId
    }

    /// How far before the watch's start `createdAfter` reaches by default.
    public static let defaultLookBack: TimeInterval = 15 * 60

    /// Checks what decoding cannot: a date that is a date, a match that names something.
    public func validated() throws(ProviderError) -> VertexJobMatch {
        if let createdAfter, RFC3339.date(from: createdAfter) == nil {
            throw ProviderError(
                code: .badConfig, message: "match.createdAfter \"\(createdAfter)\" is not an RFC 3339 time")
        }
        if labels?.isEmpty ?? true, displayName == nil, displayNamePrefix == nil, jobId == nil {
            throw ProviderError(
                code: .badConfig,
                message: "match needs labels, displayName, displayNamePrefix or jobId: a provider never takes "
                    + "\"the newest job\"")
        }
        for key in (labels ?? [:]).keys where key.isEmpty || key.contains(where: { $0 == "\"" || $0 == " " }) {
            throw ProviderError(code: .badConfig, message: "match.labels key \"\(key)\" is not a label key")
        }
        return self
    }

    /// The lower bound on `createTime`.
    public func createdAfterDate(watchStartedAt: Date) -> Date {
        createdAfter.flatMap(RFC3339.date(from:)) ?? watchStartedAt.addingTimeInterval(-Self.defaultLookBack)
    }

    /// The `customJobs.list` filter that selects the same jobs as `matches`, on documented fields
    /// only (`labels.key=value`, `display_name`, `create_time`); without `create_time` when
    /// `createTime` is false (for a server that refuses it: `matches` checks it on the client).
    public func serverFilter(watchStartedAt: Date, createTime: Bool = true) -> String {
        var terms: [String] = []
        for (key, value) in (labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            terms.append("labels.\(key)=\(Self.quote(value))")
        }
        if let displayName { terms.append("display_name=\(Self.quote(displayName))") }
        if let displayNamePrefix { terms.append("display_name:\(Self.quote(displayNamePrefix + "*"))") }
        if createTime {
            let after = RFC3339.string(from: createdAfterDate(watchStartedAt: watchStartedAt))
            terms.append("create_time>=\(Self.quote(after))")
        }
        return terms.joined(separator: " AND ")
    }

    /// Whether `job` matches (for clients that cannot filter on the server, such as gcloud).
    public func matches(_ job: VertexCustomJob, watchStartedAt: Date) -> Bool {
        if let jobId, job.id != Self.id(fromNameOrID: jobId) { return false }
        for (key, value) in labels ?? [:] where job.labels[key] != value { return false }
        if let displayName, job.displayName != displayName { return false }
        if let displayNamePrefix, !job.displayName.hasPrefix(displayNamePrefix) { return false }
        if let created = job.createTime, created < createdAfterDate(watchStartedAt: watchStartedAt) { return false }
        return true
    }

    /// `projects/p/locations/r/customJobs/123` or `123` → `123`.
    public static func id(fromNameOrID text: String) -> String {
        text.split(separator: "/").last.map(String.init) ?? text
    }

    public static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The notice for several matching jobs: which ones, so the user can narrow the match.
    public static func ambiguity(_ jobs: [VertexCustomJob]) -> String {
        let named = jobs.prefix(5).map { job in
            "\(job.id) (\"\(job.displayName)\", \(job.state), created \(job.createTime.map { RFC3339.string(from: $0) } ?? "?"))"
        }
        let more = jobs.count > 5 ? " and \(jobs.count - 5) more" : ""
        return "\(jobs.count) Vertex AI jobs match, so none is followed: \(named.joined(separator: ", "))\(more); "
            + "narrow \"match\" (labels such as wandb-run-id, or jobId)"
    }
}
