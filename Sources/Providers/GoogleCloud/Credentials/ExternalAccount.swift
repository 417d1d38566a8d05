import Foundation

/// An `external_account` credentials file (workload identity federation), as google-auth reads it
/// (google/auth/external_account.py `from_info`, google/auth/identity_pool.py):
///
/// ```json
/// {"type": "external_account", "audience": "//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X",
///  "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
///  "token_url": "https://sts.googleapis.com/v1/token",
///  "credential_source": {"file": "/var/run/token", "format": {"type": "text"}},
///  "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/SA:generateAccessToken",
///  "service_account_impersonation": {"token_lifetime_seconds": 3600}}
/// ```
///
/// The subject token comes from `credential_source.file` or `credential_source.url` (GET with
/// `credential_source.headers`), as text or as JSON with `format.subject_token_field_name`. AWS,
/// executable and certificate sources are not supported: they are refused with that said.
struct ExternalAccount: Sendable {
    enum SubjectSource: Sendable {
        case file(String)
        case url(String, headers: [String: String])
    }

    var audience: String
    var subjectTokenType: String
    /// The STS endpoint (`https://sts.googleapis.com/v1/token` when the file names none).
    var tokenURL: String
    var subject: SubjectSource
    /// The JSON field holding the subject token; `nil` for the text format.
    var subjectTokenField: String?
    var clientID: String?
    var clientSecret: String?
    var workforcePoolUserProject: String?
    /// The whole `generateAccessToken` URL, used as it is (external_account.py passes it as
    /// `iam_endpoint_override`).
    var impersonationURL: String?
    var impersonationLifetime: Int

    static let defaultTokenURL = "https://sts.googleapis.com/v1/token"

    init(json: [String: Any], origin: String) throws(AccessTokenError) {
        guard let audience = json["audience"] as? String, !audience.isEmpty else {
            throw AccessTokenError("\(origin): an external_account file needs an audience")
        }
        guard let tokenType = json["subject_token_type"] as? String, !tokenType.isEmpty else {
            throw AccessTokenError("\(origin): an external_account file needs a subject_token_type")
        }
        guard let source = json["credential_source"] as? [String: Any] else {
            throw AccessTokenError("\(origin): an external_account file needs a credential_source")
        }
        if let environmentID = source["environment_id"] as? String, environmentID.lowercased().hasPrefix("aws") {
            throw AccessTokenError(
                "\(origin): AWS credential sources are not supported by launchwatch; give it a token file, or "
                    + "run `gcloud auth print-access-token` through the vertex-gcloud provider")
        }
        let file = source["file"] as? String
        let url = source["url"] as? String
        switch (file, url) {
        case (let file?, nil): subject = .file(file)
        case (nil, let url?): subject = .url(url, headers: (source["headers"] as? [String: String]) ?? [:])
        case (.some, .some):
            throw AccessTokenError(
                "\(origin): Ambiguous credential_source. 'file', 'url', and 'certificate' are mutually exclusive.")
        case (nil, nil):
            let kind = source["executable"] != nil ? "executable" : source["certificate"] != nil ? "certificate" : nil
            throw AccessTokenError(
                kind.map { "\(origin): \($0) credential sources are not supported by launchwatch; use a file or url" }
                    ?? "\(origin): Missing credential_source. A 'file', 'url', or 'certificate' must be provided.")
        }
        let format = source["format"] as? [String: Any] ?? [:]
        switch (format["type"] as? String) ?? "text" {
        case "text": subjectTokenField = nil
        case "json":
            guard let field = format["subject_token_field_name"] as? String, !field.isEmpty else {
                throw AccessTokenError(
                    "\(origin): Missing subject_token_field_name for JSON credential_source format")
            }
            subjectTokenField = field
        case let other:
            throw AccessTokenError("\(origin): Invalid credential_source format '\(other)'")
        }
        self.audience = audience
        subjectTokenType = tokenType
        tokenURL = (json["token_url"] as? String) ?? Self.defaultTokenURL
        clientID = json["client_id"] as? String
        clientSecret = json["client_secret"] as? String
        workforcePoolUserProject = json["workforce_pool_user_project"] as? String
        impersonationURL = json["service_account_impersonation_url"] as? String
        if let url = impersonationURL, Self.principal(of: url) == nil {
            throw AccessTokenError(
                "\(origin): Unable to determine target principal from service account impersonation URL.")
        }
        let options = json["service_account_impersonation"] as? [String: Any]
        impersonationLifetime = (options?["token_lifetime_seconds"] as? NSNumber)?.intValue ?? 3600
    }

    /// The service account in a `.../serviceAccounts/SA:generateAccessToken` URL
    /// (impersonated_credentials.py: between the last `/` and `:generateAccessToken`).
    static func principal(of url: String) -> String? {
        guard let end = url.range(of: ":generateAccessToken"),
            let slash = url[..<end.lowerBound].lastIndex(of: "/")
        else { return nil }
        let principal = String(url[url.index(after: slash)..<end.lowerBound])
        return principal.isEmpty ? nil : principal
    }
}
