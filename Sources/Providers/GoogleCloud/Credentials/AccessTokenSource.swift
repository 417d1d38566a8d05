import Foundation
import LaunchWatchCore
import Logging

/// Finds Google credentials the way Google's own tools do, and hands out cached access tokens.
///
/// The first source that applies is used, in this order (google-auth's `default()` in
/// google/auth/_default.py tries 3, 4 and 5 in the same order; 1 and 2 are launchwatch's own, 6 is
/// gcloud's):
/// 1. the config's `credentials.accessTokenFile`, then `credentials.serviceAccountKeyFile`;
/// 2. `GOOGLE_OAUTH_ACCESS_TOKEN` (as Terraform's Google provider reads it);
/// 3. `GOOGLE_APPLICATION_CREDENTIALS`: a credentials file of any type below;
/// 4. gcloud's application-default credentials file (`$CLOUDSDK_CONFIG` or
///    `~/.config/gcloud/application_default_credentials.json`), of any type below;
/// 5. the metadata server, when it answers a ping with `Metadata-Flavor: Google`, or when the DMI
///    product name says this is a Google VM (google-auth's fallback when the ping fails);
///    `NO_GCE_CHECK=true` skips it;
/// 6. `gcloud auth print-access-token`.
///
/// Credential file types (google/auth/_default.py `_load_credentials_from_info`): `service_account`
/// (RS256 JWT-bearer grant), `authorized_user` (refresh-token grant), `impersonated_service_account`
/// (its source credentials, then IAM Credentials `generateAccessToken`) and `external_account`
/// (workload identity federation: a subject token from a file or URL, an STS token exchange, and
/// optionally `generateAccessToken`). The file's `quota_project_id` — or `GOOGLE_CLOUD_QUOTA_PROJECT`,
/// which wins as in google/auth/credentials.py `with_quota_project_from_environment` — is sent as
/// `x-goog-user-project` (`quotaProject`).
///
/// Every request that carries a credential is checked against `GoogleCredentialDestinations` when it
/// is sent, whatever checked the configuration before.
///
/// Tokens are cached and fetched again a minute before they expire, and at once after a 401
/// (`invalidate`). `sourceDescription` says which source is used — never the token.
public actor AccessTokenSource {
    indirect enum Source: Sendable {
        case file(URL)
        case fixed(String)
        case serviceAccount(ServiceAccountKey, tokenURI: String)
        case authorizedUser(clientID: String, clientSecret: String, refreshToken: String, tokenURI: String)
        /// `source`'s token exchanged at IAM Credentials for `principal`'s (`url` is the whole
        /// `generateAccessToken` URL).
        case impersonated(source: Source, url: String, delegates: [String]?, lifetime: Int)
        case externalAccount(ExternalAccount)
        case metadata(host: String)
        case gcloud(path: String)
    }

    public static let scope = "https://www.googleapis.com/auth/cloud-platform"

    let credentials: GoogleCredentials?
    let environment: [String: String]
    private let baseDirectory: URL
    let transport: HTTPTransport
    /// Where credentials may go: decided from the environment when the source is made.
    let destinations: CredentialDestinationRule
    private var source: Source?
    private var cached: (token: String, expiresAt: Date?)?
    /// When the cached token expires, if the source said (`launchwatch doctor` reports it).
    var cachedExpiry: Date? { cached?.expiresAt }
    /// Which source is used, for the user ("service-account key file keys/sa.json"); set once found.
    public private(set) var sourceDescription: String?
    /// The project billed for quota (`x-goog-user-project`), once the source is found; `nil` when none.
    public private(set) var quotaProject: String?

    public init(
        credentials: GoogleCredentials?, environment: [String: String], baseDirectory: URL, transport: HTTPTransport
    ) {
        self.credentials = credentials
        self.environment = environment
        self.baseDirectory = baseDirectory
        self.transport = transport
        destinations = GoogleCredentialDestinations.rule(environment: environment)
    }

    /// A valid access token.
    public func token() async throws(ProviderError) -> String {
        if let cached, cached.expiresAt.map({ $0.timeIntervalSinceNow > 60 }) ?? true { return cached.token }
        let source = try await resolveSource()
        do {
            let fresh = try await fetch(from: source)
            cached = fresh
            return fresh.token
        } catch {
            throw ProviderError(code: .credentials, message: "\(sourceDescription ?? "credentials"): \(error.message)")
        }
    }

    /// Forgets `token` after the service refused it (401), so the next `token()` fetches anew.
    public func invalidate(_ token: String) {
        if cached?.token == token { cached = nil }
    }

    /// Throws when a Google credential must not be sent to `url` (see `GoogleCredentialDestinations`).
    public func check(destination url: URL) throws(ProviderError) {
        if let why = destinations.sendRefusal(url, environment: environment) {
            throw ProviderError(code: .credentialsRefused, message: why)
        }
    }

    /// `url`, once checked: a credential may be sent there.
    func checked(_ text: String, what: String) throws(AccessTokenError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil
        else { throw AccessTokenError("\(what) \"\(text)\" is not an http(s) URL") }
        // The parsed URL is judged, not the text: it is what the request goes to.
        if let why = destinations.sendRefusal(url, environment: environment) {
            throw AccessTokenError("\(what): \(why)")
        }
        return url
    }

    private func resolveSource() async throws(ProviderError) -> Source {
        if let source { return source }
        do {
            let (found, description) = try await findSource()
            source = found
            sourceDescription = description
            if let project = environment["GOOGLE_CLOUD_QUOTA_PROJECT"], !project.isEmpty { quotaProject = project }
            transport.logger.debug(
                "using \(description)\(quotaProject.map { ", quota project \($0)" } ?? "")", source: "credentials")
            return found
        } catch {
            throw ProviderError(code: .credentials, message: error.message)
        }
    }

    private func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        if path.hasPrefix("~/"), let home = environment["HOME"] {
            return URL(fileURLWithPath: home).appendingPathComponent(String(path.dropFirst(2)))
        }
        return baseDirectory.appendingPathComponent(path)
    }

    /// gcloud's application-default credentials file, when `CLOUDSDK_CONFIG` or `HOME` names a
    /// folder for it (google/auth/_cloud_sdk.py `get_application_default_credentials_path`).
    static func applicationDefaultFile(_ environment: [String: String]) -> URL? {
        let folder =
            environment["CLOUDSDK_CONFIG"].map { URL(fileURLWithPath: $0) }
            ?? environment["HOME"].map { URL(fileURLWithPath: $0).appendingPathComponent(".config/gcloud") }
        return folder?.appendingPathComponent("application_default_credentials.json")
    }

    private func findSource() async throws(AccessTokenError) -> (Source, String) {
        if let file = credentials?.accessTokenFile {
            return (.file(resolve(file)), "access token file \(file)")
        }
        if let keyFile = credentials?.serviceAccountKeyFile {
            return try credentialFileSource(resolve(keyFile), origin: "service-account key file \(keyFile)")
        }
        if let token = environment["GOOGLE_OAUTH_ACCESS_TOKEN"], !token.isEmpty {
            return (.fixed(token), "GOOGLE_OAUTH_ACCESS_TOKEN")
        }
        if let path = environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty {
            // A path the environment gives is the user's, relative to where they run the command
            // (as google-auth opens it), not to the pipeline's folder; `GoogleCredentialDestinations`
            // reads the same file.
            return try credentialFileSource(
                URL(fileURLWithPath: path), origin: "GOOGLE_APPLICATION_CREDENTIALS (\(path))")
        }
        if let adc = Self.applicationDefaultFile(environment), FileManager.default.fileExists(atPath: adc.path) {
            return try credentialFileSource(adc, origin: "gcloud application-default credentials (\(adc.path))")
        }
        if environment["NO_GCE_CHECK"] != "true" {
            let host = metadataHost
            if await metadataAnswers() {
                return (.metadata(host: host), "metadata server \(host)")
            }
            if Self.isGoogleComputeEngine {
                return (.metadata(host: host), "metadata server \(host) (a Google VM by its DMI product name)")
            }
        }
        if let gcloud = Self.findExecutable("gcloud", path: environment["PATH"]) {
            return (.gcloud(path: gcloud), "gcloud auth print-access-token")
        }
        throw AccessTokenError(
            "no Google credentials found: set credentials.accessTokenFile or credentials.serviceAccountKeyFile in the "
                + "provider's config, GOOGLE_OAUTH_ACCESS_TOKEN, or GOOGLE_APPLICATION_CREDENTIALS, or run "
                + "`gcloud auth application-default login`")
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
        case .fixed(let token):
            return (token, nil)
        case .serviceAccount(let key, let tokenURI):
            // google-auth signs the constant audience and only POSTs to token_uri
            // (google/oauth2/service_account.py `_make_authorization_grant_assertion`).
            let assertion = try key.assertion(
                scope: Self.scope, audience: ServiceAccountKey.googleTokenURI, now: Date())
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
        case .impersonated(let inner, let url, let delegates, let lifetime):
            let base = try await fetch(from: inner)
            return try await generateAccessToken(url, bearer: base.token, delegates: delegates, lifetime: lifetime)
        case .externalAccount(let account):
            return try await exchange(account)
        case .metadata(let host):
            let base = host.hasPrefix("http") ? host : "http://\(host)"
            let url = try checked(
                base + "/computeMetadata/v1/instance/service-accounts/default/token", what: "the metadata server")
            var request = HTTPTransport.Request(url: url)
            request.setValue("Google", forHeader: "Metadata-Flavor")
            return try await oauthTokenResponse(
                request, what: "the metadata server", timeout: min(tokenTimeout, .seconds(5)))
        case .gcloud(let path):
            return try await Self.gcloudToken(path: path, environment: environment, timeout: tokenTimeout)
        }
    }

    /// `gcloud auth print-access-token`, through swift-subprocess and awaited: waiting for gcloud (a
    /// second or more) holds no thread of the cooperative pool, which the watch and its other providers
    /// share. It gets the token timeout like any token request; gcloud and its process group are killed
    /// when the timeout passes or the watch is cancelled, and it never prompts
    /// (`CLOUDSDK_CORE_DISABLE_PROMPTS`).
    private static func gcloudToken(path: String, environment: [String: String], timeout: Duration)
        async throws(AccessTokenError) -> (token: String, expiresAt: Date?)
    {
        var environment = environment
        // A prompt would wait for an answer that never comes.
        environment["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1"
        var process = ChildProcess(
            executable: path, arguments: ["auth", "print-access-token"], environment: environment, timeout: timeout)
        // A token is a few hundred bytes; a program that prints more is not answering the question.
        process.outputLimit = 64 << 10
        // A token request has nothing to save: gcloud gets no grace after SIGTERM.
        process.killGrace = .zero
        let output: ChildProcess.Output
        do {
            output = try await process.run()
        } catch {
            switch error {
            case .timedOut:
                throw AccessTokenError(
                    "`gcloud auth print-access-token` gave no token within \(DurationText.format(timeout))")
            case .cancelled:
                throw AccessTokenError("`gcloud auth print-access-token` was cancelled")
            case .notStarted:
                throw AccessTokenError("gcloud could not be started")
            case .tooMuchOutput:
                throw AccessTokenError("`gcloud auth print-access-token` printed more than a token")
            case .unreadable(let reason):
                throw AccessTokenError("`gcloud auth print-access-token`'s output could not be read: \(reason)")
            }
        }
        let token = String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !output.signalled, output.status == 0, !token.isEmpty else {
            let ended = output.signalled ? "signal \(output.status)" : "exit \(output.status)"
            throw AccessTokenError("`gcloud auth print-access-token` failed (\(ended))")
        }
        return (token, Date().addingTimeInterval(55 * 60))
    }

    static func findExecutable(_ name: String, path: String?) -> String? {
        (path ?? "").split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Records the quota project a credential file names, unless `GOOGLE_CLOUD_QUOTA_PROJECT` does.
    func noteQuotaProject(_ project: String?) {
        if let project, !project.isEmpty, quotaProject == nil { quotaProject = project }
    }
}
