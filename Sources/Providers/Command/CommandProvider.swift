import Foundation
import LaunchWatchCore

/// Kind `command`: a provider in any language. Runs a program that prints one JSON object per line on
/// stdout, each one observation (the line protocol, see `CommandLineRecord` and the README's "Writing
/// a provider").
///
/// ```json
/// {"id": "vertex", "type": "command",
///  "config": {"run": ["python3", "vertex_job.py", "--run-id", "${fact.run_id}"],
///             "env": {"VERTEX_ENDPOINT": "${var.endpoint}"}, "timeout": "20s", "publishes": ["job_id"]},
///  "map": {"JOB_STATE_RUNNING": "running", "JOB_STATE_FAILED": "failed"}}
/// ```
///
/// - `mode: "poll"` (the default) runs the program at each poll, to its end: the lines it printed
///   are that poll's observations; none means nothing seen yet. `timeout` bounds the whole run.
/// - `mode: "stream"` keeps one program running and hands on its lines at each poll (the schedule's
///   `every` is then how often they are collected). It must print a line at least every `timeout`
///   (repeating the current status is fine; the watch ignores repeats), or it is taken for hung and
///   killed. A program that ends is started again after a backoff (1s, doubling to 60s while runs end
///   without a valid line); a non-zero exit is also reported as an error.
/// - Errors, each reported as the provider's error (the watch goes on): a non-zero exit, with the last
///   line of stderr; a line that is not an observation, naming its line number; a timeout. A timeout
///   or a cancelled watch kills the program's whole process group.
/// - The program runs in the pipeline file's folder, with launchwatch's environment plus `env`, plus
///   every fact the watch knows as `LAUNCHWATCH_FACT_<NAME>` (upper-cased; other characters than
///   letters and digits become `_`) and its provider id as `LAUNCHWATCH_PROVIDER_ID`. A stream gets
///   the facts known when it starts (one whose `run` uses a fact is started anew when that fact
///   changes); in a sweep, only those its configuration uses.
/// - Statuses are the program's own words, placed by the pipeline's `map`; a status that is a stage id
///   reaches that stage without a map entry.
/// - Whatever the program prints is shown with secrets redacted: the values of the variables named
///   like secrets (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*CREDENTIAL*`) in its environment,
///   `env` included.
public struct CommandProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        /// The program and its arguments (no shell).
        public var run: [String]
        /// Variables added to the program's environment.
        public var env: [String: String]?
        /// The limit on one run (`poll`), or on the silence between lines (`stream`).
        public var timeout: String?
        /// `poll` or `stream`.
        public var mode: String?
        /// The fact names the program may publish.
        public var publishes: [String]?

        private enum CodingKeys: String, CodingKey {
            case run, env, timeout, mode, publishes
        }

        /// Checks what can be checked without running anything, so that `validate` reports it with
        /// its path: an empty `run`, an unknown `mode`, a malformed `timeout`, a bad name in `env` or
        /// `publishes`.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            run = try container.decode([String].self, forKey: .run)
            env = try container.decodeIfPresent([String: String].self, forKey: .env)
            timeout = try container.decodeIfPresent(String.self, forKey: .timeout)
            mode = try container.decodeIfPresent(String.self, forKey: .mode)
            publishes = try container.decodeIfPresent([String].self, forKey: .publishes)
            func refuse(_ key: CodingKeys, _ message: String) -> DecodingError {
                DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message)
            }
            if run.first?.isEmpty ?? true {
                throw refuse(.run, "must name a program, such as [\"python3\", \"status.py\"]")
            }
            if let mode, Mode(rawValue: mode) == nil {
                throw refuse(.mode, "\"\(mode)\" is not poll or stream")
            }
            if let timeout, (DurationText.parse(timeout) ?? .zero) <= .zero {
                throw refuse(.timeout, "\"\(timeout)\" is not a duration such as 30s")
            }
            if let name = env?.keys.sorted().first(where: { $0.isEmpty || $0.contains("=") || $0.contains("\0") }) {
                throw refuse(.env, "\"\(name)\" is not an environment variable name")
            }
            if publishes?.contains(where: \.isEmpty) == true {
                throw refuse(.publishes, "holds an empty fact name")
            }
        }
    }

    /// How the program is run.
    enum Mode: String, Sendable, CaseIterable {
        case poll, stream
    }

    public static let kind = "command"
    public static let summary =
        "Runs a program in any language that prints one JSON observation per line (the command line protocol)."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField(
            "run", .array, required: true,
            "the program and its arguments, no shell; ${var.NAME} and ${fact.NAME} are filled in"),
        ConfigurationField("env", .stringMap, "variables added to the program's environment"),
        ConfigurationField(
            "timeout", .duration, default: "30s",
            "poll: the longest run; stream: the longest time between two lines (then it is killed)"),
        ConfigurationField(
            "mode", .string, default: "poll", "poll: run at each poll; stream: keep one running, restart it if it ends"),
        ConfigurationField("publishes", .array, default: "[]", "the fact names the program may print in facts"),
    ]
    public static let statusesNameStages = true
    /// Whatever the configuration's `publishes` lists (`publishedFacts(for:)`): not known per kind.
    public static let publishedFacts: [String]? = nil
    public static func publishedFacts(for configuration: Configuration) -> [String]? {
        configuration.publishes ?? []
    }

    let process: CommandProcess
    let output: CommandOutput
    let stream: CommandStream?

    /// The configuration's decoding has checked its fields (see `Configuration.init(from:)`).
    public init(configuration: Configuration, context: ProviderContext) throws {
        let program = configuration.run.first ?? ""
        let mode = configuration.mode.flatMap(Mode.init(rawValue:)) ?? .poll
        let timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(30))
        var environment = context.environment
        for (name, value) in configuration.env ?? [:] { environment[name] = value }
        environment["LAUNCHWATCH_PROVIDER_ID"] = context.id
        process = CommandProcess(
            argv: configuration.run, environment: environment, workingDirectory: context.baseDirectory,
            timeout: timeout, limitsSilence: mode == .stream, outputLimit: mode == .poll ? .poll : nil)
        output = CommandOutput(
            id: context.id, program: program, mode: mode, timeout: timeout,
            allowedFacts: Set(configuration.publishes ?? []), redactor: SecretRedactor(environment: environment))
        stream = mode == .stream ? CommandStream() : nil
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        var process = process
        for (name, value) in context.facts {
            process.environment[Self.factVariable(name)] = value
        }
        if let stream {
            return try stream.poll(output, process: process, now: context.now)
        }
        return try await runOnce(process)
    }

    /// `LAUNCHWATCH_FACT_<NAME>` for the fact `name`: upper-cased, `_` for anything else than ASCII
    /// letters and digits (`run_id` → `LAUNCHWATCH_FACT_RUN_ID`, `job-id` → `LAUNCHWATCH_FACT_JOB_ID`).
    static func factVariable(_ name: String) -> String {
        "LAUNCHWATCH_FACT_"
            + String(name.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// `poll` mode: one run to its end.
    private func runOnce(_ process: CommandProcess) async throws -> PollResult {
        let lines = ProviderMemory<[String]>([])
        let outcome: CommandProcess.Outcome
        do {
            outcome = try await process.run { line in lines.withLock { $0.append(line) } }
        } catch .cancelled {
            throw CancellationError()
        } catch {
            throw output.failure(error)
        }
        if outcome.status != 0 || outcome.signalled {
            throw output.exitError(outcome)
        }
        var observations: [Observation] = []
        var retryAfter: Duration?
        for (index, line) in lines.value.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let read = try output.readLine(line, number: index + 1)
            observations.append(read.observation)
            if let wait = read.retryAfter { retryAfter = max(retryAfter ?? wait, wait) }
        }
        return PollResult(observations, retryAfter: retryAfter)
    }
}
