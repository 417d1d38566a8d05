import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud

/// Kind `cloud-logging`: reads new Cloud Logging entries incrementally and turns ERROR-and-above
/// entries into failure detail — the fallback for failures the status APIs report without a
/// message (a training crash whose traceback is only in the logs).
///
/// Each poll is one `entries:list` request, so the default interval (2 s) keeps it at 30 requests a
/// minute, below the 60/min read quota. Entries are read in timestamp order after the cursor
/// `(timestamp, insertId)` — `(timestamp="T" AND insertId>"ID") OR timestamp>"T"`, as gcloud does —
/// so nothing is skipped; a page token (even on an empty page) is followed at the next poll, and one
/// the service rejects is dropped.
///
/// Entries arrive slightly out of order, so the cursor stays `settle` (default 5 s) behind Cloud
/// Logging's own clock, as the newest `receiveTimestamp` read tells it: the entries in that window
/// are asked for again at the next poll, and one that arrived late among them is read then; those
/// already read are recognised (log, timestamp and insertId) and never reported twice. Every entry is
/// reported as soon as it is read. The window is measured in the service's time, so it holds
/// whatever the offset between this machine's clock and Cloud Logging's, and an entry stamped in the
/// future by a writer's fast clock does not close it. When nothing newer has been received for
/// `settle` (by this machine's clock, as an interval), everything read is final.
///
/// An entry can still become readable after that, with a timestamp behind the cursor (Cloud Logging
/// documents no bound on ingestion). So a provider that has read past its start, settled, and found
/// no ERROR entry by `finalReadAfter` (default 90 s after its first poll: within the default
/// `finish.detailWait` of 2 minutes, which it is usually activated for) reads the whole window once
/// more, from `finalReadFrom` (the job's `createTime` when the pipeline knows it; default the start
/// of `lookBack`, which precedes any job of this launch), and reports the errors it had not. That
/// read is one request per poll too (its pages at the next polls), and it happens once.
///
/// ```json
/// {"id": "logs", "type": "cloud-logging",
///  "config": {"project": "my-project",
///             "filter": "resource.type=\"ml_job\" AND resource.labels.job_id=\"${fact.job_id}\" AND severity>=ERROR"},
///  "activate": {"when": "failureWithoutDetail"}}
/// ```
public struct CloudLoggingProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        public var project: String?
        public var resourceNames: [String]?
        public var filter: String?
        public var endpoint: String?
        public var credentials: GoogleCredentials?
        public var timeout: String?
        /// How far before the watch's start to read from; default 10m.
        public var lookBack: String?
        public var settle: String?
        /// After this long without an error entry, read everything once more; default 90s.
        public var finalReadAfter: String?
        /// Where that read starts (RFC 3339): the job's `createTime`; default the `lookBack` start.
        public var finalReadFrom: String?
    }

    public static let kind = "cloud-logging"
    public static let summary = "Cloud Logging entries (incremental, no gaps or duplicates): error messages as detail."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("project", .string, "the project whose logs to read (or give resourceNames)"),
        ConfigurationField("resourceNames", .array, "projects/P, folders/F ... (instead of project)"),
        ConfigurationField("filter", .string, "a Logging query; may use ${fact.NAME}"),
        ConfigurationField("endpoint", .string, default: "https://logging.googleapis.com", "the API's base URL"),
        ConfigurationField(
            "credentials", .object, "accessTokenFile, serviceAccountKeyFile, tokenEndpoint, metadataHost"),
        ConfigurationField("timeout", .duration, default: "10s", "the longest a request may take"),
        ConfigurationField("lookBack", .duration, default: "10m", "read entries from this long before the start"),
        ConfigurationField(
            "settle", .duration, default: "5s",
            "ask again for entries this much older than the newest read, so a late one is not missed"),
        ConfigurationField(
            "finalReadAfter", .duration, default: "90s",
            "with no error entry found this long after the first poll, read the whole window once more"),
        ConfigurationField(
            "finalReadFrom", .string, default: "the lookBack start",
            "RFC 3339 start of that final read: the job's createTime"),
    ]
    public static let defaultStageMap: [String: String?] = [
        "DEFAULT": nil, "DEBUG": nil, "INFO": nil, "NOTICE": nil, "WARNING": nil, "ERROR": nil, "CRITICAL": nil,
        "ALERT": nil, "EMERGENCY": nil,
    ]
    public static let defaultInterval = Duration.seconds(2)

    static let errorSeverities: Set<String> = ["ERROR", "CRITICAL", "ALERT", "EMERGENCY"]

    private struct Cursor: Sendable {
        /// Where the next listing starts: after this entry (entries up to it are final).
        var timestamp: String?
        var insertId: String?
        var pageToken: String?
        /// The filter the page token belongs to: a token is only valid with the same request.
        var pageFilter: String?
        /// Cloud Logging's clock as the entries read tell it: the newest `receiveTimestamp` (or
        /// `timestamp`, for an entry without one), and when (our clock) it last moved.
        var newest: Date?
        var newestMovedAt: Date?
        /// Entries read after the cursor, by log, timestamp and insertId, with their times: they will
        /// be listed again and must not be reported again.
        var unsettled: [String: Date] = [:]
        /// ERROR entries reported, by log, timestamp and insertId: the final read skips them.
        var reported: Set<String> = []
        /// The first poll, by our clock: the final read is due `finalReadAfter` later.
        var firstPollAt: Date?
        var finalRead: FinalRead = .due
    }

    /// The one re-read of the whole window (see the type's notes).
    private enum FinalRead: Sendable, Equatable {
        case due
        /// Its listing goes on at the next poll with this page token and filter.
        case reading(pageToken: String, filter: String)
        case done
    }

    private let url: URL
    private let resourceNames: [String]
    private let filter: String?
    private let client: GoogleAPIClient
    private let from: Date
    private let settle: Duration
    private let finalReadAfter: Duration
    private let finalReadFrom: Date
    private let cursor = ProviderMemory(Cursor())

    public init(configuration: Configuration, context: ProviderContext) throws {
        if let project = configuration.project {
            resourceNames = ["projects/\(project)"] + (configuration.resourceNames ?? [])
        } else if let names = configuration.resourceNames, !names.isEmpty {
            resourceNames = names
        } else {
            throw ProviderError(code: .badConfig, message: "give project or resourceNames")
        }
        let endpoint = configuration.endpoint ?? "https://logging.googleapis.com"
        guard let base = URL(string: endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint),
            ["http", "https"].contains(base.scheme ?? ""), base.host != nil,
            let url = URL(string: base.absoluteString + "/v2/entries:list")
        else { throw ProviderError(code: .badConfig, message: "endpoint \"\(endpoint)\" is not an http(s) URL") }
        self.url = url
        filter = configuration.filter.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        from = context.startedAt.addingTimeInterval(
            -(try DurationText.configured(
                configuration.lookBack, field: "lookBack", default: .seconds(600), allowZero: true)).seconds)
        settle = try DurationText.configured(
            configuration.settle, field: "settle", default: .seconds(5), allowZero: true)
        finalReadAfter = try DurationText.configured(
            configuration.finalReadAfter, field: "finalReadAfter", default: .seconds(90), allowZero: true)
        if let text = configuration.finalReadFrom {
            guard let date = RFC3339.date(from: text) else {
                throw ProviderError(code: .badConfig, message: "finalReadFrom \"\(text)\" is not an RFC 3339 time")
            }
            finalReadFrom = date
        } else {
            finalReadFrom = from
        }
        let transport = HTTPTransport(timeout: timeout, context: context)
        let tokens = AccessTokenSource(
            credentials: configuration.credentials, environment: context.environment,
            baseDirectory: context.baseDirectory, transport: transport)
        client = GoogleAPIClient(service: "Cloud Logging", tokens: tokens, transport: transport, timeout: timeout)
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        var state = cursor.value
        if state.firstPollAt == nil {
            state.firstPollAt = context.now
            cursor.withLock { $0.firstPollAt = context.now }
        }
        if let result = try await finalRead(state, context) { return result }
        var terms: [String] = []
        if let filter { terms.append("(\(filter))") }
        if let timestamp = state.timestamp, let insertId = state.insertId {
            terms.append(
                "((timestamp=\(Self.quote(timestamp)) AND insertId>\(Self.quote(insertId))) OR timestamp>\(Self.quote(timestamp)))"
            )
        } else {
            terms.append("timestamp>=\(Self.quote(RFC3339.string(from: from)))")
        }
        var fullFilter = terms.joined(separator: " AND ")
        var body: [(key: String, value: JSONValue)] = [
            ("resourceNames", .array(resourceNames.map { .string($0) })), ("orderBy", .string("timestamp asc")),
            ("pageSize", .number(1000)),
        ]
        if let token = state.pageToken, let pageFilter = state.pageFilter {
            // Continue the listing the token belongs to, with its own filter.
            fullFilter = pageFilter
            body.append(("pageToken", .string(token)))
        }
        body.append(("filter", .string(fullFilter)))
        let json: JSONValue
        do {
            json = try await client.post(url, body: .object(body))
        } catch {
            if error.code == .http(400), state.pageToken != nil {
                // An expired or unknown page token: start again from the cursor at the next poll.
                cursor.withLock {
                    $0.pageToken = nil
                    $0.pageFilter = nil
                }
            }
            throw error
        }
        var observations: [Observation] = []
        var next = state
        var positions: [(timestamp: String, insertId: String, date: Date)] = []
        let page = ListLogEntriesResponse(json: json)
        if case .notAList = page.entries {
            throw ProviderError(
                code: .malformedResponse, message: "Cloud Logging sent entries in an unexpected shape")
        }
        for entry in page.list {
            guard let timestamp = entry.timestamp, let insertId = entry.insertId,
                let date = RFC3339.date(from: timestamp)
            else {
                throw ProviderError(
                    code: .malformedResponse,
                    message: "Cloud Logging sent an entry without an RFC 3339 timestamp or an insertId")
            }
            positions.append((timestamp, insertId, date))
            let received = entry.receiveTimestamp ?? date
            if received > next.newest ?? .distantPast {
                next.newest = received
                next.newestMovedAt = context.now
            }
            let key = Self.key(entry, timestamp: timestamp, insertId: insertId)
            guard next.unsettled[key] == nil else { continue }
            next.unsettled[key] = date
            if let observation = Self.observation(entry, timestamp: timestamp) {
                observations.append(observation)
                next.reported.insert(key)
            }
        }
        // The cursor moves to the last entry at least `settle` older than the service's clock (or to
        // the last read, once nothing new has come for `settle`); the entries after it are listed
        // again next time.
        let quiet = next.newestMovedAt.map { context.now.timeIntervalSince($0) >= settle.seconds } ?? false
        if let newest = next.newest,
            let settled = positions.last(where: { quiet || $0.date <= newest.addingTimeInterval(-settle.seconds) })
        {
            next.timestamp = settled.timestamp
            next.insertId = settled.insertId
            next.unsettled = next.unsettled.filter { $0.value >= settled.date }
        }
        if let token = page.nextPageToken, !token.isEmpty {
            next.pageToken = token
            next.pageFilter = fullFilter
        } else {
            next.pageToken = nil
            next.pageFilter = nil
        }
        cursor.withLock { $0 = next }
        return PollResult(observations, nextChangeAfter: next.pageToken != nil ? .milliseconds(200) : nil)
    }

    /// The final read's request, when it is due or under way; `nil` otherwise (the incremental read).
    private func finalRead(_ state: Cursor, _ context: PollContext) async throws(ProviderError) -> PollResult? {
        var body: [(key: String, value: JSONValue)] = [
            ("resourceNames", .array(resourceNames.map { .string($0) })), ("orderBy", .string("timestamp asc")),
            ("pageSize", .number(1000)),
        ]
        let filterText: String
        switch state.finalRead {
        case .done:
            return nil
        case .due:
            // Only once the incremental read has moved past its start and settled, with no error.
            guard state.reported.isEmpty, state.timestamp != nil, state.pageToken == nil,
                let first = state.firstPollAt, context.now.timeIntervalSince(first) >= finalReadAfter.seconds,
                let moved = state.newestMovedAt, context.now.timeIntervalSince(moved) >= settle.seconds
            else { return nil }
            var terms: [String] = []
            if let filter { terms.append("(\(filter))") }
            terms.append("timestamp>=\(Self.quote(RFC3339.string(from: finalReadFrom)))")
            filterText = terms.joined(separator: " AND ")
        case .reading(let token, let filter):
            filterText = filter
            body.append(("pageToken", .string(token)))
        }
        body.append(("filter", .string(filterText)))
        let json: JSONValue
        do {
            json = try await client.post(url, body: .object(body))
        } catch {
            // A rejected page token ends the final read: it is a last look, not the main path.
            if error.code == .http(400), case .reading = state.finalRead { cursor.withLock { $0.finalRead = .done } }
            throw error
        }
        var observations: [Observation] = []
        var reported = state.reported
        // A last look: entries of another shape, or without a place, are passed over, not errors.
        let page = ListLogEntriesResponse(json: json)
        for entry in page.list {
            guard let timestamp = entry.timestamp, let insertId = entry.insertId else { continue }
            let key = Self.key(entry, timestamp: timestamp, insertId: insertId)
            guard !reported.contains(key), let observation = Self.observation(entry, timestamp: timestamp) else {
                continue
            }
            reported.insert(key)
            observations.append(observation)
        }
        var next: FinalRead = .done
        if let token = page.nextPageToken, !token.isEmpty {
            next = .reading(pageToken: token, filter: filterText)
        }
        cursor.withLock {
            $0.reported = reported
            $0.finalRead = next
        }
        return PollResult(observations, nextChangeAfter: next != .done ? .milliseconds(200) : nil)
    }

    /// An ERROR-or-worse entry as an observation with the message as detail; `nil` for the rest.
    static func observation(_ entry: LogEntry, timestamp: String) -> Observation? {
        let severity = entry.severity ?? "DEFAULT"
        guard errorSeverities.contains(severity), let message = entry.message, !message.isEmpty else { return nil }
        return Observation(
            status: severity, subject: entry.logName, backendTime: RFC3339.date(from: timestamp),
            detail: FailureDetail(code: LaunchErrorKind.classify(message), message: message))
    }

    /// What recognises an entry read before: its log, timestamp and insertId.
    static func key(_ entry: LogEntry, timestamp: String, insertId: String) -> String {
        (entry.logName ?? "") + "\n" + timestamp + "\n" + insertId
    }

    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
