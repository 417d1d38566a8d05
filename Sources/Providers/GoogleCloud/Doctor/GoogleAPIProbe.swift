import Foundation
import LaunchWatchCore

/// One read-only call to a Google API for `launchwatch doctor`, read into a `DiagnosisCheck`: its
/// latency, and on a refusal what to fix — the permission the service named (from its `ErrorInfo`,
/// else its message) with the predefined role that grants it, or the name that does not exist.
///
/// Unlike `GoogleAPIClient` it keeps the whole error (a poll only needs to know it failed), and it
/// does not retry.
public struct GoogleAPIProbe: Sendable {
    public let tokens: AccessTokenSource
    let transport: HTTPTransport
    /// The service's name in messages: "Vertex AI".
    let service: String
    let timeout: Duration

    public init(service: String, tokens: AccessTokenSource, transport: HTTPTransport, timeout: Duration) {
        self.service = service
        self.tokens = tokens
        self.transport = transport
        self.timeout = timeout
    }

    /// What a call answered: the check, and the JSON body when it passed.
    public struct Result: Sendable {
        public var check: DiagnosisCheck
        public var json: JSONValue?
    }

    /// Sends `request` with a token and reads the answer. `notFound` names the configured name a
    /// 404 means is wrong (`region "us-centrl1"`).
    public func check(
        _ name: String, target: String, request base: HTTPTransport.Request, notFound: String? = nil
    ) async -> Result {
        // Where the token would go is checked before one is fetched, as every request that carries
        // a credential is.
        do {
            try await tokens.check(destination: base.url)
        } catch {
            return Result(
                check: DiagnosisCheck(name, target: target, outcome: .failed, message: error.message), json: nil)
        }
        let token: String
        do {
            token = try await tokens.token()
        } catch {
            return Result(
                check: DiagnosisCheck(
                    name, target: target, outcome: .skipped, message: "no access token: \(error.message)"),
                json: nil)
        }
        var request = base
        request.setValue("Bearer \(token)", forHeader: "Authorization")
        request.setValue("application/json", forHeader: "Accept")
        let clock = ContinuousClock()
        let started = clock.now
        let answer: HTTPTransport.Answer
        do {
            answer = try await transport.send(request, timeout: timeout)
        } catch {
            let failure = error.providerError(service: service, timeout: timeout)
            return Result(
                check: DiagnosisCheck(
                    name, target: target, outcome: .failed, latency: clock.now - started, message: failure.message),
                json: nil)
        }
        let latency = clock.now - started
        if (200..<300).contains(answer.status) {
            guard let json = try? JSONParser.parse(answer.body) else {
                return Result(
                    check: DiagnosisCheck(
                        name, target: target, outcome: .failed, latency: latency, httpStatus: answer.status,
                        message: "\(service) answered with a body that is not JSON"),
                    json: nil)
            }
            return Result(
                check: DiagnosisCheck(
                    name, target: target, outcome: .passed, latency: latency, httpStatus: answer.status),
                json: json)
        }
        let error = GoogleAPIError(httpStatus: answer.status, headers: answer.headers, body: answer.body)
        var check = DiagnosisCheck(
            name, target: target, outcome: .failed, latency: latency, httpStatus: answer.status,
            message: error.providerError(service: service).message)
        let info = GoogleErrorInfo(body: answer.body)
        switch answer.status {
        case 401:
            check.message = (check.message ?? "") + " (the access token was refused: it is expired or not a token)"
        case 403:
            if let reason = info?.reason, ["CONSUMER_INVALID", "SERVICE_DISABLED"].contains(reason) {
                check.wrongName = info?.metadata["consumer"].map { "project \"\($0)\"" }
                check.message =
                    (check.message ?? "")
                    + " (\(reason): the project does not exist, or the \(service) API is not enabled in it)"
            } else if let permission = info?.metadata["permission"]
                ?? GoogleErrorInfo.permission(inMessage: error.message)
            {
                check.permission = permission
                check.role = GoogleErrorInfo.viewerRole(for: permission)
            }
        case 404:
            check.wrongName = notFound
        default:
            break
        }
        return Result(check: check, json: nil)
    }
}
