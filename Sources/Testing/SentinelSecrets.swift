/// Secrets that tests hand to the code under test, so that a check can prove none of them is ever
/// written: an API key, an access token, a private key and a refresh token, each distinctive enough
/// that finding it in output can only mean it leaked.
public enum SentinelSecrets {
    /// By the environment variable that carries each; the last two are not read by launchwatch but
    /// sit in its environment for the taking.
    public static let environment: [String: String] = [
        "WANDB_API_KEY": "sentinelWandbApiKey7f3a9c1e8d42b6a0b1c2d3e4f5",
        "GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.sentinelAccessToken55aa9b1c",
        "LAUNCHWATCH_SENTINEL_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----MIIEsentinelPrivateKey0c4f",
        "LAUNCHWATCH_SENTINEL_REFRESH_TOKEN": "1//sentinelRefreshToken3e2d",
    ]

    /// The sentinels found in `text`, by variable name; empty when none leaked.
    public static func leaks(in text: String) -> [String] {
        environment.filter { text.contains($0.value) }.map(\.key).sorted()
    }
}
