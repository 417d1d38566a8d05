import Foundation
import LaunchWatchCore
import Testing

@Suite("where a credential may go")
struct CredentialDestinationRuleTests {
    static let rule = CredentialDestinationRule(
        credential: "the key", trustedHosts: ["*.googleapis.com", "api.wandb.ai"], plainHTTPHosts: ["169.254.169.254"])

    @Test(
        "accepted: loopback over http or https, trusted hosts and their subdomains over https, plain-http hosts",
        arguments: [
            "http://127.0.0.1:8080/x", "https://localhost", "http://[::1]:9000", "http://127.200.3.4", "127.0.0.1:9",
            "https://oauth2.googleapis.com/token", "https://us-central1-aiplatform.googleapis.com",
            "https://API.WANDB.AI/graphql", "http://169.254.169.254/computeMetadata/v1/", "169.254.169.254",
            "${env.BASE}/x", "https://${var.host}", "https://oauth2.googleapis.com/${fact.x}/token",
            "http://127.0.0.1:9/$${literal}",
        ])
    func accepted(_ destination: String) {
        #expect(Self.rule.refusal(destination, environment: [:]) == nil)
    }

    @Test(
        "refused: other hosts, plain http off loopback, names that only resolve to loopback, hosts from facts",
        arguments: [
            "https://collector.example", "http://oauth2.googleapis.com/token", "https://googleapis.com.evil.example",
            "https://evilgoogleapis.com", "http://0.0.0.0:8080", "http://127.1:8080", "http://2130706433",
            "http://[::ffff:127.0.0.1]:80", "https://localhost.evil.example", "collector.example:80",
            "https://${fact.run_id}.example.com", "https://api.wandb.ai@evil.example",
            // A reference outside the authority does not change the host, which is judged.
            "https://collector.example/${fact.run_id}", "https://collector.example/$${x}",
            "https://collector.example/${env.PATH_PART}/x", "http://collector.example?q=${var.q}",
            "collector.example:80/${fact.x}", "https://$${env.HOST}/", "https://a.googleapis.com$${x}.evil.example",
        ])
    func refused(_ destination: String) {
        #expect(Self.rule.refusal(destination, environment: [:]) != nil, "\(destination)")
    }

    @Test("hosts allowed for the run are accepted over https only; the message says how to allow a host")
    func allowed() throws {
        let environment = [CredentialDestinationRule.allowHostsVariable: " wandb.corp.example ,*.tenant.example"]
        #expect(Self.rule.refusal("https://wandb.corp.example:8443", environment: environment) == nil)
        #expect(Self.rule.refusal("https://a.tenant.example", environment: environment) == nil)
        let http = try #require(Self.rule.refusal("http://wandb.corp.example", environment: environment))
        #expect(http.contains("plain http"))
        #expect(!http.contains("--allow-host"), "allowing does not help: use https")
        let foreign = try #require(Self.rule.refusal("https://collector.example/x", environment: environment))
        #expect(foreign.contains("the key would go to collector.example"))
        #expect(foreign.contains("--allow-host collector.example (or LAUNCHWATCH_ALLOW_HOSTS=collector.example)"))
    }

    @Test(
        "at send time a URL still holding a reference, or naming no http(s) host, is refused",
        arguments: [
            "https://x.example/${a}", "https://oauth2.googleapis.com/${a}", "http://127.0.0.1:9/${a}",
            "file:///etc/passwd", "https://oauth2.googleapis.com/$%7Ba%7D",
        ])
    func refusedWhenSent(_ text: String) {
        let url = URL(string: text) ?? URL(string: text.replacingOccurrences(of: "{", with: "%7B"))
        #expect(Self.rule.sendRefusal(url, environment: [:]) != nil, "\(text)")
        #expect(Self.rule.sendRefusal(nil, environment: [:]) != nil)
    }

    @Test("at send time loopback and trusted https URLs are accepted")
    func acceptedWhenSent() throws {
        for text in ["https://oauth2.googleapis.com/token", "http://127.0.0.1:9/x", "http://169.254.169.254/"] {
            let url = try #require(URL(string: text))
            #expect(Self.rule.sendRefusal(url, environment: [:]) == nil, "\(text)")
        }
    }

    @Test("the redactor shows the values of variables naming credential files, and hides the secrets")
    func pathsAreNotSecrets() {
        let redactor = SecretRedactor(environment: [
            "GOOGLE_APPLICATION_CREDENTIALS": "/home/me/keys/wif.json",
            "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE": "/run/secrets/token-file", "WANDB_API_KEY": "local-secretkey0123456789",
        ])
        let text = redactor.redact(
            "using /home/me/keys/wif.json and /run/secrets/token-file, key local-secretkey0123456789")
        #expect(text == "using /home/me/keys/wif.json and /run/secrets/token-file, key [REDACTED]")
    }
}
