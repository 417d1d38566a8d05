import Foundation
import LaunchWatchCore

/// Google's error envelope (`{"error": {"code", "message", "status", "details"}}`) read into what a
/// provider reports: a `ProviderError` with the code, status and message, and a retry hint from
/// `Retry-After` or a `google.rpc.RetryInfo` detail.
public struct GoogleAPIError: Sendable, Hashable {
    public var httpStatus: Int
    public var status: String?
    public var message: String
    public var retryAfter: Duration?

    /// Reads an error response. `body` may be anything: a proxy's HTML page is reported as such.
    /// Header names are matched without regard to case.
    public init(httpStatus: Int, headers: [String: String], body: Data) {
        self.httpStatus = httpStatus
        var message = "HTTP \(httpStatus)"
        var status: String?
        var retryDelay: Duration?
        if let json = try? JSONParser.parse(body), case .object? = json["error"] {
            let error = json["error"]
            if case .string(let text)? = error?["message"] { message = text }
            if case .string(let name)? = error?["status"] { status = name }
            if case .array(let details)? = error?["details"] {
                for detail in details {
                    if case .string(let type)? = detail["@type"], type.hasSuffix("google.rpc.RetryInfo"),
                        case .string(let delay)? = detail["retryDelay"]
                    {
                        retryDelay = Self.protoDuration(delay)
                    }
                }
            }
        } else if !body.isEmpty {
            message = "HTTP \(httpStatus) with a body that is not Google's error format"
        }
        self.httpStatus = httpStatus
        self.status = status
        self.message = message
        let retryAfterHeader = headers.first { $0.key.lowercased() == "retry-after" }?.value
        self.retryAfter = retryDelay ?? retryAfterHeader.flatMap(Self.retryAfterHeader)
    }

    /// A provider error for this response: code `http_<status>`, a message naming the service.
    public func providerError(service: String) -> ProviderError {
        let name = status.map { " \($0)" } ?? ""
        return ProviderError(
            code: .http(httpStatus), message: "\(service) answered \(httpStatus)\(name): \(message)",
            retryAfter: retryAfter)
    }

    /// `"3s"`, `"1.5s"` (protobuf Duration in JSON).
    static func protoDuration(_ text: String) -> Duration? {
        guard text.hasSuffix("s"), let seconds = Double(text.dropLast()), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        return .seconds(double: seconds)
    }

    /// `Retry-After`: seconds or an HTTP date.
    static func retryAfterHeader(_ text: String) -> Duration? {
        if let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 {
            return .seconds(double: min(seconds, 3600))
        }
        guard let date = HTTPDate.date(from: text) else { return nil }
        return .seconds(double: min(max(0, date.timeIntervalSinceNow), 3600))
    }
}
