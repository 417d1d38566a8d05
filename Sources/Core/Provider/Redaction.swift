// Full Foundation, not FoundationEssentials: replacingOccurrences(of:with:) is not in FoundationEssentials.
import Foundation

/// How secrets are kept out of debug output: the values of `Authorization`, `Proxy-Authorization`,
/// `Cookie` and any header naming a key, token, secret or password are replaced; so are a URL's user
/// info and the values of query parameters that carry credentials (`key`, `api_key`,
/// `access_token`, `token`, `password`, `signature`...; not `pageToken`, which is a cursor). Bodies
/// are never written (a token request's body is a credential).
public enum Redaction {
    public static let mark = "[REDACTED]"

    public static func url(_ url: URL?) -> String {
        guard let url, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return "(no URL)"
        }
        // A placeholder that percent-encoding leaves alone, swapped for the mark at the end.
        let placeholder = "LAUNCHWATCHREDACTED"
        if components.user != nil || components.password != nil {
            components.user = placeholder
            components.password = nil
        }
        components.queryItems = components.queryItems?.map { item in
            secretParameters.contains(item.name.lowercased()) ? URLQueryItem(name: item.name, value: placeholder) : item
        }
        return (components.string ?? "(a URL)").replacingOccurrences(of: placeholder, with: mark)
    }

    /// A request's headers as ` [Name: value, …]`, sorted by name, secrets redacted.
    public static func headers(_ fields: [(name: String, value: String)]) -> String {
        guard !fields.isEmpty else { return "" }
        let shown = fields.sorted { $0.name.lowercased() < $1.name.lowercased() }.map { name, value in
            "\(name): \(isSecretHeader(name) ? mark : value)"
        }
        return " [" + shown.joined(separator: ", ") + "]"
    }

    static let secretParameters: Set<String> = [
        "key", "api_key", "apikey", "access_token", "token", "id_token", "refresh_token", "password", "secret",
        "client_secret", "signature", "sig", "x-goog-signature", "assertion", "code",
    ]

    static func isSecretHeader(_ name: String) -> Bool {
        let name = name.lowercased()
        if ["authorization", "proxy-authorization", "cookie", "set-cookie"].contains(name) { return true }
        return ["key", "token", "secret", "password", "credential"].contains { name.contains($0) }
    }
}
