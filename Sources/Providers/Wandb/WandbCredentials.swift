import Foundation
import LaunchWatchCore
import Logging

/// The W&B server and API key, found where wandb's own tools find them, and where the key may go.
///
/// - **Server**: the config's `baseURL`, else `WANDB_BASE_URL`, else `base_url` in the `[default]`
///   section of wandb's settings file (`$WANDB_CONFIG_DIR/settings`, else `~/.config/wandb/settings`:
///   wandb/sdk/wandb_setup.py, wandb/sdk/lib/settings_file.py), which `wandb login --host URL`
///   writes, else `https://api.wandb.ai`.
/// - **Key**: `WANDB_API_KEY`, else the netrc entry (`$NETRC`, else `~/.netrc`) for the server's
///   `host:port` — what `wandb login` writes (wandb/sdk/lib/wbauth/wbnetrc.py `write_netrc_auth`
///   uses the URL's netloc) — then for the bare host, then the file's `default` entry (Python's
///   `netrc.authenticators` falls back to it).
/// - **Key format**: wandb refuses a key whose secret part (after an on-prem `prefix-`) is shorter
///   than 40 characters or not letters, digits and underscores, with the same words
///   (wandb/sdk/lib/wbauth/validation.py `check_api_key`; for `WANDB_API_KEY` prefixed as
///   authenticate.py words it: "WANDB_API_KEY invalid: ...").
/// - **Where the key may go**: `api.wandb.ai`, the host of `WANDB_BASE_URL` or of the settings'
///   `base_url`, a host whose own netrc `machine` entry holds the key being sent, loopback, or a
///   host allowed for the run (`--allow-host`, `LAUNCHWATCH_ALLOW_HOSTS`); https only, except on
///   loopback. A pipeline's `baseURL` elsewhere is refused before any connection.
public struct WandbCredentials: Sendable {
    /// The API's base URL, without a trailing `/`.
    public var baseURL: URL
    /// `Basic base64(api:KEY)`.
    var authorization: String
    /// Where the key came from, for messages: `WANDB_API_KEY`, `/home/me/.netrc (machine host:port)`.
    public var keySource: String

    static let defaultBaseURL = "https://api.wandb.ai"

    public static let summary =
        "The W&B API key goes only to api.wandb.ai, the host of WANDB_BASE_URL or of wandb's settings base_url, "
        + "a host whose own ~/.netrc entry holds the key, loopback, or hosts allowed with --allow-host HOST / "
        + "\(CredentialDestinationRule.allowHostsVariable); plain http only to loopback. validate and run refuse "
        + "any other baseURL (exit 65)."

    /// Finds the server and the key and checks that the key may go there.
    public static func resolve(
        baseURL configured: String?, environment: [String: String], logger: Logger = DebugLogHandler.disabled
    ) throws(ProviderError) -> WandbCredentials {
        let text = baseURLText(configured: configured, environment: environment)
        guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text), let host = url.host,
            ["http", "https"].contains(url.scheme ?? "")
        else { throw ProviderError(code: .badConfig, message: "baseURL \"\(text)\" is not an http(s) URL") }
        let netloc = url.port.map { "\(host):\($0)" } ?? host
        guard let (key, source) = apiKey(for: url, environment: environment) else {
            throw ProviderError(
                code: .credentials,
                message: "no W&B API key: set WANDB_API_KEY or run `wandb login` (it writes ~/.netrc for \(netloc))")
        }
        if let problem = problems(with: key) {
            let prefix = source == "WANDB_API_KEY" ? "WANDB_API_KEY invalid" : "\(source) invalid"
            throw ProviderError(code: .credentials, message: "\(prefix): \(problem)")
        }
        if let why = rule(environment: environment, key: key).sendRefusal(url, environment: environment) {
            throw ProviderError(code: .credentialsRefused, message: why)
        }
        logger.debug("W&B key from \(source), for \(url.absoluteString)", source: "credentials")
        return WandbCredentials(
            baseURL: url, authorization: "Basic " + Data("api:\(key)".utf8).base64EncodedString(), keySource: source)
    }

    /// A pipeline's `baseURL`, refused when the key must not go there.
    public static func refusals(baseURL configured: String?, environment: [String: String]) -> [CredentialRefusal] {
        guard let configured else { return [] }
        let key: String? =
            if let url = URL(string: configured), url.host != nil {
                apiKey(for: url, environment: environment, includingDefault: false)?.key
            } else {
                nil
            }
        guard let why = rule(environment: environment, key: key).refusal(configured, environment: environment) else {
            return []
        }
        return [CredentialRefusal(field: JSONPath([.key("baseURL")]), message: why)]
    }

    /// Where `key` may go in `environment`.
    static func rule(environment: [String: String], key: String?) -> CredentialDestinationRule {
        var trusted = ["api.wandb.ai"]
        for text in [environment["WANDB_BASE_URL"], settingsBaseURL(environment)] {
            if let text, let host = CredentialDestinationRule.host(of: text)?.host { trusted.append(host) }
        }
        if let key, let text = netrcText(environment) {
            for entry in Netrc.entries(text) where entry.password == key {
                if let machine = entry.machine, let host = CredentialDestinationRule.host(of: machine)?.host {
                    trusted.append(host)
                }
            }
        }
        return CredentialDestinationRule(credential: "the W&B API key", trustedHosts: trusted)
    }

    static func baseURLText(configured: String?, environment: [String: String]) -> String {
        if let configured { return configured }
        if let text = environment["WANDB_BASE_URL"], !text.isEmpty { return text }
        return settingsBaseURL(environment) ?? defaultBaseURL
    }

    /// `base_url` in the `[default]` section of wandb's settings file.
    static func settingsBaseURL(_ environment: [String: String]) -> String? {
        let file: URL
        if let folder = environment["WANDB_CONFIG_DIR"], !folder.isEmpty {
            file = URL(fileURLWithPath: expand(folder, environment)).appendingPathComponent("settings")
        } else if let home = environment["HOME"] {
            file = URL(fileURLWithPath: home).appendingPathComponent(".config/wandb/settings")
        } else {
            return nil
        }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        var section: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == "default", let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                continue
            }
            let name = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            if name == "base_url", !value.isEmpty { return value }
        }
        return nil
    }

    /// `WANDB_API_KEY`, else the netrc entry for `url`'s `host:port`, then its bare host, then (when
    /// `includingDefault`) the `default` entry; with where it came from.
    static func apiKey(for url: URL, environment: [String: String], includingDefault: Bool = true) -> (
        key: String, source: String
    )? {
        if let key = environment["WANDB_API_KEY"], !key.isEmpty { return (key, "WANDB_API_KEY") }
        guard let host = url.host, let path = netrcPath(environment), let text = netrcText(environment) else {
            return nil
        }
        let entries = Netrc.entries(text)
        var machines = [host]
        if let port = url.port { machines.insert("\(host):\(port)", at: 0) }
        for machine in machines {
            if let entry = entries.first(where: { $0.machine == machine }), let password = entry.password {
                return (password, "\(path) (machine \(machine))")
            }
        }
        if includingDefault, let entry = entries.first(where: { $0.machine == nil }), let password = entry.password {
            return (password, "\(path) (default entry)")
        }
        return nil
    }

    static func netrcPath(_ environment: [String: String]) -> String? {
        if let path = environment["NETRC"], !path.isEmpty { return expand(path, environment) }
        return environment["HOME"].map { $0 + "/.netrc" }
    }

    static func netrcText(_ environment: [String: String]) -> String? {
        netrcPath(environment).flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
    }

    private static func expand(_ path: String, _ environment: [String: String]) -> String {
        guard path.hasPrefix("~/"), let home = environment["HOME"] else { return path }
        return home + path.dropFirst(1)
    }

    /// wandb's `check_api_key`: `nil` when the key's format is good, else wandb's own sentence.
    static func problems(with key: String) -> String? {
        if key.isEmpty { return "API key is empty." }
        let segments = key.split(separator: ".", omittingEmptySubsequences: false)
        let wordCharacter: (Character) -> Bool = { $0 == "_" || $0 == "-" || $0.isLetter || $0.isNumber }
        // Internal client JWTs (three base64url segments) bypass the rule.
        if segments.count == 3, segments.allSatisfy({ !$0.isEmpty && $0.allSatisfy(wordCharacter) }) { return nil }
        let secret = key.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).last ?? ""
        guard !secret.isEmpty, secret.allSatisfy(wordCharacter) else {
            return "API key may only contain the letters A-Z, digits and underscores."
        }
        if secret.count < 40 { return "API key must have 40+ characters, has \(secret.count)." }
        return nil
    }
}
