// Full Foundation, not FoundationEssentials: removingPercentEncoding, range(of:) and trimmingCharacters(in:) are not in FoundationEssentials.
import Foundation

/// Which hosts one kind of credential may be sent to — the rule that keeps a shared pipeline file from
/// redirecting the credentials of whoever runs it.
///
/// A destination is accepted when it is
/// - on loopback (`localhost`, `127.0.0.0/8`, `::1`), over http or https: an emulator, a local proxy;
/// - an https URL on one of `trustedHosts` (`*.googleapis.com` matches any subdomain), which the
///   provider kind builds from the service's own hosts and the hosts the user's own environment and
///   credential files name;
/// - an https URL on a host allowed for the run (`--allow-host HOST`, or `LAUNCHWATCH_ALLOW_HOSTS`
///   with hosts separated by commas);
/// - a host in `plainHTTPHosts` (the metadata server, which speaks only http), over http or https.
///
/// Plain http anywhere else is refused, allowed or not: whoever is on the path would read the
/// credential. A host that comes from a fact (`${fact.NAME}`, something a server answered) is
/// refused too: only the people who run the pipeline decide where their credentials go. Names that
/// only *resolve* to loopback (`0.0.0.0`, `2130706433`, `127.1`, `[::ffff:127.0.0.1]`) are not
/// treated as loopback: refusing them is safe, accepting them would be a loophole.
public struct CredentialDestinationRule: Sendable, Hashable {
    /// What is sent, for messages: "Google credentials", "the W&B API key".
    public var credential: String
    /// Hosts that may receive the credential over https: exact names, or `*.suffix` for any subdomain.
    public var trustedHosts: [String]
    /// Hosts spoken to over plain http as well (the metadata server).
    public var plainHTTPHosts: [String]

    /// The environment variable listing the hosts allowed for a run, separated by commas; the
    /// runner's `--allow-host HOST` adds to it.
    public static let allowHostsVariable = "LAUNCHWATCH_ALLOW_HOSTS"

    public init(credential: String, trustedHosts: [String], plainHTTPHosts: [String] = []) {
        self.credential = credential
        self.trustedHosts = trustedHosts
        self.plainHTTPHosts = plainHTTPHosts
    }

    /// The hosts allowed for the run by `LAUNCHWATCH_ALLOW_HOSTS`, lowercased.
    public static func allowedHosts(_ environment: [String: String]) -> [String] {
        (environment[allowHostsVariable] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }.filter { !$0.isEmpty }
    }

    /// Whether `host` (as a URL gives it, IPv6 with or without brackets) names this machine's
    /// loopback interface.
    public static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber)
                && (Int(part) ?? 256) <= 255
        }
    }

    /// `host` matches `pattern`: equal ignoring case, or a subdomain of `*.suffix`.
    static func host(_ host: String, matches pattern: String) -> Bool {
        let host = host.lowercased()
        let pattern = pattern.lowercased()
        if pattern.hasPrefix("*.") { return host.hasSuffix(String(pattern.dropFirst())) }
        return host == pattern
    }

    /// The host of `text` when it is an http(s) URL, or a bare `host[:port]`, or `nil`.
    public static func host(of text: String) -> (scheme: String, host: String)? {
        let candidate = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: candidate), let scheme = url.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty
        else { return nil }
        return (scheme, host)
    }

    /// Why `destination` (a URL, or a bare `host:port` for a metadata server) must not receive the
    /// credential, with how to allow it; `nil` when it may. `environment` gives the hosts allowed
    /// for the run.
    ///
    /// The host is judged whenever the authority (between `://` and the path) holds no `${`: a
    /// reference in the path or query (`https://h/${fact.run}`, an escaped `$${x}`) does not change
    /// where the text goes. An authority holding an `${env.NAME}` or `${var.NAME}` reference is not
    /// judged: that happens only when validating without values (with values required the loader
    /// has filled those in), and the provider judges the filled-in text when it is made. Any other
    /// `${` in the authority — a fact, something a server answered, or an escaped `$${` — is refused.
    public func refusal(_ destination: String, environment: [String: String]) -> String? {
        let authority = Self.authority(of: destination)
        if authority.contains("${") {
            if Self.holdsOnlyValueReferences(authority) { return nil }
            return
                "\(credential) would go to a host taken from a fact or a template (\(authority)), not one the "
                + "pipeline names; name the host itself"
        }
        // References outside the authority are replaced, so that the rest still parses as a URL.
        let judged = Self.replacingReferences(in: destination)
        guard let (scheme, host) = Self.host(of: judged) else {
            // An http(s) URL whose host cannot be read cannot be judged: refused, not waved through.
            let lowered = destination.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { return nil }
            return "\(credential) would go to \(authority), which is not a host that can be checked; name a host"
        }
        return refusal(scheme: scheme, host: host, environment: environment)
    }

    /// Why a request about to be sent to `url` must not carry the credential; `nil` when it may.
    /// Unlike `refusal(_:environment:)` this fails closed: a URL whose host or path still holds a
    /// `${` reference (percent-encoded or not), that is not http(s), or that has no host is refused,
    /// since nothing can be left for later. The query is not looked at: it is data, not a place.
    public func sendRefusal(_ url: URL?, environment: [String: String]) -> String? {
        guard let url else { return "\(credential) would go to a URL that does not parse; nothing was sent" }
        let text = url.absoluteString
        // Where the request goes: the query is data (a filter may hold any text), not a place.
        var place = URLComponents(url: url, resolvingAgainstBaseURL: true)
        place?.query = nil
        place?.fragment = nil
        let judged = place?.string ?? text
        if judged.contains("${") || judged.removingPercentEncoding?.contains("${") == true {
            return "\(credential) would go to \(judged), which still holds a ${...} reference; nothing was sent"
        }
        guard let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = url.host,
            !host.isEmpty
        else { return "\(credential) would go to \(judged), which names no http(s) host; nothing was sent" }
        return refusal(scheme: scheme, host: host, environment: environment)
    }

    private func refusal(scheme: String, host: String, environment: [String: String]) -> String? {
        if Self.isLoopback(host) { return nil }
        if plainHTTPHosts.contains(where: { Self.host(host, matches: $0) }) { return nil }
        let allowed = Self.allowedHosts(environment)
        let trusted = trustedHosts.contains { Self.host(host, matches: $0) }
        let explicitlyAllowed = allowed.contains { Self.host(host, matches: $0) }
        if scheme == "http" {
            return
                "\(credential) would be sent in clear text over plain http to \(host); plain http is used only on "
                + "loopback (an emulator): use https"
                + (trusted || explicitlyAllowed ? "" : ", and allow the host with " + Self.howToAllow(host))
        }
        if trusted || explicitlyAllowed { return nil }
        return
            "\(credential) would go to \(host), which is not where they belong (\(trustedSummary)); "
            + "if you trust that host, allow it with "
            + Self.howToAllow(host)
    }

    /// The authority of `text` (`user@host:port`): after `scheme://` if any, up to the first `/`,
    /// `?` or `#`.
    static func authority(of text: String) -> String {
        var rest = Substring(text)
        if let range = text.range(of: "://") { rest = text[range.upperBound...] }
        return String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
    }

    /// Every `${` in `authority` opens an unescaped `${env.NAME}` or `${var.NAME}` reference.
    static func holdsOnlyValueReferences(_ authority: String) -> Bool {
        var rest = Substring(authority)
        while let open = rest.range(of: "${") {
            if open.lowerBound > rest.startIndex, rest[rest.index(before: open.lowerBound)] == "$" { return false }
            let after = rest[open.upperBound...]
            guard after.hasPrefix("env.") || after.hasPrefix("var.") else { return false }
            guard let close = after.firstIndex(of: "}") else { return false }
            rest = after[after.index(after: close)...]
        }
        return true
    }

    /// `text` with every `${...}` (and its escaping `$`) replaced by `x`.
    static func replacingReferences(in text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            var head = rest[..<open.lowerBound]
            if head.hasSuffix("$") { head = head.dropLast() }
            result += head + "x"
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: "}") else { return result }
            rest = after[after.index(after: close)...]
        }
        return result + rest
    }

    /// `--allow-host HOST (or LAUNCHWATCH_ALLOW_HOSTS=HOST)`.
    public static func howToAllow(_ host: String) -> String {
        "--allow-host \(host) (or \(allowHostsVariable)=\(host))"
    }

    private var trustedSummary: String {
        let named = trustedHosts.prefix(6).joined(separator: ", ")
        return "\(named)\(trustedHosts.count > 6 ? ", ..." : ""), loopback"
    }
}
