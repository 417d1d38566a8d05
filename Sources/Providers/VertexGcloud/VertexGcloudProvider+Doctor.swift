import Foundation
import LaunchWatchCore
import LaunchWatchGoogleCloud

/// `launchwatch doctor` for `vertex-gcloud`: which gcloud (its version), the account and project it
/// is configured with (`gcloud config list`), then `gcloud ai custom-jobs list --limit=1` in the
/// configured project and region. gcloud's own credentials apply: launchwatch never sees a token,
/// so the report names the account (or `CLOUDSDK_AUTH_ACCESS_TOKEN_FILE`, which gcloud then uses).
extension VertexGcloudProvider: DiagnosableProvider {
    public static func diagnose(_ configuration: Configuration, context: DiagnosisContext) async -> ProviderDiagnosis {
        let unknown = context.unknownReferences(inAll: [
            configuration.project, configuration.region, configuration.gcloud ?? "",
        ])
        guard unknown.isEmpty else {
            return ProviderDiagnosis(checks: [
                DiagnosisCheck(
                    "gcloud ai custom-jobs list", outcome: .failed,
                    message: "\(unknown.joined(separator: ", ")) not known; give it with --var")
            ])
        }
        var environment = context.environment
        for (name, value) in configuration.env ?? [:] { environment[name] = value }
        environment["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1"
        let name = configuration.gcloud ?? "gcloud"
        let executable: String? =
            name.contains("/")
            ? context.providerContext.resolve(path: name).path
            : (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }.first {
                FileManager.default.isExecutableFile(atPath: $0)
            }
        guard let executable, FileManager.default.isExecutableFile(atPath: executable) else {
            return ProviderDiagnosis(checks: [
                DiagnosisCheck(
                    "gcloud version", outcome: .failed,
                    message: "no gcloud executable (\(name)): install the Google Cloud CLI or set \"gcloud\"")
            ])
        }
        let timeout: Duration
        do {
            timeout = try DurationText.configured(configuration.timeout, field: "timeout", default: .seconds(30))
        } catch {
            let check = DiagnosisCheck("configuration", outcome: .failed, message: error.message)
            return ProviderDiagnosis(checks: [check])
        }
        func run(_ arguments: [String]) async -> (JSONValue?, DiagnosisCheck) {
            let command = "gcloud " + arguments.prefix { !$0.hasPrefix("-") }.joined(separator: " ")
            let clock = ContinuousClock()
            let started = clock.now
            let process = ChildProcess(
                executable: executable, arguments: arguments + ["--format=json"], environment: environment,
                timeout: timeout)
            do {
                let output = try await process.run()
                let latency = clock.now - started
                guard output.status == 0, !output.signalled else {
                    let text = String(decoding: output.stderr, as: UTF8.self)
                    let error = text.split(separator: "\n").first { $0.hasPrefix("ERROR:") }.map(String.init)
                    var check = DiagnosisCheck(
                        command, outcome: .failed, latency: latency,
                        message: error ?? "exit status \(output.status)")
                    if let permission = GoogleErrorInfo.permission(inMessage: text) {
                        check.permission = permission
                        check.role = GoogleErrorInfo.viewerRole(for: permission)
                    }
                    return (nil, check)
                }
                return (
                    try? JSONParser.parse(output.stdout), DiagnosisCheck(command, outcome: .passed, latency: latency)
                )
            } catch {
                return (
                    nil, DiagnosisCheck(command, outcome: .failed, latency: clock.now - started, message: "\(error)")
                )
            }
        }
        var (version, versionCheck) = await run(["version"])
        if case .string(let number)? = version?["Google Cloud SDK"] {
            versionCheck.message = "Google Cloud SDK \(number)"
        }
        let (config, configCheck) = await run(["config", "list"])
        var account: String?
        var configuredProject: String?
        if case .string(let text)? = config?["core"]?["account"] { account = text }
        if case .string(let text)? = config?["core"]?["project"] { configuredProject = text }
        let folder = environment["CLOUDSDK_CONFIG"] ?? environment["HOME"].map { $0 + "/.config/gcloud" } ?? "?"
        let credentials: CredentialReport
        if let tokenFile = environment["CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"], !tokenFile.isEmpty {
            // gcloud then uses this token whatever its account says.
            let readable = (try? String(contentsOfFile: tokenFile, encoding: .utf8))?.isEmpty == false
            credentials = CredentialReport(
                source: "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE (\(tokenFile))", obtained: readable,
                problem: readable ? nil : "the file cannot be read or is empty")
        } else {
            credentials = CredentialReport(
                source: "gcloud's active account \(account ?? "(none)") (config \(folder))", obtained: account != nil,
                problem: account == nil ? "gcloud has no active account: run `gcloud auth login`" : nil)
        }
        var notes = ["gcloud's configured project: \(configuredProject ?? "(none)"); this provider passes --project"]
        if !configCheck.outcome.isPassed { notes.append("gcloud config list failed: \(configCheck.message ?? "")") }
        var (_, list) = await run([
            "ai", "custom-jobs", "list", "--region=\(configuration.region)", "--project=\(configuration.project)",
            "--limit=1",
        ])
        list.target = "projects/\(configuration.project)/locations/\(configuration.region)"
        notes.append(
            "\(context.requestsPerMinute) gcloud calls/min at most (each about a second of CPU), of Vertex AI's "
                + "600/min per project and region, shared with the launch agent")
        let quota = QuotaUse(
            quota: "Vertex AI requests in projects/\(configuration.project)/locations/\(configuration.region)",
            requestsPerMinute: context.requestsPerMinute, limitPerMinute: 600)
        return ProviderDiagnosis(credentials: credentials, checks: [versionCheck, list], notes: notes, quota: quota)
    }
}

extension DiagnosisCheck.Outcome {
    fileprivate var isPassed: Bool { self == .passed }
}
