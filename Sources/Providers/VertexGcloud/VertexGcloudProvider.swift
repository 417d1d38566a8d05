import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import Logging

/// Kind `vertex-gcloud`: follows one Vertex AI CustomJob through the `gcloud` CLI the user already
/// has logged in — the same facts as `vertex-rest`, for about a second of Python start-up per poll.
///
/// Until the job is known it runs `gcloud ai custom-jobs list --region=R --project=P --format=json`
/// and matches on the client side with `match` (gcloud sends no server filter: it downloads every job
/// of the region); exactly one match is followed from then on with `gcloud ai custom-jobs describe
/// ID`, and publishes the fact `job_id`. Several matches are reported as an ambiguity naming them,
/// never resolved by taking the newest. One gcloud call per poll.
///
/// **Quota.** `gcloud ai custom-jobs list` pages through every job of the region, 100 to a request,
/// and each request counts against Vertex AI's 600 requests a minute per project and region. So
/// while the job is still to be found, polls are at least `searchEvery` apart (default 15s: at most
/// 4 listings a minute, `4 × ⌈jobs in the region / 100⌉` requests — 40 a minute for 1,000 jobs);
/// once found, `describe` is one request per poll at the schedule's `every`.
///
/// gcloud runs with the watch's environment plus `env`, prompts disabled
/// (`CLOUDSDK_CORE_DISABLE_PROMPTS=1`); its own account, credentials and `CLOUDSDK_*` settings apply,
/// so launchwatch never sees a token. A call still running after `timeout` is stopped together with
/// its process group (SIGTERM, then SIGKILL a second later) and reported as `timeout`; one whose poll
/// is cancelled is killed at once. The other provider errors: `gcloud_not_found` (no executable where
/// `gcloud` or `PATH` says), `gcloud_not_started`, `gcloud_failed` (a non-zero exit; the message is
/// gcloud's own `ERROR: (gcloud.ai.custom-jobs.list) ...` line, without its hint naming the
/// credentials) and `malformed_response` (output that is not the expected JSON, or more than 16 MiB
/// of it). gcloud runs through swift-subprocess (`ChildProcess`), awaited, never on a blocked thread.
///
/// ```json
/// {"id": "vertex", "type": "vertex-gcloud",
///  "config": {"project": "my-project", "region": "us-central1",
///             "match": {"labels": {"wandb-run-id": "${fact.run_id}"}}}}
/// ```
public struct VertexGcloudProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        public var project: String
        public var region: String
        public var match: VertexJobMatch
        /// The gcloud executable: a path (relative to the pipeline's folder) or a name looked up on
        /// `PATH`; default `gcloud` on the `PATH`.
        /// Any other than the default runs only when the run allows the pipeline's programs
        /// (`CommandAllowance`), as it gets the user's credentials.
        public var gcloud: String?
        /// Environment variables added for gcloud, such as `CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM`.
        public var env: [String: String]?
        /// Per gcloud call; default 30s.
        public var timeout: String?
        /// The shortest interval between two listings while the job is still to be found; default 15s.
        public var searchEvery: String?
    }

    public static let kind = "vertex-gcloud"
    public static let summary =
        "A Vertex AI custom job through the gcloud CLI: state, error message, timestamps. A search lists the "
        + "whole region (100 jobs a request against the 600/min quota), so searches are searchEvery (15s) apart."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("project", .string, required: true, "the Google Cloud project id or number"),
        ConfigurationField("region", .string, required: true, "the job's region, such as us-central1"),
        ConfigurationField(
            "match", .object, required: true,
            "labels, displayName, displayNamePrefix, createdAfter (default 15 min before the start), jobId"),
        ConfigurationField(
            "gcloud", .string, default: "gcloud",
            "the gcloud executable: a path (relative to the pipeline's folder) or a name looked up on PATH; anything "
                + "but the default gcloud on PATH is the pipeline's own program and runs only with --allow-commands"),
        ConfigurationField(
            "env", .stringMap,
            "environment variables added for gcloud, such as CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM"),
        ConfigurationField("timeout", .duration, default: "30s", "the longest a gcloud call may take"),
        ConfigurationField(
            "searchEvery", .duration, default: "15s",
            "while the job is not found: the least time between listings, each ⌈jobs in the region / 100⌉ "
                + "requests of the 600/min quota"),
    ]
    public static let defaultStageMap = VertexCustomJob.defaultStageMap
    public static let publishedFacts: [String]? = ["job_id"]

    private let project: String
    private let region: String
    private let match: VertexJobMatch
    private let executable: Executable
    private let environment: [String: String]
    private let timeout: Duration
    private let searchEvery: Duration
    private let startedAt: Date
    /// Where `--debug` lines about gcloud calls go.
    private let logger: Logger
    /// The numeric id of the job followed, once known.
    private let jobID = ProviderMemory<String?>(nil)

    /// Where gcloud is: a path given by the pipeline, or a name to find on `PATH` at each call (so
    /// that installing it during a watch is noticed).
    private enum Executable: Sendable {
        case path(String)
        case search(name: String, path: String?)
    }

    public init(configuration: Configuration, context: ProviderContext) throws {
        let project = configuration.project.trimmingCharacters(in: .whitespaces)
        let region = configuration.region.trimmingCharacters(in: .whitespaces)
        // Both become arguments: neither may read as an option.
        guard project.first?.isLetter == true || project.first?.isNumber == true,
            project.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == ":" || $0 == "." })
        else { throw ProviderError(code: .badConfig, message: "project \"\(project)\" is not a project id") }
        guard region.first?.isLowercase == true, region.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" })
        else {
            throw ProviderError(code: .badConfig, message: "region \"\(region)\" is not a region such as us-central1")
        }
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(30))
        searchEvery = try DurationText.configured(
            configuration.searchEvery, field: "searchEvery", default: .seconds(15), allowZero: true)
        // gcloud is the one that sends the credentials, so no request of ours can be checked: the
        // `env` it is given is checked here, on the configuration the provider is made from (facts
        // filled in), whatever checked the pipeline before.
        // (Whether its programs may run was decided for the whole pipeline before: `CommandAllowance`.)
        var destinations = context
        destinations.environment[CommandAllowance.variable] = "1"
        if let refused = Self.credentialRefusals(configuration, context: destinations).first {
            throw refused.providerError
        }
        var environment = context.environment
        for (name, value) in configuration.env ?? [:] {
            guard !name.isEmpty, !name.contains("=") else {
                throw ProviderError(code: .badConfig, message: "env name \"\(name)\" is not a variable name")
            }
            environment[name] = value
        }
        // A prompt would wait for an answer that never comes.
        environment["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1"
        let gcloud = (configuration.gcloud ?? "gcloud").trimmingCharacters(in: .whitespaces)
        guard !gcloud.isEmpty else {
            throw ProviderError(code: .badConfig, message: "gcloud is empty: give the gcloud executable's path")
        }
        executable =
            gcloud.contains("/")
            ? .path(context.resolve(path: gcloud).path) : .search(name: gcloud, path: environment["PATH"])
        match = try configuration.match.validated()
        if let jobId = configuration.match.jobId {
            let id = VertexJobMatch.id(fromNameOrID: jobId)
            // The id becomes an argument of its own: it must not read as an option.
            guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
                throw ProviderError(code: .badConfig, message: "match.jobId \"\(jobId)\" is not a job id (digits)")
            }
            jobID.withLock { $0 = id }
        }
        self.project = project
        self.region = region
        self.environment = environment
        self.timeout = timeout
        startedAt = context.startedAt
        logger = context.logger
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        if let id = jobID.value {
            let json = try await gcloud("describe", id)
            guard let job = VertexCustomJob(json: json) else { throw malformed("describe", "a job") }
            return PollResult([job.observation])
        }
        guard case .array(let items) = try await gcloud("list") else { throw malformed("list", "a list of jobs") }
        var jobs: [VertexCustomJob] = []
        for item in items {
            guard let job = VertexCustomJob(json: item) else { throw malformed("list", "a list of jobs") }
            if match.matches(job, watchStartedAt: startedAt) { jobs.append(job) }
        }
        // Still searching: the next listing no sooner than `searchEvery` (a floor, like a retry hint:
        // the schedule's own interval applies when it is longer).
        let floor = searchEvery > .zero ? searchEvery : nil
        switch jobs.count {
        case 0:
            return PollResult(retryAfter: floor)
        case 1:
            jobID.withLock { $0 = jobs[0].id }
            return PollResult([jobs[0].observation])
        default:
            return PollResult(retryAfter: floor, notices: [VertexJobMatch.ambiguity(jobs)])
        }
    }

    /// `← exit 0, 1234 bytes, 1.2s`, or the failure, for `--debug`.
    private static func debugLine(
        _ outcome: Result<ChildProcess.Output, ChildProcess.Failure>, since started: ContinuousClock.Instant
    ) -> String {
        let elapsed = DurationText.format(ContinuousClock.now - started)
        return switch outcome {
        case .success(let output):
            "← \(output.signalled ? "signal" : "exit") \(output.status), \(output.stdout.count) bytes, \(elapsed)"
        case .failure(let failure): "← \(failure), \(elapsed)"
        }
    }

    /// Runs `gcloud ai custom-jobs VERB [ID] --region=R --project=P --format=json` and parses what it
    /// printed.
    private func gcloud(_ verb: String, _ id: String? = nil) async throws -> JSONValue {
        let command = "gcloud ai custom-jobs \(verb)"
        let arguments =
            ["ai", "custom-jobs", verb] + (id.map { [$0] } ?? [])
            + ["--region=\(region)", "--project=\(project)", "--format=json"]
        let process = ChildProcess(
            executable: try resolvedExecutable(), arguments: arguments, environment: environment, timeout: timeout)
        let started = ContinuousClock.now
        logger.debug("→ \(process.executable) \(arguments.joined(separator: " "))", source: "gcloud")
        let outcome: Result<ChildProcess.Output, ChildProcess.Failure>
        do {
            outcome = .success(try await process.run())
        } catch {
            outcome = .failure(error)
        }
        logger.debug("\(Self.debugLine(outcome, since: started))", source: "gcloud")
        let output: ChildProcess.Output
        switch outcome {
        case .success(let finished):
            output = finished
        case .failure(.timedOut):
            throw ProviderError(
                code: .timeout,
                message: "\(command) did not finish within \(DurationText.format(timeout)) and was stopped; "
                    + "raise the provider's \"timeout\" if gcloud is this slow here")
        case .failure(.cancelled):
            throw CancellationError()
        case .failure(.notStarted(let reason)):
            throw ProviderError(code: .gcloudNotStarted, message: "\(command) could not be started: \(reason)")
        case .failure(.tooMuchOutput(let limit)):
            throw ProviderError(
                code: .malformedResponse,
                message: "\(command) printed more than \(limit >> 20) MiB and was stopped; narrow the provider's "
                    + "\"match\" (a job id, or labels) so that gcloud lists fewer jobs")
        case .failure(.unreadable(let reason)):
            throw ProviderError(code: .gcloudFailed, message: "\(command)'s output could not be read: \(reason)")
        }
        guard output.status == 0, !output.signalled else {
            throw ProviderError(code: .gcloudFailed, message: failureMessage(command, output))
        }
        do {
            return try JSONParser.parse(output.stdout)
        } catch {
            throw ProviderError(
                code: .malformedResponse, message: "\(command) printed something that is not JSON (\(error))")
        }
    }

    private func resolvedExecutable() throws(ProviderError) -> String {
        switch executable {
        case .path(let path):
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ProviderError(
                    code: .gcloudNotFound,
                    message: "no gcloud executable at \(path): set the provider's \"gcloud\" to the path of the "
                        + "Google Cloud CLI's gcloud, or leave it out to use the gcloud on PATH")
            }
            return path
        case .search(let name, let path):
            let found = (path ?? "").split(separator: ":").map { "\($0)/\(name)" }.first {
                FileManager.default.isExecutableFile(atPath: $0)
            }
            guard let found else {
                throw ProviderError(
                    code: .gcloudNotFound,
                    message: "\(name) is not on PATH: install the Google Cloud CLI and put gcloud on PATH, "
                        + "or set the provider's \"gcloud\" to its path")
            }
            return found
        }
    }

    /// gcloud's own `ERROR: (gcloud.ai.custom-jobs.list) ...` line, with the lines that continue it
    /// and without its hint naming the credentials it used; otherwise the exit status and the last line
    /// of its standard error. Secrets of the environment are redacted.
    private func failureMessage(_ command: String, _ output: ChildProcess.Output) -> String {
        var lines = String(decoding: output.stderr, as: UTF8.self).split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        var message: String
        if let start = lines.firstIndex(where: { $0.hasPrefix("ERROR: (gcloud") }) {
            // "... This command is authenticated with an access token from FILE specified by the
            // [auth/access_token_file] property": about gcloud's set-up, not the job.
            if let hint = lines[start].range(of: " This command is authenticated ") {
                lines[start] = String(lines[start][..<hint.lowerBound])
            }
            message = lines[start...].joined(separator: " ")
        } else {
            let ended =
                output.signalled ? "was killed by signal \(output.status)" : "exited with status \(output.status)"
            message = "\(command) \(ended)" + (lines.last.map { ": \($0)" } ?? "")
        }
        message = SecretRedactor(environment: environment).redact(message)
        return message.count > 1000 ? String(message.prefix(1000)) + "…" : message
    }

    private func malformed(_ verb: String, _ what: String) -> ProviderError {
        ProviderError(
            code: .malformedResponse, message: "gcloud ai custom-jobs \(verb) printed JSON that is not \(what)")
    }
}
