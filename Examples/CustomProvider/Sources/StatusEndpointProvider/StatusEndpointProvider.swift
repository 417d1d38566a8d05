import Foundation
import LaunchWatchCore

/// Kind `status-endpoint`: a launch's state as a team's own service serves it, one JSON document per
/// launch:
///
/// ```json
/// {"state": "failed", "updatedAt": "2026-01-05T10:00:09Z", "runId": "k3x9ab12",
///  "message": "CUDA out of memory", "code": "OOM"}
/// ```
///
/// - `state` is the raw status (the default map knows `queued`, `starting`, `running`, `succeeded`
///   and `failed`; a pipeline's `map` adds to it). `404` means the launch is not known yet.
/// - `runId`, when present, is published as the fact `run_id`; `message` (and `code`) are the
///   failure detail.
/// - Plain `http` only on loopback: a pipeline file is shared content and must not send a watch's
///   traffic to a host in the clear.
public struct StatusEndpointProvider: Provider {
    public struct Configuration: Decodable, Sendable {
        /// The launch's status document.
        public var url: String
        /// The limit on one request.
        public var timeout: String?
    }

    public static let kind = "status-endpoint"
    public static let summary = "Reads a launch's state from a team's JSON status endpoint."
    public static let configurationFields: [ConfigurationField] = [
        ConfigurationField("url", .string, required: true, "the launch's status document (https, or http on loopback)"),
        ConfigurationField("timeout", .duration, default: "10s", "the limit on one request"),
    ]
    public static let defaultStageMap: [String: String?] = [
        "queued": "queued", "starting": "starting", "running": "running", "succeeded": "succeeded", "failed": "failed",
    ]
    public static let publishedFacts: [String]? = ["run_id"]

    let url: URL
    let timeout: Duration
    let transport: HTTPTransport

    public init(configuration: Configuration, context: ProviderContext) throws {
        guard let url = URL(string: configuration.url), let scheme = url.scheme?.lowercased(), let host = url.host
        else {
            throw ProviderError(code: .badConfig, message: "url \"\(configuration.url)\" is not a URL")
        }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw ProviderError(
                code: .badConfig, message: "url must be https (plain http only on loopback), not \(scheme)://\(host)")
        }
        self.url = url
        timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        // The process's shared client and the `--debug` logger, from the context.
        transport = HTTPTransport(timeout: timeout, context: context)
    }

    public func poll(_ context: PollContext) async throws -> PollResult {
        var request = HTTPTransport.Request(url: url)
        request.setValue("application/json", forHeader: "Accept")
        let answer: HTTPTransport.Answer
        do throws(HTTPTransportError) {
            answer = try await transport.send(request, timeout: timeout)
        } catch {
            throw error.providerError(service: "the status endpoint", timeout: timeout)
        }
        if answer.status == 404 { return PollResult() }
        guard (200..<300).contains(answer.status) else {
            throw ProviderError(
                code: .http(answer.status), message: "the status endpoint answered HTTP \(answer.status)",
                retryAfter: answer.headers["retry-after"].flatMap(Int.init).map { .seconds($0) })
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(answer.body)
        } catch {
            throw ProviderError(code: .malformedResponse, message: "the status endpoint's answer is not JSON")
        }
        guard case .string(let state)? = document["state"], !state.isEmpty else {
            throw ProviderError(code: .malformedResponse, message: "the status endpoint's answer has no \"state\"")
        }
        var observation = Observation(status: state, subject: url.path)
        if case .string(let updatedAt)? = document["updatedAt"] {
            observation.backendTime = RFC3339.date(from: updatedAt)
        }
        if case .string(let runID)? = document["runId"], !runID.isEmpty {
            observation.facts["run_id"] = runID
        }
        if case .string(let message)? = document["message"], !message.isEmpty {
            var code: String?
            if case .string(let text)? = document["code"] { code = text }
            observation.detail = FailureDetail(code: code, message: message)
        }
        return PollResult([observation])
    }
}
