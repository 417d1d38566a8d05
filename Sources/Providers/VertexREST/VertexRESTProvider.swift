import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Kind `vertex-rest`: follows one Vertex AI CustomJob through the REST API over one warm
/// connection — a poll is one small request.
///
/// Until the job is known it lists with a server-side `filter` built from `match` (labels, display
/// name, creation time) and follows every page; exactly one match is followed from then on with
/// `get`, and publishes the fact `job_id`. Several matches are reported as an ambiguity naming them,
/// never resolved by taking the newest.
///
/// ```json
/// {"id": "vertex", "type": "vertex-rest",
///  "config": {"project": "my-project", "region": "us-central1",
///             "match": {"labels": {"wandb-run-id": "${fact.run_id}"}}}}
/// ```
public struct VertexRESTProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        public var project: String
        public var region: String
        /// Base URL of the API; default the regional host (`https://{region}-aiplatform.googleapis.com`).
        public var endpoint: String?
        public var match: VertexJobMatch
        public var credentials: GoogleCredentials?
        /// Per request; default 10s.
        public var timeout: String?
    }

    public static let kind = "vertex-rest"
    public static let summary = "A Vertex AI custom job through the REST API: state, error message, timestamps."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("project", .string, required: true, "the Google Cloud project id or number"),
        ConfigurationField("region", .string, required: true, "the job's region, such as us-central1"),
        ConfigurationField(
            "endpoint", .string, default: "https://REGION-aiplatform.googleapis.com",
            "the API's base URL (an emulator's, in tests)"),
        ConfigurationField(
            "match", .object, required: true,
            "labels, displayName, displayNamePrefix, createdAfter (default 15 min before the start), jobId"),
        ConfigurationField(
            "credentials", .object, "accessTokenFile, serviceAccountKeyFile, tokenEndpoint, metadataHost"),
        ConfigurationField("timeout", .duration, default: "10s", "the longest a request may take"),
    ]
    public static let defaultStageMap = VertexCustomJob.defaultStageMap
    public static let publishedFacts: [String]? = ["job_id"]

    private let collection: String
    private let base: String
    private let match: VertexJobMatch
    private let client: GoogleAPIClient
    private let startedAt: Date
    private let memory = Memory()

    /// What the provider has learnt: the job it follows, whether it told which credentials it uses.
    private final class Memory: Sendable {
        let jobName = Mutex<String?>(nil)
        let announcedCredentials = Mutex(false)
        /// A batch listing has looked for this instance's job (see `poll(batch:)`).
        let listed = Mutex(false)
    }

    public init(configuration: Configuration, context: ProviderContext) throws {
        let project = configuration.project.trimmingCharacters(in: .whitespaces)
        let region = configuration.region.trimmingCharacters(in: .whitespaces)
        guard !project.isEmpty,
            project.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == ":" || $0 == "." })
        else { throw ProviderError(code: "bad_config", message: "project \"\(project)\" is not a project id") }
        guard !region.isEmpty, region.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else {
            throw ProviderError(code: "bad_config", message: "region \"\(region)\" is not a region such as us-central1")
        }
        let endpoint =
            configuration.endpoint
            ?? (region == "global"
                ? "https://aiplatform.googleapis.com" : "https://\(region)-aiplatform.googleapis.com")
        guard let url = URL(string: endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil
        else { throw ProviderError(code: "bad_config", message: "endpoint \"\(endpoint)\" is not an http(s) URL") }
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        match = try configuration.match.validated()
        base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        collection = "projects/\(project)/locations/\(region)/customJobs"
        startedAt = context.startedAt
        let transport = HTTPTransport(timeout: timeout)
        let tokens = AccessTokenSource(
            credentials: configuration.credentials, environment: context.environment,
            baseDirectory: context.baseDirectory, transport: transport)
        client = GoogleAPIClient(service: "Vertex AI", tokens: tokens, transport: transport, timeout: timeout)
        if let jobId = configuration.match.jobId {
            let id = VertexJobMatch.id(fromNameOrID: jobId)
            memory.jobName.withLock { $0 = "\(collection)/\(id)" }
        }
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        var notices: [String] = []
        let result: PollResult
        if let name = memory.jobName.withLock({ $0 }) {
            let json = try await client.get(try url("/v1/\(name)"))
            guard let job = VertexCustomJob(json: json) else { throw malformed("the job") }
            result = PollResult([job.observation])
        } else {
            let jobs = try await list()
            switch jobs.count {
            case 0:
                result = PollResult()
            case 1:
                memory.jobName.withLock { $0 = jobs[0].name }
                result = PollResult([jobs[0].observation])
            default:
                result = PollResult(notices: [VertexJobMatch.ambiguity(jobs)])
            }
        }
        if let notice = await credentialsNotice() { notices.append(notice) }
        return PollResult(result.observations, notices: notices + result.notices)
    }

    /// "credentials: …", the first time only.
    private func credentialsNotice() async -> String? {
        guard !memory.announcedCredentials.withLock({ $0 }), let source = await client.tokens.sourceDescription else {
            return nil
        }
        memory.announcedCredentials.withLock { $0 = true }
        return "credentials: \(source)"
    }

    /// Every matching job, across pages (at most 20 pages of 100).
    private func list() async throws(ProviderError) -> [VertexCustomJob] {
        try await list(filter: match.serverFilter(watchStartedAt: startedAt)) {
            match.matches($0, watchStartedAt: startedAt)
        }
    }

    /// Every job `filter` selects and `keep` keeps, across pages (at most 20 pages of 100).
    private func list(
        filter: String, keep: (VertexCustomJob) -> Bool
    ) async throws(ProviderError) -> [VertexCustomJob] {
        var jobs: [VertexCustomJob] = []
        var pageToken: String?
        for _ in 0..<20 {
            var query = [("filter", filter), ("pageSize", "100")]
            if let pageToken { query.append(("pageToken", pageToken)) }
            let json = try await client.get(try url("/v1/\(collection)", query: query))
            // An array or a string has no "customJobs" either: it must not read as "no jobs yet".
            guard case .object = json else { throw malformed("the job list") }
            if case .array(let items)? = json["customJobs"] {
                for item in items {
                    guard let job = VertexCustomJob(json: item) else { throw malformed("a listed job") }
                    // The server filtered; checking again guards against a server that ignored it.
                    if keep(job) { jobs.append(job) }
                }
            } else if json["customJobs"] != nil || json["name"] != nil {
                throw malformed("the job list")
            }
            guard case .string(let next)? = json["nextPageToken"], !next.isEmpty else { return jobs }
            pageToken = next
        }
        return jobs
    }

    private func url(_ path: String, query: [(String, String)] = []) throws(ProviderError) -> URL {
        var components = URLComponents(string: base + path)
        if !query.isEmpty {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            components?.percentEncodedQuery = query.map {
                "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
            }.joined(separator: "&")
        }
        guard let url = components?.url else {
            throw ProviderError(code: "bad_config", message: "cannot build a URL from endpoint \(base)")
        }
        return url
    }

    private func malformed(_ what: String) -> ProviderError {
        ProviderError(code: "malformed_response", message: "Vertex AI sent \(what) in an unexpected shape")
    }
}

/// Sweeps: one listing per tick for every target's job, however many targets there are.
///
/// Instances whose `match` is labels only, with the same label keys, on the same endpoint and
/// project, share one `customJobs.list` per poll: `labels.KEY:*` and the earliest `createdAfter`,
/// and — once a first listing has seen every job — `update_time>=` the newest update seen, so a tick
/// brings back only the jobs that changed since the last. A target that joins later (its run id
/// arrived) has its own job looked up once, with the new targets' labels in one `OR` filter (100
/// to a request). Each listed job goes to the instance whose match it satisfies: the same
/// observations, `job_id` fact and ambiguity notices as `poll`. Other instances (a display-name
/// match, a job id) are polled one by one.
extension VertexRESTProvider: BatchPolling {
    public static func poll(
        batch: [VertexRESTProvider], memory: BatchMemory, _ context: PollContext
    ) async -> [Result<PollResult, ProviderError>] {
        guard let first = batch.first, let keys = first.batchLabelKeys,
            batch.allSatisfy({ $0.base == first.base && $0.collection == first.collection && $0.batchLabelKeys == keys }
            )
        else {
            return await pollEach(batch, context)
        }
        do throws(ProviderError) {
            var jobs: [VertexCustomJob] = []
            let createdAfter = batch.map { $0.match.createdAfterDate(watchStartedAt: $0.startedAt) }.min() ?? Date()
            var terms =
                keys.map { "labels.\($0):*" } + [
                    "create_time>=\(VertexJobMatch.quote(RFC3339.string(from: createdAfter)))"
                ]
            let cursor = memory["updatedSince"]
            if let cursor { terms.append("update_time>=\(VertexJobMatch.quote(cursor))") }
            jobs += try await first.list(filter: terms.joined(separator: " AND ")) { _ in true }
            // Targets that joined since the last full listing: look their jobs up once.
            let unlisted = cursor == nil ? [] : batch.filter { !$0.memory.listed.withLock { $0 } }
            let after = "create_time>=" + VertexJobMatch.quote(RFC3339.string(from: createdAfter))
            var start = 0
            while start < unlisted.count {
                let chunk = unlisted[start..<min(start + 100, unlisted.count)]
                start += 100
                let alternatives: [String] = chunk.map { provider in
                    let labels = (provider.match.labels ?? [:]).sorted { $0.key < $1.key }
                    let terms = labels.map { "labels.\($0.key)=\(VertexJobMatch.quote($0.value))" }
                    return "(" + terms.joined(separator: " AND ") + ")"
                }
                let filter = "(" + alternatives.joined(separator: " OR ") + ") AND " + after
                jobs += try await first.list(filter: filter) { _ in true }
            }
            for provider in batch { provider.memory.listed.withLock { $0 = true } }
            let cursorDate = cursor.flatMap(RFC3339.date(from:))
            if let newest = jobs.compactMap(\.updateTime).max(), cursorDate.map({ $0 < newest }) ?? true {
                // To the microsecond and cut, not rounded: never later than the newest job, so an
                // update within the same millisecond is not skipped (Vertex AI keeps microseconds).
                memory["updatedSince"] = RFC3339.string(from: newest, fractionDigits: 6)
            } else if cursor == nil {
                memory["updatedSince"] = RFC3339.string(from: createdAfter)
            }
            var answers: [Result<PollResult, ProviderError>] = []
            for provider in batch {
                answers.append(.success(await provider.answer(from: jobs)))
            }
            return answers
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// The label keys of a labels-only match, sorted; `nil` when the match uses anything else.
    var batchLabelKeys: [String]? {
        guard let labels = match.labels, !labels.isEmpty, match.displayName == nil, match.displayNamePrefix == nil,
            match.jobId == nil
        else { return nil }
        return labels.keys.sorted()
    }

    /// This instance's answer from a batch listing: its job's observation, nothing new, or an
    /// ambiguity.
    private func answer(from listed: [VertexCustomJob]) async -> PollResult {
        var notices: [String] = []
        if let notice = await credentialsNotice() { notices.append(notice) }
        var latest: [String: VertexCustomJob] = [:]
        for job in listed where match.matches(job, watchStartedAt: startedAt) { latest[job.name] = job }
        if let name = memory.jobName.withLock({ $0 }) {
            guard let job = latest[name] else { return PollResult(notices: notices) }
            return PollResult([job.observation], notices: notices)
        }
        let jobs = latest.values.sorted { $0.name < $1.name }
        switch jobs.count {
        case 0:
            return PollResult(notices: notices)
        case 1:
            memory.jobName.withLock { $0 = jobs[0].name }
            return PollResult([jobs[0].observation], notices: notices)
        default:
            return PollResult(notices: notices + [VertexJobMatch.ambiguity(jobs)])
        }
    }
}
