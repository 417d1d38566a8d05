import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud
import Testing

@Suite("Google's error envelope and retry hints")
struct GoogleAPIErrorTests {
    static func envelope(
        code: Int = 429, status: String? = "RESOURCE_EXHAUSTED", message: String = "Quota exceeded.",
        details: [JSONValue] = []
    ) -> Data {
        var error: [(key: String, value: JSONValue)] = [("code", .number(Double(code))), ("message", .string(message))]
        if let status { error.append(("status", .string(status))) }
        if !details.isEmpty { error.append(("details", .array(details))) }
        return Data(JSONValue.object([("error", .object(error))]).jsonText.utf8)
    }

    static func retryInfo(_ delay: String) -> JSONValue {
        .object([("@type", .string("type.googleapis.com/google.rpc.RetryInfo")), ("retryDelay", .string(delay))])
    }

    static let errorInfo: JSONValue = .object([
        ("@type", .string("type.googleapis.com/google.rpc.ErrorInfo")), ("reason", .string("RATE_LIMIT_EXCEEDED")),
        ("domain", .string("googleapis.com")),
    ])

    @Test("the envelope's status and message become the provider error, with code http_<status>")
    func envelope() {
        let error = GoogleAPIError(
            httpStatus: 429, headers: [:],
            body: Self.envelope(message: "Quota exceeded for quota metric 'Read requests'.", details: [Self.errorInfo]))
        #expect(error.httpStatus == 429)
        #expect(error.status == "RESOURCE_EXHAUSTED")
        #expect(error.message == "Quota exceeded for quota metric 'Read requests'.")
        #expect(error.retryAfter == nil)
        let providerError = error.providerError(service: "Vertex AI")
        #expect(providerError.code == "http_429")
        #expect(
            providerError.message
                == "Vertex AI answered 429 RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Read requests'.")
        #expect(providerError.retryAfter == nil)
    }

    @Test("a RetryInfo detail is the retry hint", arguments: [("3s", 3.0), ("1.5s", 1.5), ("0s", 0.0), ("30s", 30.0)])
    func retryInfo(_ delay: String, _ seconds: Double) {
        let error = GoogleAPIError(
            httpStatus: 429, headers: [:], body: Self.envelope(details: [Self.errorInfo, Self.retryInfo(delay)]))
        #expect(error.retryAfter == .seconds(double: seconds))
        #expect(error.providerError(service: "Vertex AI").retryAfter == .seconds(double: seconds))
    }

    @Test("a RetryInfo delay that is not a protobuf duration gives no hint", arguments: ["3", "-1s", "soon", "s", ""])
    func badRetryInfo(_ delay: String) {
        let error = GoogleAPIError(httpStatus: 429, headers: [:], body: Self.envelope(details: [Self.retryInfo(delay)]))
        #expect(error.retryAfter == nil)
    }

    @Test(
        "Retry-After in seconds is the retry hint, whatever the header name's case",
        arguments: ["retry-after", "Retry-After", "RETRY-AFTER"])
    func retryAfterSeconds(_ name: String) {
        let error = GoogleAPIError(httpStatus: 429, headers: [name: "7"], body: Self.envelope())
        #expect(error.retryAfter == .seconds(7))
    }

    @Test("Retry-After as an HTTP date is the time until then; in the past, no wait")
    func retryAfterDate() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let future = GoogleAPIError(
            httpStatus: 503, headers: ["retry-after": formatter.string(from: Date().addingTimeInterval(120))],
            body: Data())
        let wait = try #require(future.retryAfter)
        #expect(wait > .seconds(100) && wait <= .seconds(120))
        let past = GoogleAPIError(
            httpStatus: 503, headers: ["retry-after": formatter.string(from: Date().addingTimeInterval(-60))],
            body: Data())
        #expect(past.retryAfter == .zero)
    }

    @Test("a Retry-After that is neither seconds nor a date gives no hint; a huge one is capped at an hour")
    func retryAfterOddValues() {
        for value in ["soon", "-5", "", "NaN"] {
            #expect(GoogleAPIError(httpStatus: 429, headers: ["retry-after": value], body: Data()).retryAfter == nil)
        }
        #expect(
            GoogleAPIError(httpStatus: 429, headers: ["retry-after": "86400"], body: Data()).retryAfter
                == .seconds(3600))
    }

    @Test("RetryInfo wins over Retry-After when both are given")
    func retryInfoFirst() {
        let error = GoogleAPIError(
            httpStatus: 429, headers: ["retry-after": "60"], body: Self.envelope(details: [Self.retryInfo("2s")]))
        #expect(error.retryAfter == .seconds(2))
    }

    @Test("a body that is not Google's envelope is reported as such, without its content")
    func notAnEnvelope() {
        let html = Data("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>".utf8)
        let fromProxy = GoogleAPIError(httpStatus: 502, headers: [:], body: html)
        #expect(fromProxy.status == nil)
        #expect(fromProxy.message == "HTTP 502 with a body that is not Google's error format")
        #expect(
            fromProxy.providerError(service: "Vertex AI").message
                == "Vertex AI answered 502: HTTP 502 with a body that is not Google's error format")
        for body in [#"{"message": "nope"}"#, #"{"error": "rate limit exceeded"}"#, "[]"] {
            let error = GoogleAPIError(httpStatus: 429, headers: [:], body: Data(body.utf8))
            #expect(error.message == "HTTP 429 with a body that is not Google's error format", "\(body)")
        }
        let empty = GoogleAPIError(httpStatus: 503, headers: [:], body: Data())
        #expect(empty.message == "HTTP 503")
        #expect(empty.providerError(service: "Vertex AI").message == "Vertex AI answered 503: HTTP 503")
    }

    @Test("an envelope without a status still reports its message")
    func envelopeWithoutStatus() {
        let error = GoogleAPIError(
            httpStatus: 500, headers: [:], body: Self.envelope(code: 500, status: nil, message: "boom"))
        #expect(error.status == nil)
        #expect(error.providerError(service: "Vertex AI").message == "Vertex AI answered 500: boom")
    }
}
