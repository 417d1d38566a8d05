import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How HTTP providers send a request: over one `URLSession` (so the connection is reused between
/// polls), reading the answer piece by piece and refusing it as soon as it passes a size cap, and
/// giving up at a timeout of its own.
///
/// - The cap: a status answer is a few KB and a page of 100 jobs well under 1 MB, so an answer past
///   `maximumBytes` (16 MB) is a runaway. An announced `Content-Length` over the cap is refused
///   before a byte of the body is read; otherwise the transfer is cancelled the moment the bytes
///   read pass the cap, so a 100 MB or endless answer costs 16 MB of memory at most.
/// - The timeout: FoundationNetworking on Linux truncates a request's `timeoutInterval` to whole
///   seconds (500 ms becomes an immediate timeout), so the timeout is kept here and the session only
///   gets a whole-second backstop beyond it. A request given up on is answered at once with
///   `.timedOut`; its transfer ends at the backstop, unawaited: the caller never waits for a
///   transfer to wind down.
/// - Debug output: when `DebugLog` is on (`launchwatch run --debug`), each request and answer is
///   written to it with secrets redacted — see `Redaction`.
public final class HTTPTransport: Sendable {
    /// An HTTP answer. Header names are lowercased.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
    }

    /// The largest answer read.
    public static let defaultMaximumBytes = 16 * 1_048_576

    public let maximumBytes: Int
    /// The longest a request may take: what `init` was given.
    public let timeout: Duration
    private let session: URLSession
    private let transfers: Transfers

    /// A transport whose requests time out after at most `timeout` (each `send` may ask for less).
    public init(timeout: Duration, maximumBytes: Int = HTTPTransport.defaultMaximumBytes) {
        self.maximumBytes = maximumBytes
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.wholeSeconds(timeout) + 1
        configuration.timeoutIntervalForResource = (Self.wholeSeconds(timeout) + 1) * 2
        configuration.httpMaximumConnectionsPerHost = 2
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        let transfers = Transfers(maximumBytes: maximumBytes)
        self.transfers = transfers
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: transfers, delegateQueue: queue)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends `request`, giving up after `timeout`.
    public func send(_ request: URLRequest, timeout: Duration) async throws(HTTPTransportError) -> Answer {
        var backstop = request
        backstop.timeoutInterval = Self.wholeSeconds(timeout) + 1
        let started = ContinuousClock.now
        Self.debug { "→ \(request.httpMethod ?? "GET") \(Redaction.url(request.url))\(Redaction.headers(request))" }
        let task = session.dataTask(with: backstop)
        let answer = AnswerOnce()
        let backstopSeconds = Self.wholeSeconds(timeout) + 1
        transfers.begin(
            task.taskIdentifier, giveUpBy: started.advanced(by: timeout + .seconds(double: 2 * backstopSeconds))
        ) { answer.resume(with: $0) }
        let result: Result<Answer, HTTPTransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                answer.install(continuation)
                task.resume()
                Task {
                    try? await Task.sleep(for: timeout)
                    answer.resume(with: .failure(.timedOut))
                }
            }
        } onCancel: {
            answer.resume(with: .failure(.cancelled))
        }
        // Given up on (a timeout or a cancellation): the transfer is abandoned, not cancelled. One
        // that stays silent ends at the session's whole-second backstop (an idle timer); one that
        // keeps sending is counted, not kept, and cancelled past the cap or its give-up time.
        // Cancelling every timed-out transfer could block a thread each (see `Transfers.cancel`).
        if case .failure = result { transfers.abandon(task.taskIdentifier) }
        Self.debug {
            let elapsed = DurationText.format(ContinuousClock.now - started)
            return switch result {
            case .success(let answer): "← \(answer.status), \(answer.body.count) bytes, \(elapsed)"
            case .failure(let error): "← \(error.summary), \(elapsed)"
            }
        }
        return try result.get()
    }

    private static func debug(_ line: () -> String) { DebugLog.write("http", line) }

    /// `duration` rounded up to whole seconds, at least one.
    static func wholeSeconds(_ duration: Duration) -> TimeInterval {
        max(1, duration.seconds.rounded(.up))
    }
}

/// Why a request got no answer.
public enum HTTPTransportError: Error, Sendable, Equatable {
    case timedOut
    case cancelled
    /// The answer passed the cap; `bytes` is what was announced or read when it was refused.
    case tooLarge(bytes: Int, maximum: Int)
    /// The host was not reached or the connection broke: a short description.
    case network(String)
    /// The server answered with a redirect (`status`, 3xx) to `host` (`nil` when it named none).
    /// Redirects are never followed: the request's credentials would go along to a host nobody
    /// checked, and a 307 or 308 would carry its body (a refresh token, a signed assertion) too.
    case redirected(status: Int, host: String?)

    /// The provider error for a request to `service` ("Vertex AI") that took longer than `timeout`.
    public func providerError(service: String, timeout: Duration) -> ProviderError {
        switch self {
        case .timedOut:
            ProviderError(code: "timeout", message: "no answer from \(service) within \(DurationText.format(timeout))")
        case .cancelled:
            ProviderError(code: "cancelled", message: "the request to \(service) was cancelled")
        case .tooLarge(let bytes, let maximum):
            ProviderError(
                code: "response_too_large",
                message: "\(service) sent more than a status answer can be (\(bytes / 1_048_576) MB, over "
                    + "\(maximum / 1_048_576) MB); the rest was not read")
        case .network(let reason):
            ProviderError(code: "network", message: "\(service) could not be reached: \(reason)")
        case .redirected:
            ProviderError(code: "redirected", message: "\(service) \(summary)")
        }
    }

    /// A few words on what happened: "timed out", "connection refused".
    public var summary: String {
        switch self {
        case .timedOut: "timed out"
        case .cancelled: "cancelled"
        case .tooLarge(let bytes, _): "refused after \(bytes) bytes (too large)"
        case .network(let reason): reason
        case .redirected(let status, let host):
            "answered \(status), a redirect to \(host ?? "no host"), which is not followed (credentials go only to "
                + "the host named)"
        }
    }

    /// "Failed to connect to h port 80 after 0 ms: Couldn't connect to server" without "after 0 ms".
    static func curlReason(_ text: String) -> String {
        text.replacingOccurrences(of: #" after \d+ ms"#, with: "", options: .regularExpression)
    }

    static func describe(_ error: any Error) -> HTTPTransportError {
        guard let error = error as? URLError else { return .network("the request failed") }
        return switch error.code {
        case .timedOut: .timedOut
        case .cancelled: .cancelled
        case .cannotConnectToHost: .network("connection refused")
        case .networkConnectionLost: .network("the connection was lost mid-response")
        case .cannotFindHost, .dnsLookupFailed: .network("the host name does not resolve")
        case .notConnectedToInternet: .network("no route to the host")
        // FoundationNetworking's code for most connection failures (an unroutable address among
        // them); curl's own words say which, without the elapsed time.
        case .unknown: .network("the connection failed (\(curlReason(error.localizedDescription)))")
        default: .network("URL error \(error.code.rawValue)")
        }
    }
}

/// The session's delegate: collects each transfer's body, refusing it past the cap.
private final class Transfers: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    typealias Finish = (Result<HTTPTransport.Answer, HTTPTransportError>) -> Void

    private struct Transfer {
        var body = Data()
        var read = 0
        var response: HTTPURLResponse?
        /// Whom to answer; `nil` once the caller has given up (the bytes are then counted, not kept).
        var finish: Finish?
        /// When an abandoned transfer that is still sending is stopped.
        var giveUpBy: ContinuousClock.Instant
        /// Where the server redirected to (not followed).
        var redirectedTo: String?
    }

    private let lock = NSLock()
    private var transfers: [Int: Transfer] = [:]
    private let maximumBytes: Int

    init(maximumBytes: Int) { self.maximumBytes = maximumBytes }

    /// Cancels `task` on a thread of its own. Cancelling a FoundationNetworking transfer in the
    /// middle of a body can block the canceller; on a Dispatch worker that holds up every other
    /// timer and callback of the process (Linux adds workers only about once a second), and on the
    /// cooperative pool it would stall the watch. Only runaway transfers are cancelled.
    static func cancel(_ task: URLSessionTask) {
        Thread { task.cancel() }.start()
    }

    func begin(_ id: Int, giveUpBy: ContinuousClock.Instant, finish: @escaping Finish) {
        lock.withLock { transfers[id] = Transfer(finish: finish, giveUpBy: giveUpBy) }
    }

    /// The caller stopped waiting: the transfer is answered no more and its bytes are not kept.
    func abandon(_ id: Int) {
        lock.withLock {
            transfers[id]?.finish = nil
            transfers[id]?.body = Data()
        }
    }

    /// Ends a transfer: forgets it and answers its caller, if one still waits.
    private func finish(_ id: Int, _ result: Result<HTTPTransport.Answer, HTTPTransportError>) {
        let removed = lock.withLock { transfers.removeValue(forKey: id) }
        if let finish = removed?.finish { finish(result) }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let announced = response.expectedContentLength
        if announced > maximumBytes {
            finish(dataTask.taskIdentifier, .failure(.tooLarge(bytes: Int(announced), maximum: maximumBytes)))
            completionHandler(.cancel)
            return
        }
        lock.withLock { transfers[dataTask.taskIdentifier]?.response = response as? HTTPURLResponse }
        completionHandler(.allow)
    }

    /// A redirect is never followed: FoundationNetworking would copy the `Authorization` header to
    /// any `Location` (and, for 307 and 308, the body). The 3xx becomes the answer, reported as
    /// `HTTPTransportError.redirected`.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        let host = request.url?.host ?? "no host"
        lock.withLock {
            transfers[task.taskIdentifier]?.redirectedTo = host
            transfers[task.taskIdentifier]?.response = response
        }
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let id = dataTask.taskIdentifier
        lock.lock()
        var runaway: Int?
        if var transfer = transfers.removeValue(forKey: id) {
            // Taken out and put back, so that the body is appended to in place.
            transfer.read += data.count
            if transfer.finish != nil { transfer.body.append(data) }
            let late = transfer.finish == nil && ContinuousClock.now > transfer.giveUpBy
            if transfer.read > maximumBytes || late { runaway = transfer.read }
            transfers[id] = transfer
        }
        lock.unlock()
        guard let runaway else { return }
        finish(id, .failure(.tooLarge(bytes: runaway, maximum: maximumBytes)))
        Self.cancel(dataTask)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let id = task.taskIdentifier
        if let error {
            finish(id, .failure(HTTPTransportError.describe(error)))
            return
        }
        let transfer = lock.withLock { transfers[id] }
        guard let response = transfer?.response ?? task.response as? HTTPURLResponse else {
            finish(id, .failure(.network("no HTTP response")))
            return
        }
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields { headers["\(name)".lowercased()] = "\(value)" }
        if (300..<400).contains(response.statusCode) || transfer?.redirectedTo != nil {
            let host = transfer?.redirectedTo ?? headers["location"].flatMap { URL(string: $0)?.host }
            finish(id, .failure(.redirected(status: response.statusCode, host: host)))
            return
        }
        finish(
            id,
            .success(
                HTTPTransport.Answer(status: response.statusCode, headers: headers, body: transfer?.body ?? Data())))
    }
}

/// The first of a transfer's answer, its timeout and a cancellation, delivered once.
private final class AnswerOnce: @unchecked Sendable {
    typealias Outcome = Result<HTTPTransport.Answer, HTTPTransportError>
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Outcome, Never>?
    private var early: Outcome?
    private var done = false

    func install(_ continuation: CheckedContinuation<Outcome, Never>) {
        lock.lock()
        if let early {
            lock.unlock()
            continuation.resume(returning: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    func resume(with result: Outcome) {
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
        continuation.resume(returning: result)
    }
}
