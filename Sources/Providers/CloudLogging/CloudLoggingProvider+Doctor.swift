import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud

/// `launchwatch doctor` for `cloud-logging`: the credentials, then one `entries:list` with
/// `pageSize` 1 over the configured project (or resource names) and the pipeline's filter — which
/// also proves the service accepts the filter. A filter that waits for a fact (`${fact.job_id}`)
/// is left out of the request, and the answer says so.
extension CloudLoggingProvider: DiagnosableProvider {
    /// Cloud Logging's documented quota of read (`entries.list`) requests per minute, per project.
    static let documentedReadsPerMinute = 60

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
        var names: [String] = []
        if let project = configuration.project { names.append("projects/\(project)") }
        names += configuration.resourceNames ?? []
        let missing = context.unknownReferences(inAll: names + [configuration.endpoint ?? ""])
        guard missing.isEmpty else {
            return ProviderDiagnosis(
                credentials: credentials,
                checks: [
                    DiagnosisCheck(
                        "entries.list", outcome: .failed,
                        message: "\(Set(missing).sorted().joined(separator: ", ")) not known; give it with --var "
                            + "(or set the environment variable it names)")
                ])
        }
        var notes: [String] = []
        var filter = configuration.filter.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let unknown = context.unknownReferences(in: filter)
        if !unknown.isEmpty {
            notes.append(
                "the filter uses \(Set(unknown).sorted().joined(separator: ", ")), not known yet: "
                    + "listed without it")
            filter = nil
        }
        do {
            var known = configuration
            known.filter = filter
            _ = try CloudLoggingProvider(configuration: known, context: context.providerContext)
        } catch {
            let message = (error as? ProviderError)?.message ?? "\(error)"
            return ProviderDiagnosis(
                credentials: credentials, checks: [DiagnosisCheck("configuration", outcome: .failed, message: message)])
        }
        var endpoint = configuration.endpoint ?? "https://logging.googleapis.com"
        if endpoint.hasSuffix("/") { endpoint.removeLast() }
        var body: [(key: String, value: JSONValue)] = [
            ("resourceNames", .array(names.map { .string($0) })), ("orderBy", .string("timestamp desc")),
            ("pageSize", .number(1)),
        ]
        if let filter { body.append(("filter", .string(filter))) }
        let target = names.joined(separator: ", ")
        var check: DiagnosisCheck
        if let url = URL(string: endpoint + "/v2/entries:list") {
            var request = HTTPTransport.Request(url: url)
            request.method = "POST"
            request.setValue("application/json", forHeader: "Content-Type")
            request.body = Data(JSONValue.object(body).jsonText.utf8)
            let probe = GoogleAPIProbe(
                service: "Cloud Logging", tokens: tokens, transport: transport, timeout: transport.timeout)
            check = await probe.check(
                "entries.list", target: target, request: request,
                notFound: configuration.project.map { "project \"\($0)\"" }
            ).check
            if check.outcome == .passed, filter != nil { check.message = "with the pipeline's filter" }
        } else {
            check = DiagnosisCheck(
                "entries.list", target: target, outcome: .failed, message: "cannot build a URL from \(endpoint)")
        }
        notes.append(
            "\(context.requestsPerMinute) requests/min at most, of Cloud Logging's \(documentedReadsPerMinute) "
                + "reads/min per project, shared with everyone reading its logs")
        let quota = QuotaUse(
            quota: "Cloud Logging reads in \(names.first ?? target)", requestsPerMinute: context.requestsPerMinute,
            limitPerMinute: documentedReadsPerMinute)
        return ProviderDiagnosis(credentials: credentials, checks: [check], notes: notes, quota: quota)
    }
}
