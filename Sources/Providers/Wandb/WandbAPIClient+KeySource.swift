import Foundation

extension WandbAPIClient {
    /// Where `apiKey(host:environment:)` finds the key, for `launchwatch doctor`: `WANDB_API_KEY`, or
    /// the netrc file and its machine entry (`/home/me/.netrc (machine api.wandb.ai)`); `nil` when
    /// there is none. Never the key itself.
    static func keySource(host: String, environment: [String: String]) -> String? {
        if let key = environment["WANDB_API_KEY"], !key.isEmpty { return "WANDB_API_KEY" }
        let path = environment["NETRC"] ?? environment["HOME"].map { $0 + "/.netrc" }
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8),
            Netrc.password(for: host, in: text) != nil
        else { return nil }
        return "\(path) (machine \(host))"
    }
}
