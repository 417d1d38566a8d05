import Foundation
import LaunchWatchCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Talks to W&B's public GraphQL API the way W&B's own tools do: `POST {base}/graphql` with HTTP
/// Basic auth `api:<key>`, the key from `WANDB_API_KEY` or else the `~/.netrc` entry for the API
/// host, the base from the config's `baseURL`, else `WANDB_BASE_URL`, else `https://api.wandb.ai`.
///
/// GraphQL `errors` (with HTTP 200 or 400) are provider errors carrying the server's message; 429
/// and 5xx are provider errors with a retry hint from `RateLimit-Reset` or `Retry-After`.
public struct WandbAPIClient: Sendable {
    public let baseURL: URL
    private let authorization: String
    private let session: URLSession
    private let timeout: Duration

    /// Finds the base URL and the API key; throws a `bad_config`/`credentials` error naming what to
    /// set when there is no key.
    public init(baseURL configured: String?, environment: [String: String], timeout: Duration) throws(ProviderError) {
        let text = configured ?? environment["WANDB_BASE_URL"] ?? "https://api.wandb.ai"
        guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text), let host = url.host,
            ["http", "https"].contains(url.scheme ?? "")
        else { throw ProviderError(code: "bad_config", message: "baseURL \"\(text)\" is not an http(s) URL") }
        guard let key = Self.apiKey(host: host, environment: environment) else {
            throw ProviderError(
                code: "credentials",
                message: "no W&B API key: set WANDB_API_KEY or run `wandb login` (it writes ~/.netrc for \(host))")
        }
        baseURL = url
        authorization = "Basic " + Data("api:\(key)".utf8).base64EncodedString()
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout.seconds
        configuration.timeoutIntervalForResource = timeout.seconds * 2
        session = URLSession(configuration: configuration)
    }

    /// `WANDB_API_KEY`, else the password of the `~/.netrc` (or `$NETRC`) entry for `host`.
    static func apiKey(host: String, environment: [String: String]) -> String? {
        if let key = environment["WANDB_API_KEY"], !key.isEmpty { return key }
        let path = environment["NETRC"] ?? environment["HOME"].map { $0 + "/.netrc" }
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Netrc.password(for: host, in: text)
    }

    /// Runs `query` with `variables` and returns `data`.
    public func query(_ query: String, variables: [(String, JSONValue)]) async throws(ProviderError) -> JSONValue {
        var request = URLRequest(url: baseURL.appendingPathComponent("graphql"), timeoutInterval: timeout.seconds)
        request.httpMethod = "POST"
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let body = JSONValue.object([
            ("query", .string(query)), ("variables", .object(variables.map { (key: $0.0, value: $0.1) })),
        ])
        request.httpBody = Data(body.jsonText.utf8)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch let error as URLError where error.code == .timedOut {
            throw ProviderError(code: "timeout", message: "no answer from W&B within \(DurationText.format(timeout))")
        } catch {
            throw ProviderError(code: "network", message: "W&B could not be reached")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        var headers: [String: String] = [:]
        for (name, value) in (response as? HTTPURLResponse)?.allHeaderFields ?? [:] {
            headers["\(name)".lowercased()] = "\(value)"
        }
        let json = try? JSONParser.parse(data)
        if let message = Self.firstError(json) {
            throw ProviderError(code: status == 200 ? "graphql" : "http_\(status)", message: "W&B: \(message)")
        }
        guard (200..<300).contains(status) else {
            let hint = Self.retryHint(headers)
            var message = "W&B answered \(status)"
            if case .string(let text)? = json?["error"] { message += ": \(text)" }
            throw ProviderError(code: "http_\(status)", message: message, retryAfter: hint)
        }
        guard let json, let dataField = json["data"] else {
            throw ProviderError(code: "malformed_response", message: "W&B sent a body that is not a GraphQL answer")
        }
        return dataField
    }

    private static func firstError(_ json: JSONValue?) -> String? {
        guard case .array(let errors)? = json?["errors"], let first = errors.first else { return nil }
        if case .string(let message)? = first["message"] { return message }
        return "an error without a message"
    }

    /// `RateLimit-Reset` (seconds) or `Retry-After` (seconds).
    static func retryHint(_ headers: [String: String]) -> Duration? {
        for name in ["ratelimit-reset", "retry-after"] {
            if let text = headers[name], let seconds = Double(text.trimmingCharacters(in: .whitespaces)),
                seconds.isFinite, seconds >= 0
            {
                return .seconds(double: min(seconds, 3600))
            }
        }
        return nil
    }

    /// W&B's timestamps (`2025-11-05T17:46:35`, UTC without a zone) or RFC 3339.
    public static func date(_ text: String) -> Date? {
        RFC3339.date(from: text) ?? RFC3339.date(from: text + "Z")
    }
}

/// Reads `~/.netrc`: `machine HOST login USER password SECRET` entries, in any layout.
enum Netrc {
    static func password(for host: String, in text: String) -> String? {
        let tokens = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        var index = 0
        var machine: String?
        var fallback: String?
        while index < tokens.count {
            let token = tokens[index]
            switch token {
            case "machine":
                machine = index + 1 < tokens.count ? tokens[index + 1] : nil
                index += 2
            case "default":
                machine = "\u{0}default"
                index += 1
            case "password":
                let value = index + 1 < tokens.count ? tokens[index + 1] : nil
                if machine == host { return value }
                if machine == "\u{0}default" { fallback = value }
                index += 2
            case "login", "account", "macdef":
                index += 2
            default:
                index += 1
            }
        }
        return fallback
    }
}
