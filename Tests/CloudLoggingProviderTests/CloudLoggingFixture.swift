import Foundation
import LaunchWatchCloudLogging
import LaunchWatchCore
import LaunchWatchTesting
import Testing

/// Scenarios and providers shared by the `cloud-logging` and `cloud-run-execution` tests.
///
/// Scenarios run at `timeScale` 0.001, so only `advance(by:)` moves scenario time. Providers get an
/// injected environment with a static access token, so no test leaves loopback.
enum CloudLoggingFixture {
    static let project = "lw-logs"
    static let projectNumber = "456789012345"
    static let region = "us-central1"
    static let token = "ya29.cloud-logging-static-token"
    static let environment = ["GOOGLE_OAUTH_ACCESS_TOKEN": token]

    /// A scenario with `timeline` steps, optional `logs` options and `faults`.
    static func scenario(
        logs: JSONValue? = nil, timeline: [JSONValue], faults: [JSONValue] = [], clockSkew: String? = nil
    ) -> String {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string("cloud-logging-provider-tests")), ("timeScale", .number(0.001)),
            ("project", .string(project)), ("projectNumber", .string(projectNumber)), ("region", .string(region)),
            ("auth", .object([("accessTokens", .array([.string(token)]))])),
        ]
        if let logs { members.append(("logs", logs)) }
        if let clockSkew { members.append(("clockSkew", .string(clockSkew))) }
        members.append(("timeline", .array(timeline)))
        if !faults.isEmpty { members.append(("faults", .array(faults))) }
        return JSONValue.object(members).jsonText
    }

    /// A `writeLog` step of job `job` whose text payload is `text` (default: the insert id).
    static func log(
        at: String, id: String, severity: String = "ERROR", job: String = "42", text: String? = nil,
        message: String? = nil, delay: String? = nil, stampedAhead: String? = nil
    ) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("at", .string(at)), ("do", .string("writeLog")), ("insertId", .string(id)),
            ("logName", .string("projects/\(project)/logs/workerpool0-0")), ("severity", .string(severity)),
            (
                "resource",
                .object([("type", .string("ml_job")), ("labels", .object([("job_id", .string(job))]))])
            ),
        ]
        if let message {
            fields.append(("jsonPayload", .object([("message", .string(message)), ("attempt", .number(1))])))
        } else {
            fields.append(("textPayload", .string(text ?? id)))
        }
        if let delay { fields.append(("ingestionDelay", .string(delay))) }
        if let stampedAhead { fields.append(("stampedAhead", .string(stampedAhead))) }
        return .object(fields)
    }

    /// A `cloud-logging` provider against the emulator, made the way the runner makes one: from
    /// config JSON, with `facts` substituted into it as the watch does once they are known.
    static func provider(
        _ harness: EmulatorHarness, _ config: [(key: String, value: JSONValue)] = [], facts: [String: String] = [:]
    ) async throws -> CloudLoggingProvider {
        let json = JSONValue.object(
            [("project", .string(project)), ("endpoint", .string(harness.baseURL.absoluteString))] + config)
        let configuration = try JSONValueDecoder().decode(
            CloudLoggingProvider.Configuration.self, from: json.substitutingFacts(facts))
        return try CloudLoggingProvider(configuration: configuration, context: await context(harness))
    }

    /// The provider context: the watch starts at the scenario's time 0.
    static func context(_ harness: EmulatorHarness) async -> ProviderContext {
        ProviderContext(
            id: "logs", baseDirectory: FileManager.default.temporaryDirectory, environment: environment,
            startedAt: await harness.state.epoch)
    }

    /// Polls once, at the emulator's current time as a date (what `settle` compares against).
    static func poll<P: Provider>(_ provider: P, _ harness: EmulatorHarness) async throws -> PollResult {
        let state = harness.state
        let now = await state.date(await state.now)
        return try await provider.poll(PollContext(now: now, startedAt: await state.epoch, attempt: 0))
    }

    /// The messages of a poll's observations.
    static func messages(_ result: PollResult) -> [String] {
        result.observations.compactMap { $0.detail?.message }
    }

    /// How many `entries:list` requests the emulator has served.
    static func listRequests(_ harness: EmulatorHarness) async -> Int {
        await harness.state.requestLog().filter { $0.route == "logging.list" }.count
    }
}
