import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `launchwatch doctor` for `cloud-run-execution`: the credentials, then a get of the configured
/// Cloud Run job (`run.jobs.get`, granted by `roles/run.viewer`). The execution itself is not
/// looked for: it exists only once the agent runs.
extension CloudRunExecutionProvider: DiagnosableProvider {
    public static func diagnose(_ configuration: Configuration, context: DiagnosisContext) async -> ProviderDiagnosis {
        let timeout: Duration
        do {
            timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(10))
        } catch {
            let check = DiagnosisCheck("configuration", outcome: .failed, message: error.message)
            return ProviderDiagnosis(checks: [check])
        }
        // Where the credentials would go is checked before any token is fetched (doctor's caller
        // checks the pipeline too; an embedding program may not).
        if let refused = credentialRefusals(configuration, context: context.providerContext).first {
            let check = DiagnosisCheck("credentials", outcome: .failed, message: refused.description)
            return ProviderDiagnosis(checks: [check])
        }
        // The credentials are reported even when a name is missing: they do not depend on it.
        let transport = HTTPTransport(timeout: timeout)
        let tokens = AccessTokenSource(
            credentials: configuration.credentials, environment: context.environment,
            baseDirectory: context.baseDirectory, transport: transport)
        let credentials = await tokens.diagnose()
        let unknown = context.unknownReferences(inAll: [
            configuration.project, configuration.region, configuration.job, configuration.endpoint ?? "",
        ])
        guard unknown.isEmpty else {
            let check = DiagnosisCheck(
                "jobs.get", outcome: .failed,
                message: "\(unknown.joined(separator: ", ")) not known; give it with --var")
            return ProviderDiagnosis(credentials: credentials, checks: [check])
        }
        var notes: [String] = []
        var known = configuration
        if let reference = context.unknownReferences(in: configuration.execution).first {
            notes.append("execution is \(reference), not known yet: not looked for")
            known.execution = "unknown"
        } else {
            notes.append(
                "execution \"\(configuration.execution)\" is not looked for: it exists only once the agent runs")
        }
        do {
            _ = try CloudRunExecutionProvider(configuration: known, context: context.providerContext)
        } catch {
            let message = (error as? ProviderError)?.message ?? "\(error)"
            let check = DiagnosisCheck("configuration", outcome: .failed, message: message)
            return ProviderDiagnosis(credentials: credentials, checks: [check])
        }
        var endpoint = configuration.endpoint ?? "https://run.googleapis.com"
        if endpoint.hasSuffix("/") { endpoint.removeLast() }
        let name = "projects/\(configuration.project)/locations/\(configuration.region)/jobs/\(configuration.job)"
        var check: DiagnosisCheck
        if let url = URL(string: endpoint + "/v2/" + name) {
            let probe = GoogleAPIProbe(service: "Cloud Run", tokens: tokens, transport: transport, timeout: timeout)
            check = await probe.check(
                "jobs.get", target: name, request: URLRequest(url: url),
                notFound: "job \"\(configuration.job)\" (or region \"\(configuration.region)\")"
            ).check
        } else {
            check = DiagnosisCheck(
                "jobs.get", target: name, outcome: .failed, message: "cannot build a URL from \(endpoint)")
        }
        return ProviderDiagnosis(credentials: credentials, checks: [check], notes: notes)
    }
}
