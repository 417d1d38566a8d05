import Foundation
import LaunchWatchCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends authorised JSON requests to a Google REST API over one `URLSession` (so the connection is
/// reused between polls), fetching a token from `AccessTokenSource`, retrying once with a fresh
/// token after a 401, and turning every failure — an error envelope, a timeout, a reset, a body
/// that is not JSON — into a `ProviderError`.
public struct GoogleAPIClient: Sendable {
    public let tokens: AccessTokenSource
    let session: URLSession
    /// The service's name in messages: "Vertex AI".
    let service: String
    let timeout: Duration

    public init(service: String, tokens: AccessTokenSource, session: URLSession, timeout: Duration = .seconds(10)) {
        self.service = service
        self.tokens = tokens
        self.session = session
        self.timeout = timeout
    }

    /// A session with launchwatch's defaults: no cookies or cache, one connection per host kept open.
    public static func makeSession(timeout: Duration) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        // Whole seconds: FoundationNetworking truncates the fraction (see `withTimeout`).
        configuration.timeoutIntervalForRequest = wholeSeconds(timeout) + 1
        configuration.timeoutIntervalForResource = (wholeSeconds(timeout) + 1) * 2
        configuration.httpMaximumConnectionsPerHost = 2
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }

    /// GETs `url` and returns the JSON body.
    public func get(_ url: URL) async throws(ProviderError) -> JSONValue {
        try await send(URLRequest(url: url, timeoutInterval: timeout.seconds), retryOn401: true)
    }

    /// POSTs `body` as JSON to `url` and returns the JSON body.
    public func post(_ url: URL, body: JSONValue) async throws(ProviderError) -> JSONValue {
        var request = URLRequest(url: url, timeoutInterval: timeout.seconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.jsonText.utf8)
        return try await send(request, retryOn401: true)
    }

    private func send(_ base: URLRequest, retryOn401: Bool) async throws(ProviderError) -> JSONValue {
        let token = try await tokens.token()
        var request = base
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await withTimeout(request)
        } catch let error as URLError where error.code == .timedOut {
            throw ProviderError(
                code: "timeout", message: "no answer from \(service) within \(DurationText.format(timeout))")
        } catch is CancellationError {
            throw ProviderError(code: "cancelled", message: "the request to \(service) was cancelled")
        } catch let error as URLError where error.code == .cancelled {
            throw ProviderError(code: "cancelled", message: "the request to \(service) was cancelled")
        } catch let error as URLError {
            throw ProviderError(code: "network", message: "\(service) could not be reached: \(Self.describe(error))")
        } catch {
            throw ProviderError(code: "network", message: "\(service) could not be reached")
        }
        guard let http = response as? HTTPURLResponse else {
            throw ProviderError(code: "network", message: "\(service) sent no HTTP response")
        }
        guard data.count <= Self.maximumResponseBytes else {
            throw ProviderError(
                code: "response_too_large",
                message: "\(service) sent \(data.count / 1_048_576) MB, more than a status answer can be "
                    + "(\(Self.maximumResponseBytes / 1_048_576) MB); it was not read")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)".lowercased()] = "\(value)" }
        if http.statusCode == 401, retryOn401 {
            await tokens.invalidate(token)
            return try await send(base, retryOn401: false)
        }
        guard (200..<300).contains(http.statusCode) else {
            throw GoogleAPIError(httpStatus: http.statusCode, headers: headers, body: data).providerError(
                service: service)
        }
        do {
            return try JSONParser.parse(data)
        } catch {
            throw ProviderError(
                code: "malformed_response", message: "\(service) sent a body that is not valid JSON (\(error.message))")
        }
    }

    /// `request`, given up after `timeout`. FoundationNetworking on Linux truncates a request's
    /// `timeoutInterval` to whole seconds (500ms becomes an immediate timeout, 1.5s becomes 1s), so
    /// the timeout is kept here and the session only gets a whole-second backstop beyond it.
    ///
    /// The transfer runs in a task of its own that is never awaited past the timeout and never
    /// cancelled from here: cancelling a FoundationNetworking task in the middle of a large body
    /// could block the canceller's thread, and a poll that waited for it would hold the watch's end.
    /// A transfer given up on ends by itself at the backstop; its answer is dropped.
    private func withTimeout(_ base: URLRequest) async throws -> (Data, URLResponse) {
        var backstop = base
        backstop.timeoutInterval = Self.wholeSeconds(timeout) + 1
        let request = backstop
        let session = self.session
        let timeout = self.timeout
        let answer = AnswerOnce()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                answer.install(continuation)
                Task {
                    do {
                        answer.resume(with: .success(try await session.data(for: request)))
                    } catch {
                        answer.resume(with: .failure(error))
                    }
                }
                Task {
                    try? await Task.sleep(for: timeout)
                    answer.resume(with: .failure(URLError(.timedOut)))
                }
            }
        } onCancel: {
            answer.resume(with: .failure(CancellationError()))
        }
    }

    /// The largest answer read: a status answer is a few KB, a page of 100 jobs well under 1 MB.
    public static let maximumResponseBytes = 16 * 1_048_576

    /// `duration` rounded up to whole seconds, at least one.
    static func wholeSeconds(_ duration: Duration) -> TimeInterval {
        max(1, duration.seconds.rounded(.up))
    }

    private static func describe(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: "connection refused"
        case .networkConnectionLost: "the connection was lost mid-response"
        case .cannotFindHost: "the host name does not resolve"
        case .notConnectedToInternet: "no network"
        default: "URL error \(error.code.rawValue)"
        }
    }
}

/// The first of a transfer's answer, its timeout and a cancellation, delivered once.
private final class AnswerOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<(Data, URLResponse), any Error>?
    private var early: Result<(Data, URLResponse), any Error>?
    private var done = false

    func install(_ continuation: CheckedContinuation<(Data, URLResponse), any Error>) {
        lock.lock()
        if let early {
            lock.unlock()
            continuation.resume(with: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    func resume(with result: Result<(Data, URLResponse), any Error>) {
        lock.lock()
        guard !done else {
            lock.unlock()
            return
        }
        done = true
        guard let continuation else {
            early = result
            lock.unlock()
            return
        }
        self.continuation = nil
        lock.unlock()
        continuation.resume(with: result)
    }
}
