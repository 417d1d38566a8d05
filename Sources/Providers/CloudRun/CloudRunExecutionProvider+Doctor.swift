import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud

/// `launchwatch doctor` for `cloud-run-execution`: the credentials, then a get of the configured
/// Cloud Run job (`run.jobs.get`, granted by `roles/run.viewer`). The execution itself is not
/// looked for: it exists only once the agent runs.
extension CloudRunExecutionProvider: DiagnosableProvider {
    public static func diagnose(_ configuration: Configuration, context: DiagnosisContext) async -> ProviderDiagnosis {
        let transport: HTTPTransport
        let tokens: AccessTokenSource
        let credentials: CredentialReport
        switch await GoogleDiagnosisStart.begin(
            timeout: configuration.timeout, credentials: configuration.credentials,
            refusals: credentialRefusals(configuration, context: context.providerContext), context: context)
        {
        case .finished(let diagnosis): return diagnosis
        case .ready(let ready, let source, let report): (transport, tokens, credentials) = (ready, source, report)
        }
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
            let probe = GoogleAPIProbe(
                service: "Cloud Run", tokens: tokens, transport: transport, timeout: transport.timeout)
            check = await probe.check(
                "jobs.get", target: name, request: HTTPTransport.Request(url: url),
                notFound: "job \"\(configuration.job)\" (or region \"\(configuration.region)\")"
            ).check
        } else {
            check = DiagnosisCheck(
                "jobs.get", target: name, outcome: .failed, message: "cannot build a URL from \(endpoint)")
        }
        return ProviderDiagnosis(credentials: credentials, checks: [check], notes: notes)
    }
}
