import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import Synchronization

/// Kind `vertex-rest`: follows one Vertex AI CustomJob through the REST API over one warm
/// connection — a poll is one small request.
///
/// Until the job is known it lists with a server-side `filter` built from `match` (labels, display
/// name, creation time) and follows every page; exactly one match is followed from then on with
/// `get`, and publishes the fact `job_id`. Several matches are reported as an ambiguity naming them,
/// never resolved by taking the newest.
///
/// The filter names only fields the reference documents for `customJobs.list` (`labels`,
/// `display_name`, `create_time`; see CONTRACT.md). `create_time` only narrows what the server sends
/// (every listed job is matched again here): a server that refuses it with 400 INVALID_ARGUMENT
/// has it left out from then on, with one notice, and the watch goes on.
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
        /// The server refused `create_time` in a filter: leave it out from now on.
        let createTimeRefused = Mutex(false)
        /// The page size `customJobs.list` is asked for: `pageSize` until a server refuses it.
        let pageSize = Mutex(VertexRESTProvider.pageSize)
    }

    public init(configuration: Configuration, context: ProviderContext) throws {
        let project = configuration.project.trimmingCharacters(in: .whitespaces)
        let region = configuration.region.trimmingCharacters(in: .whitespaces)
        guard !project.isEmpty,
            project.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == ":" || $0 == "." })
        else { throw ProviderError(code: .badConfig, message: "project \"\(project)\" is not a project id") }
        guard !region.isEmpty, region.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else {
            throw ProviderError(code: .badConfig, message: "region \"\(region)\" is not a region such as us-central1")
        }
        let endpoint =
            configuration.endpoint
            ?? (region == "global"
                ? "https://aiplatform.googleapis.com" : "https://\(region)-aiplatform.googleapis.com")
        guard let url = URL(string: endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil
        else { throw ProviderError(code: .badConfig, message: "endpoint \"\(endpoint)\" is not an http(s) URL") }
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        match = try configuration.match.validated()
        base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        collection = "projects/\(project)/locations/\(region)/customJobs"
        startedAt = context.startedAt
        let transport = HTTPTransport(timeout: timeout, context: context)
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
            let (jobs, listingNotices) = try await list()
            notices += listingNotices
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

    /// Every matching job, across pages. A server that refuses `create_time` is asked again without
    /// it (and never with it again); the notice says so.
    private func list() async throws(ProviderError) -> (jobs: [VertexCustomJob], notices: [String]) {
        let keep = { (job: VertexCustomJob) in match.matches(job, watchStartedAt: startedAt) }
        var notices: [String] = []
        if !memory.createTimeRefused.withLock({ $0 }) {
            do {
                let filter = match.serverFilter(watchStartedAt: startedAt)
                return (try await list(filter: filter, keep: keep).jobs, [])
            } catch  where Self.refusesField(error, ["create_time", "createTime"]) {
                memory.createTimeRefused.withLock { $0 = true }
                notices.append(Self.createTimeNotice)
            }
        }
        let filter = match.serverFilter(watchStartedAt: startedAt, createTime: false)
        return (try await list(filter: filter, keep: keep).jobs, notices)
    }

    /// The notice for a server that refused `create_time`.
    static let createTimeNotice =
        "Vertex AI refused create_time in a customJobs.list filter (400 INVALID_ARGUMENT); listing without it "
        + "from now on and checking each job's creation time here"

    /// Whether `error` is a 400 INVALID_ARGUMENT that names one of `fields`: the server does not take
    /// that filter field.
    static func refusesField(_ error: ProviderError, _ fields: [String]) -> Bool {
        error.code == .http(400) && fields.contains { error.message.contains($0) }
    }

    /// The largest page `customJobs.list` is asked for. The reference gives no maximum; a server
    /// that allows fewer sends fewer and a `nextPageToken` (AIP-158, which asks servers to coerce a
    /// larger size rather than refuse it), which is followed.
    static let pageSize = 1000
    /// The page size gcloud asks for (`pageSize=100`, seen on the wire): what a server that refuses
    /// `pageSize` itself (400 naming it) is asked for from then on.
    static let fallbackPageSize = 100

    /// Every job `filter` selects and `keep` keeps, across pages (at most 20), and the number of
    /// requests that took.
    private func list(
        filter: String, keep: (VertexCustomJob) -> Bool
    ) async throws(ProviderError) -> (jobs: [VertexCustomJob], requests: Int) {
        var jobs: [VertexCustomJob] = []
        var pageToken: String?
        var page = 0
        while page < 20 {
            page += 1
            let size = memory.pageSize.withLock { $0 }
            var query = [("filter", filter), ("pageSize", String(size))]
            if let pageToken { query.append(("pageToken", pageToken)) }
            let json: JSONValue
            do {
                json = try await client.get(try url("/v1/\(collection)", query: query))
            } catch  where size > Self.fallbackPageSize && Self.refusesField(error, ["page_size", "pageSize"]) {
                // Only an optimisation: the size gcloud uses, for good, and this page again.
                memory.pageSize.withLock { $0 = Self.fallbackPageSize }
                page -= 1
                continue
            }
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
            guard case .string(let next)? = json["nextPageToken"], !next.isEmpty else { return (jobs, page) }
            pageToken = next
        }
        return (jobs, page)
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
            throw ProviderError(code: .badConfig, message: "cannot build a URL from endpoint \(base)")
        }
        return url
    }

    private func malformed(_ what: String) -> ProviderError {
        ProviderError(code: .malformedResponse, message: "Vertex AI sent \(what) in an unexpected shape")
    }
}

/// Sweeps: every target's job listed together, on documented filter fields only.
///
/// Instances whose `match` is labels only, with the same label keys, on the same endpoint and
/// project, are listed together each tick: their label values OR'ed, 100 targets to a request
/// (`(labels.K="a" OR labels.K="b" ...) AND create_time>="…"`), pages of up to 1000 jobs. Only
/// targets still being watched are asked for, so the listing shrinks as launches end. Each listed
/// job goes to the instance whose match it satisfies: the same observations, `job_id` fact and
/// ambiguity notices as `poll`. Other instances (a display-name match, a job id) are polled one by
/// one.
///
/// What the server refuses is learnt once and kept for the sweep, each with one notice:
/// - a 400 INVALID_ARGUMENT naming `create_time`: listed without it (creation is checked here);
/// - any other 400, 413 or 414 for a request of several targets: half as many targets a request,
///   and the tick goes on with the smaller batches.
///
/// Requests per tick grow with the sweep (one per 100 targets, more when pages are long); the schedule
/// counts a poll as one request, so when a tick takes several, the answer asks for the next tick no
/// sooner than the provider's budget (`schedule.budget.perMinute`) allows, and a notice says so.
extension VertexRESTProvider: BatchPolling {
    /// Targets whose label values go in one request, before any server refused a batch as too large.
    static let batchSize = 100

    public static func poll(
        batch: [VertexRESTProvider], memory: BatchMemory, _ context: PollContext
    ) async -> [Result<PollResult, ProviderError>] {
        guard let first = batch.first, first.batchLabelKeys != nil,
            batch.allSatisfy({
                $0.base == first.base && $0.collection == first.collection && $0.batchLabelKeys == first.batchLabelKeys
            })
        else {
            return await pollEach(batch, context)
        }
        var notices: [String] = []
        var jobs: [VertexCustomJob] = []
        var requests = 0
        // The targets before `start` are listed; a failure fails only the rest (a later tick retries).
        var start = 0
        var failure: ProviderError?
        do throws(ProviderError) {
            let createdAfter = batch.map { $0.match.createdAfterDate(watchStartedAt: $0.startedAt) }.min() ?? Date()
            var size = memory["batchSize"].flatMap(Int.init) ?? batchSize
            while start < batch.count {
                let chunk = batch[start..<min(start + size, batch.count)]
                let withCreateTime = memory["createTimeRefused"] == nil
                let filter = Self.filter(chunk, createdAfter: withCreateTime ? createdAfter : nil)
                do {
                    let listed = try await first.list(filter: filter) { _ in true }
                    jobs += listed.jobs
                    requests += listed.requests
                    start += chunk.count
                } catch  where withCreateTime && refusesField(error, ["create_time", "createTime"]) {
                    requests += 1
                    memory["createTimeRefused"] = "1"
                    notices.append(createTimeNotice)
                } catch  where chunk.count > 1 && Self.tooLarge(error) {
                    requests += 1
                    size = max(1, chunk.count / 2)
                    memory["batchSize"] = String(size)
                    notices.append(
                        "Vertex AI refused a customJobs.list filter naming \(chunk.count) launches (\(error.message)); "
                            + "asking for \(size) a request from now on")
                }
            }
        } catch {
            failure = error
        }
        var hint: Duration?
        if requests > 1 {
            let budget = max(1, context.requestsPerMinute ?? 60)
            let interval = Duration.seconds(double: Double(requests) * 60 / Double(budget))
            hint = interval
            // Once per new high: the notice says why the sweep is polled more slowly than `every`.
            if requests > memory["noticedRequests"].flatMap(Int.init) ?? 1 {
                memory["noticedRequests"] = String(requests)
                notices.append(
                    "listing the jobs of \(batch.count) launches took \(requests) requests this tick; polling no "
                        + "more often than every \(DurationText.format(interval)) to stay within "
                        + "\(budget) requests a minute")
            }
        }
        var answers: [Result<PollResult, ProviderError>] = []
        for (index, provider) in batch.enumerated() {
            if let failure, index >= start {
                answers.append(.failure(failure))
                continue
            }
            var answer = await provider.answer(from: jobs)
            answer.retryAfter = hint
            // A sweep-wide notice is the first target's: each target would otherwise repeat it.
            if index == 0 { answer.notices += notices }
            answers.append(.success(answer))
        }
        return answers
    }

    /// `(labels.K="a" AND labels.L="b") OR (…)` for `chunk`, and `create_time>=` when given.
    static func filter(_ chunk: ArraySlice<VertexRESTProvider>, createdAfter: Date?) -> String {
        let alternatives: [String] = chunk.map { provider in
            let labels = (provider.match.labels ?? [:]).sorted { $0.key < $1.key }
            let terms = labels.map { "labels.\($0.key)=\(VertexJobMatch.quote($0.value))" }
            return terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " AND ") + ")"
        }
        let labels = alternatives.count == 1 ? alternatives[0] : "(" + alternatives.joined(separator: " OR ") + ")"
        guard let createdAfter else { return labels }
        return labels + " AND create_time>=" + VertexJobMatch.quote(RFC3339.string(from: createdAfter))
    }

    /// A request refused for its size: 413, 414, or a 400 (a filter too long or too complex for the
    /// server), unless the 400 refuses `labels` itself, which no smaller batch would change.
    static func tooLarge(_ error: ProviderError) -> Bool {
        [.http(400), .http(413), .http(414)].contains(error.code) && !refusesField(error, ["\"labels"])
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
