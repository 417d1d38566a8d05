import Foundation
import LaunchWatchCore

/// How every Google kind's `launchwatch doctor` check begins: the configured timeout, where the
/// credentials would go (checked before any token is fetched: doctor's caller checks the pipeline
/// too, an embedding program may not), then the credentials themselves — reported even when a name
/// the kind needs is missing, since they do not depend on it.
public enum GoogleDiagnosisStart: Sendable {
    /// A transport with the configured timeout, the token source and the report on it.
    case ready(HTTPTransport, AccessTokenSource, CredentialReport)
    /// The check ends here, with this diagnosis (a bad timeout, a refused destination).
    case finished(ProviderDiagnosis)

    public static func begin(
        timeout: String?, credentials: GoogleCredentials?, refusals: [CredentialRefusal], context: DiagnosisContext
    ) async -> GoogleDiagnosisStart {
        let limit: Duration
        do {
            limit = try DurationText.configured(timeout, field: "timeout", default: .seconds(10))
        } catch {
            return .finished(
                ProviderDiagnosis(checks: [DiagnosisCheck("configuration", outcome: .failed, message: error.message)]))
        }
        if let refused = refusals.first {
            return .finished(
                ProviderDiagnosis(checks: [
                    DiagnosisCheck("credentials", outcome: .failed, message: refused.description)
                ]))
        }
        let transport = HTTPTransport(timeout: limit, context: context.providerContext)
        let tokens = AccessTokenSource(
            credentials: credentials, environment: context.environment, baseDirectory: context.baseDirectory,
            transport: transport)
        return .ready(transport, tokens, await tokens.diagnose())
    }
}
