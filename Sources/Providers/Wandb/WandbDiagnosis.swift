import Foundation
import LaunchWatchCore

/// The checks both W&B kinds make for `launchwatch doctor`: the API key (where it comes from), the
/// viewer (the key is valid: W&B answers 401 `user is not logged in` to a wrong one, and a null
/// viewer to none), then the kind's own names.
enum WandbDiagnosis {
    /// A client and the report on its key; no client when there is no key or the base URL is bad.
    static func client(baseURL: String?, timeout: String?, context: ProviderContext) -> (
        WandbAPIClient?, CredentialReport
    ) {
        let environment = context.environment
        // Where the key comes from, found as the client finds it (WANDB_API_KEY, netrc host:port, bare
        // host, default entry), for the server the client will talk to (settings base_url included).
        let server = URL(string: WandbCredentials.baseURLText(configured: baseURL, environment: environment))
        let source = server.flatMap { WandbCredentials.apiKey(for: $0, environment: environment)?.source }
        do {
            let limit = try DurationText.configured(timeout, field: "timeout", default: .seconds(10))
            let client = try WandbAPIClient(baseURL: baseURL, context: context, timeout: limit)
            return (client, CredentialReport(source: source, obtained: true))
        } catch {
            return (nil, CredentialReport(source: source, obtained: false, problem: error.message))
        }
    }

    /// Runs `query` and times it: the data, or the check that failed.
    static func timed(
        _ client: WandbAPIClient, _ name: String, target: String, _ query: String, _ variables: [(String, JSONValue)]
    ) async -> (JSONValue?, DiagnosisCheck) {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let data = try await client.query(query, variables: variables)
            return (data, DiagnosisCheck(name, target: target, outcome: .passed, latency: clock.now - started))
        } catch {
            let status = error.code.httpStatus
            return (
                nil,
                DiagnosisCheck(
                    name, target: target, outcome: .failed, latency: clock.now - started, httpStatus: status,
                    message: error.message)
            )
        }
    }

    /// `viewer { id username entity }`: passes when W&B knows the key's user.
    static func viewer(_ client: WandbAPIClient, keySource: String?) async -> DiagnosisCheck {
        let host = client.baseURL.absoluteString
        var (data, check) = await timed(
            client, "viewer", target: host, "query Viewer { viewer { id username entity } }", [])
        let source = keySource ?? "the API key"
        if check.outcome == .failed {
            if check.httpStatus == 401 {
                let login = "wandb login --relogin" + (client.baseURL.host == "api.wandb.ai" ? "" : " --host \(host)")
                check.message =
                    "W&B refused the API key from \(source) (\(check.message ?? "HTTP 401")): check the key, or run "
                    + "`\(login)`"
            }
            return check
        }
        guard case .object? = data?["viewer"] else {
            check.outcome = .failed
            check.message = "W&B does not know the API key from \(source) (viewer is null)"
            return check
        }
        if case .string(let user)? = data?["viewer"]?["username"] { check.message = "as \(user)" }
        return check
    }
}
