import Foundation
import LaunchWatchCore

/// Reading credential files, by their `type`, as google/auth/_default.py
/// `_load_credentials_from_info` does.
extension AccessTokenSource {
    /// The IAM Credentials API; `CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS` replaces it, as it does
    /// for gcloud (google-auth always uses this host for an `impersonated_service_account` file: see
    /// google/auth/iam.py `_IAM_ENDPOINT` and impersonated_credentials.py `_make_iam_token_request`).
    static let iamCredentialsRoot = "https://iamcredentials.googleapis.com/"

    func credentialFileSource(_ url: URL, origin: String) throws(AccessTokenError) -> (Source, String) {
        let json = try Self.readJSON(url, origin: origin)
        switch json["type"] as? String {
        case "service_account", "authorized_user":
            let (source, kind) = try plainSource(json, origin: origin, overrideTokenURI: credentials?.tokenEndpoint)
            // google-auth reads quota_project_id from authorized_user files only
            // (google/oauth2/credentials.py `from_authorized_user_info`), not from service-account keys.
            if json["type"] as? String == "authorized_user" { noteQuotaProject(json["quota_project_id"] as? String) }
            return (source, "\(origin) (\(kind))")
        case "impersonated_service_account":
            return try impersonatedSource(json, origin: origin)
        case "external_account":
            let account = try ExternalAccount(json: json, origin: origin)
            noteQuotaProject(json["quota_project_id"] as? String)
            let target = account.impersonationURL.flatMap(ExternalAccount.principal(of:))
            return (
                .externalAccount(account),
                "\(origin) (external account\(target.map { ", impersonating \($0)" } ?? ""))"
            )
        case let other:
            throw AccessTokenError(
                "\(origin): unsupported credentials type \(other.map { "\"\($0)\"" } ?? "(none)"); launchwatch reads "
                    + "service_account, authorized_user, impersonated_service_account and external_account files")
        }
    }

    static func readJSON(_ url: URL, origin: String) throws(AccessTokenError) -> [String: Any] {
        guard let data = try? Data(contentsOf: url) else {
            throw AccessTokenError("\(origin): the file cannot be read")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AccessTokenError("\(origin): the file is not a JSON object")
        }
        return json
    }

    /// A `service_account` or `authorized_user` object (a file, or an impersonated file's
    /// `source_credentials`), and the words for it: the account's email or "authorized user".
    private func plainSource(_ json: [String: Any], origin: String, overrideTokenURI: String?) throws(AccessTokenError)
        -> (Source, String)
    {
        switch json["type"] as? String {
        case "service_account":
            let key = try ServiceAccountKey(json: json)
            return (.serviceAccount(key, tokenURI: overrideTokenURI ?? key.tokenURI), key.clientEmail)
        case "authorized_user":
            guard let clientID = json["client_id"] as? String, let secret = json["client_secret"] as? String,
                let refresh = json["refresh_token"] as? String
            else {
                throw AccessTokenError(
                    "\(origin): an authorized_user file needs client_id, client_secret and refresh_token")
            }
            let tokenURI = overrideTokenURI ?? (json["token_uri"] as? String) ?? ServiceAccountKey.googleTokenURI
            return (
                .authorizedUser(clientID: clientID, clientSecret: secret, refreshToken: refresh, tokenURI: tokenURI),
                "authorized user"
            )
        case let other:
            throw AccessTokenError(
                "\(origin): source_credentials of type \(other.map { "\"\($0)\"" } ?? "(none)") are not supported; "
                    + "use authorized_user or service_account")
        }
    }

    /// `gcloud auth application-default login --impersonate-service-account SA` writes
    /// `{"type": "impersonated_service_account", "service_account_impersonation_url": ".../SA:generateAccessToken",
    /// "source_credentials": {...}, "delegates": [...]}`; the principal is the URL's last segment
    /// before `:generateAccessToken` (impersonated_credentials.py
    /// `from_impersonated_service_account_info`).
    private func impersonatedSource(_ json: [String: Any], origin: String) throws(AccessTokenError) -> (
        Source, String
    ) {
        guard let url = json["service_account_impersonation_url"] as? String,
            let principal = ExternalAccount.principal(of: url)
        else {
            throw AccessTokenError(
                "\(origin): an impersonated_service_account file needs a service_account_impersonation_url ending in "
                    + "/SERVICE_ACCOUNT:generateAccessToken")
        }
        guard let sourceJSON = json["source_credentials"] as? [String: Any] else {
            throw AccessTokenError("\(origin): an impersonated_service_account file needs source_credentials")
        }
        let (inner, _) = try plainSource(sourceJSON, origin: origin, overrideTokenURI: credentials?.tokenEndpoint)
        // The file's quota project, not its source's (impersonated_credentials.py reads info["quota_project_id"]).
        noteQuotaProject(json["quota_project_id"] as? String)
        let root = environment["CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS"] ?? Self.iamCredentialsRoot
        let endpoint =
            (root.hasSuffix("/") ? root : root + "/") + "v1/projects/-/serviceAccounts/\(principal):generateAccessToken"
        let delegates = json["delegates"] as? [String]
        return (
            .impersonated(source: inner, url: endpoint, delegates: delegates, lifetime: 3600),
            "\(origin) (impersonating \(principal))"
        )
    }
}
