import Foundation
import LaunchWatchCore

/// Where Google credentials — access tokens, refresh tokens, signed assertions, impersonation and
/// STS requests — may be sent (see `CredentialDestinationRule` for the rule itself):
/// - https `*.googleapis.com` (`oauth2`, `sts`, `iamcredentials` and every API);
/// - the metadata server (`metadata.google.internal`, `169.254.169.254`), over http as it speaks;
/// - loopback;
/// - hosts the user's own environment names: `CLOUDSDK_API_ENDPOINT_OVERRIDES_*` (https), and
///   `GCE_METADATA_HOST`, `GCE_METADATA_ROOT`, `GCE_METADATA_IP` (the metadata server, over http);
/// - hosts the user's own credential file names — `GOOGLE_APPLICATION_CREDENTIALS` or gcloud's
///   application-default credentials: its `token_uri`, `token_url`,
///   `service_account_impersonation_url` (https), and `credential_source.url` (where the subject
///   token is fetched, over http as well: an identity provider's local endpoint). A key file named
///   by the pipeline (`serviceAccountKeyFile`) is shared content and extends nothing;
/// - hosts allowed for the run (`--allow-host`, `LAUNCHWATCH_ALLOW_HOSTS`).
public enum GoogleCredentialDestinations {
    /// The config fields of the Google kinds that name a destination.
    public static let fields = ["endpoint", "credentials.tokenEndpoint", "credentials.metadataHost"]

    public static let summary =
        "Google credentials go only to https *.googleapis.com, the metadata server, loopback, hosts your own "
        + "environment or credential files name (CLOUDSDK_API_ENDPOINT_OVERRIDES_*, GCE_METADATA_HOST, token_uri), "
        + "or hosts allowed with --allow-host HOST / \(CredentialDestinationRule.allowHostsVariable); "
        + "plain http only to loopback and the metadata server. validate and run refuse any other endpoint, "
        + "tokenEndpoint or metadataHost (exit 65)."

    /// The metadata server's own names, as google-auth knows them
    /// (google/auth/compute_engine/_metadata.py: `_GCE_DEFAULT_HOST`, `_GCE_DEFAULT_MDS_IP`).
    public static let metadataHosts = ["metadata.google.internal", "169.254.169.254"]

    /// The rule for an environment: what `environment` and the user's credential files name.
    public static func rule(environment: [String: String]) -> CredentialDestinationRule {
        var trusted = ["*.googleapis.com"]
        var plain = metadataHosts
        for (name, value) in environment where name.hasPrefix("CLOUDSDK_API_ENDPOINT_OVERRIDES_") {
            if let host = CredentialDestinationRule.host(of: value)?.host { trusted.append(host) }
        }
        for name in ["GCE_METADATA_HOST", "GCE_METADATA_ROOT", "GCE_METADATA_IP"] {
            if let value = environment[name], let host = CredentialDestinationRule.host(of: value)?.host {
                plain.append(host)
            }
        }
        for file in userCredentialFiles(environment) {
            guard let data = try? Data(contentsOf: file),
                let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            else { continue }
            for key in ["token_uri", "token_url", "service_account_impersonation_url"] {
                if let text = json[key] as? String, let host = CredentialDestinationRule.host(of: text)?.host {
                    trusted.append(host)
                }
            }
            if let source = json["credential_source"] as? [String: Any], let text = source["url"] as? String,
                let host = CredentialDestinationRule.host(of: text)?.host
            {
                plain.append(host)
            }
        }
        return CredentialDestinationRule(
            credential: "Google credentials", trustedHosts: unique(trusted), plainHTTPHosts: unique(plain))
    }

    /// The credential files that are the user's own: `GOOGLE_APPLICATION_CREDENTIALS` and gcloud's
    /// application-default credentials file. A relative `GOOGLE_APPLICATION_CREDENTIALS` is relative
    /// to the working directory, as for `AccessTokenSource` and google-auth.
    static func userCredentialFiles(_ environment: [String: String]) -> [URL] {
        var files: [URL] = []
        if let path = environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty {
            files.append(URL(fileURLWithPath: path))
        }
        if let adc = AccessTokenSource.applicationDefaultFile(environment) { files.append(adc) }
        return files
    }

    /// The refusals for a Google provider's `endpoint` (the final one, defaults included) and
    /// `credentials`.
    public static func refusals(
        endpoint: String?, credentials: GoogleCredentials?, environment: [String: String]
    ) -> [CredentialRefusal] {
        let rule = rule(environment: environment)
        var refusals: [CredentialRefusal] = []
        let checks: [(JSONPath, String?)] = [
            (JSONPath([.key("endpoint")]), endpoint),
            (JSONPath([.key("credentials"), .key("tokenEndpoint")]), credentials?.tokenEndpoint),
            (JSONPath([.key("credentials"), .key("metadataHost")]), credentials?.metadataHost),
        ]
        for case (let field, let value?) in checks {
            if let why = rule.refusal(value, environment: environment) {
                refusals.append(CredentialRefusal(field: field, message: why))
            }
        }
        return refusals
    }

    private static func unique(_ hosts: [String]) -> [String] {
        var seen = Set<String>()
        return hosts.map { $0.lowercased() }.filter { seen.insert($0).inserted }
    }
}
