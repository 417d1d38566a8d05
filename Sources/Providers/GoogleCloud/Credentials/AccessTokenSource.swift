import Foundation
import LaunchWatchCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Why no access token could be had. Its message never contains a secret.
struct AccessTokenError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Finds Google credentials the way Google's own tools do, and hands out cached access tokens.
///
/// The first source that applies is used, in this order:
/// 1. the config's `credentials.accessTokenFile`, then `credentials.serviceAccountKeyFile`;
/// 2. `GOOGLE_OAUTH_ACCESS_TOKEN` (as Terraform's Google provider reads it);
/// 3. `GOOGLE_APPLICATION_CREDENTIALS`: a service-account key (RS256 JWT-bearer grant) or an
///    `authorized_user` file (refresh-token grant);
/// 4. gcloud's application-default credentials file (`$CLOUDSDK_CONFIG` or
///    `~/.config/gcloud/application_default_credentials.json`);
/// 5. the metadata server, when `GCE_METADATA_HOST` (or `credentials.metadataHost`) names one or
///    this machine is a Google Compute Engine VM;
/// 6. `gcloud auth print-access-token`.
///
/// Tokens are cached and fetched again a minute before they expire, and at once after a 401
/// (`invalidate`). `sourceDescription` says which source is used — never the token.
public actor AccessTokenSource {
    private enum Source: Sendable {
        case file(URL)
        case fixed(String, origin: String)
        case serviceAccount(ServiceAccountKey, tokenURI: String)
        case authorizedUser(clientID: String, clientSecret: String, refreshToken: String, tokenURI: String)
        case metadata(host: String)
        case gcloud(path: String)
    }

    public static let scope = "https://www.googleapis.com/auth/cloud-platform"

    private let credentials: GoogleCredentials?
    private let environment: [String: String]
    private let baseDirectory: URL
    private let transport: HTTPTransport
    private var source: Source?
    private var cached: (token: String, expiresAt: Date?)?
    /// When the cached token expires, if the source said (`launchwatch doctor` reports it).
    var cachedExpiry: Date? { cached?.expiresAt }
    /// Which source is used, for the user ("service-account key file keys/sa.json"); set once found.
    public private(set) var sourceDescription: String?

    public init(
        credentials: GoogleCredentials?, environment: [String: String], baseDirectory: URL, transport: HTTPTransport
    ) {
        self.credentials = credentials
        self.environment = environment
        self.baseDirectory = baseDirectory
        self.transport = transport
    }

    /// A valid access token.
    public func token() async throws(ProviderError) -> String {
        if let cached, cached.expiresAt.map({ $0.timeIntervalSinceNow > 60 }) ?? true { return cached.token }
        let source = try resolveSource()
        do {
            let fresh = try await fetch(from: source)
            cached = fresh
            return fresh.token
        } catch {
            throw ProviderError(code: "credentials", message: "\(sourceDescription ?? "credentials"): \(error.message)")
        }
    }

    /// Forgets `token` after the service refused it (401), so the next `token()` fetches anew.
    public func invalidate(_ token: String) {
        if cached?.token == token { cached = nil }
    }

    private func resolveSource() throws(ProviderError) -> Source {
        if let source { return source }
        do {
            let (found, description) = try findSource()
            source = found
            sourceDescription = description
            return found
        } catch {
            throw ProviderError(code: "credentials", message: error.message)
        }
    }

    private func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        if path.hasPrefix("~/"), let home = environment["HOME"] {
            return URL(fileURLWithPath: home).appendingPathComponent(String(path.dropFirst(2)))
        }
        return baseDirectory.appendingPathComponent(path)
    }

    private func findSource() throws(AccessTokenError) -> (Source, String) {
        if let file = credentials?.accessTokenFile {
            return (.file(resolve(file)), "access token file \(file)")
        }
        if let keyFile = credentials?.serviceAccountKeyFile {
            return try keyFileSource(resolve(keyFile), origin: "service-account key file \(keyFile)")
        }
        if let token = environment["GOOGLE_OAUTH_ACCESS_TOKEN"], !token.isEmpty {
            return (.fixed(token, origin: "GOOGLE_OAUTH_ACCESS_TOKEN"), "GOOGLE_OAUTH_ACCESS_TOKEN")
        }
        if let path = environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty {
            return try keyFileSource(resolve(path), origin: "GOOGLE_APPLICATION_CREDENTIALS (\(path))")
        }
        let configFolder =
            environment["CLOUDSDK_CONFIG"].map { URL(fileURLWithPath: $0) }
            ?? environment["HOME"].map { URL(fileURLWithPath: $0).appendingPathComponent(".config/gcloud") }
        if let adc = configFolder?.appendingPathComponent("application_default_credentials.json"),
            FileManager.default.fileExists(atPath: adc.path)
        {
            return try keyFileSource(adc, origin: "gcloud application-default credentials (\(adc.path))")
        }
        if let host = credentials?.metadataHost ?? environment["GCE_METADATA_HOST"], !host.isEmpty {
            return (.metadata(host: host), "metadata server \(host)")
        }
        if Self.isGoogleComputeEngine {
            return (.metadata(host: "metadata.google.internal"), "metadata server")
        }
        if let gcloud = Self.findExecutable("gcloud", path: environment["PATH"]) {
            return (.gcloud(path: gcloud), "gcloud auth print-access-token")
        }
        throw AccessTokenError(
            "no Google credentials found: set credentials.accessTokenFile or credentials.serviceAccountKeyFile in the "
                + "provider's config, GOOGLE_OAUTH_ACCESS_TOKEN, or GOOGLE_APPLICATION_CREDENTIALS, or run "
                + "`gcloud auth application-default login`")
    }

    private func keyFileSource(_ url: URL, origin: String) throws(AccessTokenError) -> (Source, String) {
        guard let data = try? Data(contentsOf: url) else {
            throw AccessTokenError("\(origin): the file cannot be read")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AccessTokenError("\(origin): the file is not a JSON object")
        }
        switch json["type"] as? String {
        case "service_account":
            let key = try ServiceAccountKey(json: json)
            return (
                .serviceAccount(key, tokenURI: credentials?.tokenEndpoint ?? key.tokenURI),
                "\(origin) (\(key.clientEmail))"
            )
        case "authorized_user":
            guard let clientID = json["client_id"] as? String, let secret = json["client_secret"] as? String,
                let refresh = json["refresh_token"] as? String
            else {
                throw AccessTokenError(
                    "\(origin): an authorized_user file needs client_id, client_secret and refresh_token")
            }
            let tokenURI =
                credentials?.tokenEndpoint ?? (json["token_uri"] as? String) ?? "https://oauth2.googleapis.com/token"
            return (
                .authorizedUser(clientID: clientID, clientSecret: secret, refreshToken: refresh, tokenURI: tokenURI),
                "\(origin) (authorized user)"
            )
        case let other:
            throw AccessTokenError("\(origin): unsupported credentials type \(other.map { "\"\($0)\"" } ?? "(none)")")
        }
    }

    private func fetch(from source: Source) async throws(AccessTokenError) -> (token: String, expiresAt: Date?) {
        switch source {
        case .file(let url):
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw AccessTokenError("the access token file cannot be read")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw AccessTokenError("the access token file is empty") }
            return (token, nil)
        case .fixed(let token, _):
            return (token, nil)
        case .serviceAccount(let key, let tokenURI):
            let assertion = try key.assertion(scope: Self.scope, audience: key.tokenURI, now: Date())
            return try await grant(
                tokenURI,
                form: ["grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion])
        case .authorizedUser(let clientID, let clientSecret, let refreshToken, let tokenURI):
            return try await grant(
                tokenURI,
                form: [
                    "grant_type": "refresh_token", "client_id": clientID, "client_secret": clientSecret,
                    "refresh_token": refreshToken,
                ])
        case .metadata(let host):
            let base = host.hasPrefix("http") ? host : "http://\(host)"
            guard let url = URL(string: base + "/computeMetadata/v1/instance/service-accounts/default/token") else {
                throw AccessTokenError("the metadata host \(host) is not a valid host")
            }
            var request = URLRequest(url: url)
            request.setValue("Google", forHTTPHeaderField: "Metadata-Flavor")
            return try await tokenResponse(request, what: "the metadata server", timeout: .seconds(5))
        case .gcloud(let path):
            return try await Self.gcloudToken(path: path, environment: environment)
        }
    }

    private func grant(_ tokenURI: String, form: [String: String]) async throws(AccessTokenError) -> (
        token: String, expiresAt: Date?
    ) {
        guard let url = URL(string: tokenURI) else { throw AccessTokenError("the token URI is not a URL") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        request.httpBody = Data(
            form.sorted { $0.key < $1.key }.map {
                "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
            }.joined(separator: "&").utf8)
        return try await tokenResponse(request, what: "the token endpoint", timeout: .seconds(10))
    }

    private func tokenResponse(_ request: URLRequest, what: String, timeout: Duration) async throws(AccessTokenError)
        -> (token: String, expiresAt: Date?)
    {
        let answer: HTTPTransport.Answer
        do {
            answer = try await transport.send(request, timeout: timeout)
        } catch {
            throw AccessTokenError("\(what) did not answer (\(error.summary))")
        }
        let status = answer.status
        let data = answer.body
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard status == 200, let token = json?["access_token"] as? String, !token.isEmpty else {
            let reason = (json?["error_description"] as? String) ?? (json?["error"] as? String) ?? "no access_token"
            throw AccessTokenError("\(what) refused: HTTP \(status): \(reason)")
        }
        let expiresIn = (json?["expires_in"] as? NSNumber)?.doubleValue ?? 3600
        return (token, Date().addingTimeInterval(expiresIn))
    }

    private static func gcloudToken(path: String, environment: [String: String]) async throws(AccessTokenError) -> (
        token: String, expiresAt: Date?
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["auth", "print-access-token"]
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw AccessTokenError("gcloud could not be started")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !token.isEmpty else {
            throw AccessTokenError("`gcloud auth print-access-token` failed (exit \(process.terminationStatus))")
        }
        return (token, Date().addingTimeInterval(55 * 60))
    }

    static var isGoogleComputeEngine: Bool {
        let name = (try? String(contentsOfFile: "/sys/class/dmi/id/product_name", encoding: .utf8)) ?? ""
        return name.contains("Google Compute Engine")
    }

    static func findExecutable(_ name: String, path: String?) -> String? {
        (path ?? "").split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
