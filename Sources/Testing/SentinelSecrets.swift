/// Secrets that tests hand to the code under test, so that a check can prove none of them is ever
/// written: an API key, an access token, a private key, a refresh token, an OAuth client secret and a
/// workload-identity subject token, each distinctive enough
/// that finding it in output can only mean it leaked.
public enum SentinelSecrets {
    /// By the environment variable that carries each; the `LAUNCHWATCH_SENTINEL_*` ones are not read
    /// by launchwatch but sit in its environment for the taking (and tests put them in credential
    /// files).
    public static let environment: [String: String] = [
        "WANDB_API_KEY": "sentinelWandbApiKey7f3a9c1e8d42b6a0b1c2d3e4f5",
        "GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.sentinelAccessToken55aa9b1c",
        "LAUNCHWATCH_SENTINEL_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----MIIEsentinelPrivateKey0c4f",
        "LAUNCHWATCH_SENTINEL_REFRESH_TOKEN": "1//sentinelRefreshToken3e2d",
        "LAUNCHWATCH_SENTINEL_CLIENT_SECRET": "GOCSPX-sentinelClientSecret8b1f",
        "LAUNCHWATCH_SENTINEL_SUBJECT_TOKEN": "eyJsentinelSubjectToken.7a6c.d90e",
    ]

    /// The sentinels found in `text`, by variable name; empty when none leaked.
    public static func leaks(in text: String) -> [String] {
        environment.filter { text.contains($0.value) }.map(\.key).sorted()
    }
}
