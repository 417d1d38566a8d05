import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How HTTP providers send a request: over the process's shared client (`SharedHTTPClient`, so
/// connections are reused between polls and providers), collecting the answer up to a size cap, and
/// giving up at a deadline of its own.
///
/// - The cap: a status answer is a few KB and a page of 100 jobs well under 1 MB, so an answer past
///   `maximumBytes` (16 MB) is a runaway. An announced `Content-Length` over the cap is refused
///   before a byte of the body is read; otherwise the transfer is stopped the moment the bytes read
///   pass the cap, so a 100 MB or endless answer costs 16 MB of memory at most.
/// - The deadline: each `send` ends after its `timeout` (sub-second ones included), whether the
///   answer's head or its body is still to come; the request is cancelled then, and its connection
///   closed. Cancelling the calling task ends the request at once, as `HTTPTransportError.cancelled`.
/// - Redirects are not followed: a 3xx is `HTTPTransportError.redirected`, and nothing is sent to
///   the host it names.
/// - Proxies: those the environment names (`HTTPProxyEnvironment`), through the shared client.
/// - Debug output: each request and answer is logged to `logger` (`launchwatch run --debug`) under
///   the source `http`, with secrets redacted — see `Redaction`.
///
/// A credential's destination is checked by the caller before `send` (`CredentialDestinationRule`
/// `sendRefusal`), so that a refused request never opens a connection.
public struct HTTPTransport: Sendable {
    /// A request: method, URL, headers and body.
    public struct Request: Sendable {
        /// `GET`, `POST`...
        public var method: String
        public var url: URL
        /// In the order set; names as given.
        public var headers: [(name: String, value: String)]
        public var body: Data?

        public init(
            url: URL, method: String = "GET", headers: [(name: String, value: String)] = [], body: Data? = nil
        ) {
            self.url = url
            self.method = method
            self.headers = headers
            self.body = body
        }

        /// Sets the header `name` to `value`, replacing any of that name (whatever its case).
        public mutating func setValue(_ value: String, forHeader name: String) {
            headers.removeAll { $0.name.lowercased() == name.lowercased() }
            headers.append((name, value))
        }

        /// The value of the header `name` (whatever its case), if set.
        public func value(forHeader name: String) -> String? {
            headers.last { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// An HTTP answer. Header names are lowercased; a header sent several times is joined with ", ".
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data

        public init(status: Int, headers: [String: String], body: Data) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// The largest answer read.
    public static let defaultMaximumBytes = 16 * 1_048_576

    public let maximumBytes: Int
    /// The longest a request may take: what `init` was given (each `send` names its own).
    public let timeout: Duration
    /// The client requests go through.
    public let client: SharedHTTPClient
    /// Where request and answer lines go (`--debug`).
    public let logger: Logger

    /// A transport whose requests take at most `timeout` by default, over `client`, logging to `logger`.
    public init(
        timeout: Duration, client: SharedHTTPClient = .processWide, logger: Logger = DebugLogHandler.current,
        maximumBytes: Int = HTTPTransport.defaultMaximumBytes
    ) {
        self.timeout = timeout
        self.client = client
        self.logger = logger
        self.maximumBytes = maximumBytes
    }

    /// A transport over the context's client, logging to the context's logger.
    public init(timeout: Duration, context: ProviderContext, maximumBytes: Int = HTTPTransport.defaultMaximumBytes) {
        self.init(timeout: timeout, client: context.http, logger: context.logger, maximumBytes: maximumBytes)
    }

    /// Sends `request`, giving up after `timeout`.
    public func send(_ request: Request, timeout: Duration) async throws(HTTPTransportError) -> Answer {
        let started = ContinuousClock.now
        let result = await exchange(request, timeout: timeout)
        logger.debug(
            "\(Self.answerLine(result, elapsed: ContinuousClock.now - started))", source: "http")
        return try result.get()
    }

    private func exchange(_ request: Request, timeout: Duration) async -> Result<Answer, HTTPTransportError> {
        let route: (client: HTTPClient, proxy: HTTPProxyEnvironment.Setting?)
        do {
            route = try client.clientAndProxy(for: request.url)
        } catch {
            logger.debug("\(Self.requestLine(request, proxy: nil))", source: "http")
            return .failure(error)
        }
        logger.debug("\(Self.requestLine(request, proxy: route.proxy))", source: "http")
        // The deadline: async-http-client's own ends a request whose head has not come; the timer
        // child ends one whose body is still coming. Whichever ends first wins; the other is cancelled.
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        return await withTaskGroup(of: Result<Answer, HTTPTransportError>?.self) { group in
            group.addTask { await self.collect(request, on: route.client, deadline: deadline) }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                } catch {
                    return nil  // the exchange ended first, or the caller was cancelled
                }
                return .failure(.timedOut)
            }
            var outcome: Result<Answer, HTTPTransportError> = .failure(.cancelled)
            while let next = await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
    }

    /// Sends `request` and reads its answer up to the cap.
    private func collect(_ request: Request, on client: HTTPClient, deadline: NIODeadline) async -> Result<
        Answer, HTTPTransportError
    > {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(outgoing, deadline: deadline)
            let status = Int(response.status.code)
            var headers: [String: String] = [:]
            for (name, value) in response.headers {
                let key = name.lowercased()
                headers[key] = headers[key].map { "\($0), \(value)" } ?? value
            }
            // The answer's body is never read: dropping it ends the request and closes the connection.
            if (300..<400).contains(status) {
                let host = headers["location"].flatMap { URL(string: $0, relativeTo: request.url)?.absoluteURL.host }
                return .failure(.redirected(status: status, host: host))
            }
            let announced = headers["content-length"].flatMap { Int($0) }
            if let announced, announced > maximumBytes {
                return .failure(.tooLarge(bytes: announced, maximum: maximumBytes))
            }
            var body = Data()
            if let announced { body.reserveCapacity(announced) }
            for try await chunk in response.body {
                guard body.count + chunk.readableBytes <= maximumBytes else {
                    return .failure(.tooLarge(bytes: body.count + chunk.readableBytes, maximum: maximumBytes))
                }
                chunk.withUnsafeReadableBytes { body.append(contentsOf: $0) }
            }
            // A body cut short by a cancellation ends without an error: it is not an answer.
            if Task.isCancelled { return .failure(.cancelled) }
            return .success(Answer(status: status, headers: headers, body: body))
        } catch {
            return .failure(Task.isCancelled ? .cancelled : HTTPTransportError.describe(error))
        }
    }

    /// `→ GET https://… [Accept: application/json, Authorization: [REDACTED]]`, and the proxy if any.
    static func requestLine(_ request: Request, proxy: HTTPProxyEnvironment.Setting?) -> String {
        "→ \(request.method) \(Redaction.url(request.url))\(Redaction.headers(request.headers))"
            + (proxy.map { " (through the proxy \($0.summary))" } ?? "")
    }

    /// `← 200, 1234 bytes, 12ms` or `← timed out, 500ms`.
    static func answerLine(_ result: Result<Answer, HTTPTransportError>, elapsed: Duration) -> String {
        let elapsed = DurationText.format(elapsed)
        return switch result {
        case .success(let answer): "← \(answer.status), \(answer.body.count) bytes, \(elapsed)"
        case .failure(let error): "← \(error.summary), \(elapsed)"
        }
    }
}
