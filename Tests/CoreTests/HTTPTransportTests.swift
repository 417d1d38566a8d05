import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Synchronization
import Testing

/// `HTTPTransport` against real loopback listeners (`ConnectionRecorder`): a server that never
/// answers holds each connection open for 60 s and then closes it, so a request that was not ended by
/// its deadline or its cancellation would take that long — the tests assert on the error, and only on
/// a generous bound of time (a loaded 2-core machine was seen to take 3.5 s).
@Suite("HTTP transport: deadlines, cancellation, the size cap")
struct HTTPTransportTests {
    static func request(_ port: Int, _ path: String = "/") throws -> HTTPTransport.Request {
        HTTPTransport.Request(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
    }

    @Test("a sub-second deadline ends a request the server never answers, as a timeout")
    func subSecondDeadline() async throws {
        let silent = try ConnectionRecorder(holdSeconds: 60)
        defer { silent.close() }
        let transport = HTTPTransport(timeout: .seconds(10))
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: HTTPTransportError.self) {
            _ = try await transport.send(try Self.request(silent.port), timeout: .milliseconds(300))
        }
        #expect(error == .timedOut)
        #expect(clock.now - started < .seconds(30), "ended long before the server closed the connection")
        #expect(silent.connections == 1)
    }

    @Test("cancelling the calling task ends a hung request at once, as cancelled")
    func cancellation() async throws {
        let silent = try ConnectionRecorder(holdSeconds: 60)
        defer { silent.close() }
        let transport = HTTPTransport(timeout: .seconds(30))
        let request = try Self.request(silent.port)
        let clock = ContinuousClock()
        let started = clock.now
        let task = Task { () -> HTTPTransportError? in
            do throws(HTTPTransportError) {
                _ = try await transport.send(request, timeout: .seconds(30))
                return nil
            } catch {
                return error
            }
        }
        // Cancelled once the request has reached the server.
        while silent.received.range(of: Data("\r\n\r\n".utf8)) == nil { await Task.yield() }
        task.cancel()
        let error = await task.value
        #expect(error == .cancelled)
        #expect(clock.now - started < .seconds(30), "ended long before the server closed the connection")
    }

    @Test(
        "an answer over the cap is refused: announced, before its body is read; unannounced, once the cap is passed",
        arguments: [true, false])
    func overTheCap(announced: Bool) async throws {
        let body = String(repeating: "x", count: 5000)
        let head = announced ? "Content-Length: \(body.utf8.count)\r\n" : "Connection: close\r\n"
        let server = try ConnectionRecorder(answer: "HTTP/1.1 200 OK\r\n\(head)\r\n\(body)")
        defer { server.close() }
        let transport = HTTPTransport(timeout: .seconds(10), maximumBytes: 1000)
        let error = await #expect(throws: HTTPTransportError.self) {
            _ = try await transport.send(try Self.request(server.port), timeout: .seconds(10))
        }
        guard case .tooLarge(let bytes, let maximum)? = error else {
            Issue.record("not refused as too large: \(String(describing: error))")
            return
        }
        #expect(maximum == 1000)
        if announced { #expect(bytes == 5000) } else { #expect(bytes > 1000 && bytes <= 5000) }
    }

    @Test("an answer at the cap is read whole, with its status and lowercased headers")
    func atTheCap() async throws {
        let body = String(repeating: "y", count: 1000)
        let server = try ConnectionRecorder(
            answer: "HTTP/1.1 201 Created\r\nContent-Length: 1000\r\nX-Thing: a\r\n\r\n\(body)")
        defer { server.close() }
        let transport = HTTPTransport(timeout: .seconds(10), maximumBytes: 1000)
        let answer = try await transport.send(try Self.request(server.port), timeout: .seconds(10))
        #expect(answer.status == 201)
        #expect(answer.headers["x-thing"] == "a")
        #expect(answer.body == Data(body.utf8))
    }

    @Test("--debug lines name the method, the redacted URL and headers, and the answer; never a secret")
    func debugLines() async throws {
        let server = try ConnectionRecorder(answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        defer { server.close() }
        let lines = Mutex<[String]>([])
        let logger = DebugLogHandler.logger { line in lines.withLock { $0.append(line) } }
        let transport = HTTPTransport(timeout: .seconds(10), logger: logger)
        var request = try Self.request(server.port, "/v1/x?key=AIzaSECRET&pageSize=1")
        request.setValue("Bearer ya29.SECRET", forHeader: "Authorization")
        request.setValue("application/json", forHeader: "Accept")
        _ = try await transport.send(request, timeout: .seconds(10))
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(
            written.first
                == "debug: http → GET http://127.0.0.1:\(server.port)/v1/x?key=\(Redaction.mark)&pageSize=1 "
                + "[Accept: application/json, Authorization: \(Redaction.mark)]")
        #expect(written.last?.hasPrefix("debug: http ← 200, 2 bytes, ") == true, "\(written)")
        #expect(!written.joined().contains("SECRET"))
    }

    @Test("a refused connection is a network error naming it")
    func refused() async throws {
        let transport = HTTPTransport(timeout: .seconds(5))
        let error = await #expect(throws: HTTPTransportError.self) {
            _ = try await transport.send(try Self.request(9), timeout: .seconds(5))
        }
        #expect(error == .network("connection refused"))
    }
}
