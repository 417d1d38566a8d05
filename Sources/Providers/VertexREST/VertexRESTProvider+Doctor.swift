import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud

/// `launchwatch doctor` for `vertex-rest`: the credentials, then `customJobs.list` with `pageSize=1`
/// in the configured project and region — the call a watch makes first. With the match's server
/// filter when every value of it is known; when it waits for a fact (`${fact.run_id}`), the listing
/// is made without the filter (which still proves the permission, project and region) and says so.
extension VertexRESTProvider: DiagnosableProvider {
    /// Vertex AI's documented quota for resource management requests (list and get count), per
    /// project and region, shared with every client there — the launch agent included.
    static let documentedRequestsPerMinute = 600

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
        let missing = [
            ("project", configuration.project), ("region", configuration.region),
            ("endpoint", configuration.endpoint ?? ""),
        ].filter { !context.unknownReferences(in: $0.1).isEmpty }.map { "\($0.0) is \($0.1)" }
        guard missing.isEmpty else {
            return ProviderDiagnosis(
                credentials: credentials,
                checks: [
                    DiagnosisCheck(
                        "customJobs.list", outcome: .failed,
                        message: missing.joined(separator: "; ")
                            + ": not known; give it with --var (or set the environment variable it names)")
                ])
        }
        var notes: [String] = []
        var known = configuration
        var filter: String?
        let matchTexts =
            [known.match.displayName, known.match.displayNamePrefix, known.match.createdAfter, known.match.jobId]
            + (known.match.labels ?? [:]).values.map { Optional($0) }
        let unknown = Set(context.unknownReferences(inAll: matchTexts))
        if unknown.isEmpty {
            filter = known.match.serverFilter(watchStartedAt: context.startedAt)
        } else {
            notes.append(
                "match uses \(unknown.sorted().joined(separator: ", ")), not known yet: listed "
                    + "without the match's filter")
            known.match = VertexJobMatch(jobId: "0")
        }
        do {
            // The provider's own checks of the configuration, with the same messages as a run.
            _ = try VertexRESTProvider(configuration: known, context: context.providerContext)
        } catch {
            let message = (error as? ProviderError)?.message ?? "\(error)"
            return ProviderDiagnosis(
                credentials: credentials, checks: [DiagnosisCheck("configuration", outcome: .failed, message: message)])
        }
        let project = configuration.project.trimmingCharacters(in: .whitespaces)
        let region = configuration.region.trimmingCharacters(in: .whitespaces)
        var endpoint =
            configuration.endpoint
            ?? (region == "global"
                ? "https://aiplatform.googleapis.com" : "https://\(region)-aiplatform.googleapis.com")
        if endpoint.hasSuffix("/") { endpoint.removeLast() }
        let parent = "projects/\(project)/locations/\(region)"
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        var components = URLComponents(string: endpoint + "/v1/\(parent)/customJobs")
        components?.percentEncodedQuery =
            ((filter.map { ["filter=" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")] } ?? [])
            + ["pageSize=1"]).joined(separator: "&")
        var check: DiagnosisCheck
        if let url = components?.url {
            let probe = GoogleAPIProbe(
                service: "Vertex AI", tokens: tokens, transport: transport, timeout: transport.timeout)
            check = await probe.check(
                "customJobs.list", target: parent, request: HTTPTransport.Request(url: url),
                notFound: "project \"\(project)\" or region \"\(region)\""
            ).check
            if check.outcome == .passed, filter != nil { check.message = "with the match's filter" }
        } else {
            check = DiagnosisCheck(
                "customJobs.list", target: parent, outcome: .failed,
                message: "cannot build a URL from endpoint \(endpoint)")
        }
        notes.append(
            "\(context.requestsPerMinute) requests/min at most, of Vertex AI's \(documentedRequestsPerMinute)/min "
                + "per project and region, shared with the launch agent")
        let quota = QuotaUse(
            quota: "Vertex AI requests in \(parent)", requestsPerMinute: context.requestsPerMinute,
            limitPerMinute: documentedRequestsPerMinute)
        return ProviderDiagnosis(credentials: credentials, checks: [check], notes: notes, quota: quota)
    }
}
