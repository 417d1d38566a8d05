import Foundation
import LaunchWatchCore

/// Whether the metadata server is there, as google/auth/compute_engine/_metadata.py `is_on_gce`
/// decides: a ping first, the DMI product name only when the ping fails.
extension AccessTokenSource {
    /// Where tokens are asked for: the config's `metadataHost`, else `GCE_METADATA_HOST`, else its
    /// older name `GCE_METADATA_ROOT`, else `metadata.google.internal` (`_GCE_METADATA_HOST`).
    var metadataHost: String {
        for candidate in [
            credentials?.metadataHost, environment["GCE_METADATA_HOST"], environment["GCE_METADATA_ROOT"],
        ] {
            if let candidate, !candidate.isEmpty { return candidate }
        }
        return GoogleCredentialDestinations.metadataHosts[0]
    }

    /// Where the ping goes. google-auth pings `http://$GCE_METADATA_IP` (default `169.254.169.254`,
    /// `_get_metadata_ip_root`); when only a metadata host is named (the config's `metadataHost`,
    /// `GCE_METADATA_HOST`, `GCE_METADATA_ROOT` — an emulator), that host is pinged instead, so a
    /// user who pointed the metadata server elsewhere sends nothing to the real one.
    var metadataPingHost: String {
        if let address = environment["GCE_METADATA_IP"], !address.isEmpty { return address }
        let host = metadataHost
        return host == GoogleCredentialDestinations.metadataHosts[0]
            ? GoogleCredentialDestinations.metadataHosts[1] : host
    }

    /// `GET http://HOST/` with `Metadata-Flavor: Google`: the server is there when it answers 200
    /// with the same header. `GCE_METADATA_TIMEOUT` seconds per try (default 3) and
    /// `GCE_METADATA_DETECT_RETRIES` tries (default 3), as google-auth's `ping`.
    func metadataAnswers() async -> Bool {
        let host = metadataPingHost
        let base = host.hasPrefix("http") ? host : "http://\(host)"
        guard let url = URL(string: base + "/"),
            destinations.sendRefusal(url, environment: environment) == nil
        else { return false }
        let seconds = environment["GCE_METADATA_TIMEOUT"].flatMap(Int.init).map { max(1, $0) } ?? 3
        let tries = environment["GCE_METADATA_DETECT_RETRIES"].flatMap(Int.init).map { max(1, $0) } ?? 3
        var request = HTTPTransport.Request(url: url)
        request.setValue("Google", forHeader: "Metadata-Flavor")
        for _ in 0..<tries {
            guard !Task.isCancelled else { return false }
            do {
                let answer = try await transport.send(request, timeout: .seconds(seconds))
                return answer.status == 200 && answer.headers["metadata-flavor"] == "Google"
            } catch {
                continue  // google-auth tries again after a transport error only
            }
        }
        return false
    }

    /// The DMI product name starts with "Google" (`detect_gce_residency_linux`).
    static var isGoogleComputeEngine: Bool {
        let name = (try? String(contentsOfFile: "/sys/class/dmi/id/product_name", encoding: .utf8)) ?? ""
        return name.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("Google")
    }
}
