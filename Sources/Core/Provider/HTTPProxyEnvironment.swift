// Full Foundation, not FoundationEssentials: removingPercentEncoding, range(of:) and trimmingCharacters(in:) are not in FoundationEssentials.
import Foundation

/// The proxies the environment names, read as curl reads them (launchwatch used libcurl before, and
/// `gcloud`, `wandb` and Google's Python libraries read the same variables):
///
/// - `https_proxy` (or `HTTPS_PROXY`) for https URLs, `http_proxy` for http URLs — lowercase only,
///   as curl, since `HTTP_PROXY` can be set by a web server's request header in CGI programs;
///   `all_proxy` (or `ALL_PROXY`) for either when its own is not set;
/// - a proxy is `[http://][user:password@]host[:port]` (port 1080 when not given, as curl), or
///   `socks5://host[:port]` / `socks5h://host[:port]` (without a user: async-http-client's SOCKS
///   support has none);
/// - `no_proxy` (or `NO_PROXY`): hosts separated by commas that are reached directly — a name also
///   covers its subdomains (`example.com` and `.example.com` both cover `api.example.com`), an IP
///   address only itself, a port after the host is ignored, and `*` turns every proxy off;
/// - loopback (`localhost`, `127.0.0.0/8`, `::1`) is always reached directly: an emulator or a local
///   server is never behind the proxy.
///
/// A proxy value that cannot be used (an `https://` proxy, a SOCKS proxy with a user, no host) is not
/// skipped: every request it would carry fails with `HTTPTransportError.network` naming the variable,
/// so that a user behind a proxy never silently goes around it. A value's user and password are
/// never shown.
package struct HTTPProxyEnvironment: Sendable, Hashable {
    /// One proxy, or why a variable's value cannot be one.
    package enum Setting: Sendable, Hashable {
        case http(host: String, port: Int, user: String?, password: String?)
        case socks(host: String, port: Int)
        /// `variable`'s value is not a proxy that can be used, and why (secrets left out).
        case unusable(variable: String, reason: String)
    }

    /// For https URLs.
    package var https: Setting?
    /// For http URLs.
    package var http: Setting?
    /// The hosts reached directly (lowercased, without a leading dot or a port); `["*"]` for all.
    package var directHosts: [String]

    /// No proxy at all.
    package static let none = HTTPProxyEnvironment(https: nil, http: nil, directHosts: [])

    package init(https: Setting?, http: Setting?, directHosts: [String]) {
        self.https = https
        self.http = http
        self.directHosts = directHosts
    }

    /// The proxies `environment` names.
    package init(environment: [String: String]) {
        func value(_ names: String...) -> (name: String, value: String)? {
            for name in names {
                if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                    return (name, value)
                }
            }
            return nil
        }
        let all = value("all_proxy", "ALL_PROXY")
        https = (value("https_proxy", "HTTPS_PROXY") ?? all).map { Self.setting(variable: $0.name, value: $0.value) }
        http = (value("http_proxy") ?? all).map { Self.setting(variable: $0.name, value: $0.value) }
        directHosts = (value("no_proxy", "NO_PROXY")?.value ?? "").split(separator: ",").compactMap { entry in
            var host = entry.trimmingCharacters(in: .whitespaces).lowercased()
            if host.hasPrefix("[") {
                // [::1]:8080 → ::1
                host = String(host.dropFirst().prefix { $0 != "]" })
            } else if host.filter({ $0 == ":" }).count == 1 {
                host = String(host.prefix { $0 != ":" })
            }
            while host.hasPrefix(".") { host.removeFirst() }
            return host.isEmpty ? nil : host
        }
    }

    /// The proxy for a request to `url`, or `nil` when it goes directly.
    package func setting(for url: URL) -> Setting? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        if CredentialDestinationRule.isLoopback(host) || bypasses(host) { return nil }
        return scheme == "https" ? https : scheme == "http" ? http : nil
    }

    /// Whether `no_proxy` sends requests to `host` directly.
    func bypasses(_ host: String) -> Bool {
        var host = host
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return directHosts.contains { entry in
            entry == "*" || host == entry || (!Self.isAddress(entry) && host.hasSuffix("." + entry))
        }
    }

    private static func isAddress(_ text: String) -> Bool {
        text.contains(":") || text.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// `value` of `variable` read as a proxy.
    static func setting(variable: String, value: String) -> Setting {
        var text = value
        var scheme = "http"
        if let range = text.range(of: "://") {
            scheme = text[..<range.lowerBound].lowercased()
            text = String(text[range.upperBound...])
        }
        // Only the authority matters: a path (`http://proxy:3128/`) is ignored, as curl does.
        text = String(text.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        var user: String?
        var password: String?
        if let at = text.lastIndex(of: "@") {
            let info = text[..<at]
            text = String(text[text.index(after: at)...])
            let parts = info.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            user = parts.first.map { String($0).removingPercentEncoding ?? String($0) }
            password = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : nil
        }
        let host: String
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .unusable(variable: variable, reason: "its IPv6 address has no closing ]")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { portText = rest.dropFirst() }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { return .unusable(variable: variable, reason: "it names no host") }
        var port = 1080
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                return .unusable(variable: variable, reason: "\"\(portText)\" is not a port")
            }
            port = number
        }
        switch scheme {
        case "http":
            return .http(host: host, port: port, user: user, password: password)
        case "socks5", "socks5h":
            guard user == nil else {
                return .unusable(variable: variable, reason: "a SOCKS proxy with a user and password is not supported")
            }
            return .socks(host: host, port: port)
        case "https":
            return .unusable(
                variable: variable, reason: "a proxy spoken to over TLS (https://) is not supported; use http://")
        default:
            return .unusable(variable: variable, reason: "\(scheme):// proxies are not supported (http, socks5)")
        }
    }
}

extension HTTPProxyEnvironment.Setting {
    /// `host:port` for messages and debug lines; never the user or password.
    package var summary: String {
        switch self {
        case .http(let host, let port, _, _): "\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .socks(let host, let port): "socks5 \(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .unusable(let variable, _): "\(variable) (unusable)"
        }
    }
}
