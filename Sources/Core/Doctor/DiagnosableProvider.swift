#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A provider kind that can check, before any launch, that it will work on the user's real
/// accounts: which credentials it would use, one cheap read-only call to its backend, and whether
/// the names it was given (project, region, queue) exist. `launchwatch doctor` runs it for every
/// provider of a pipeline; kinds that do not conform are listed as not checked.
///
/// `diagnose` gets the provider's `Configuration` as the pipeline gives it, with what is not known
/// before a launch (`${fact.NAME}`, a `--var` not given) left as the reference text. Check what can
/// be checked without it and say what was left out (`DiagnosisContext.unknownReferences(in:)`).
///
/// - Make only read-only requests, at most a few, each with a timeout; never change anything.
/// - Never put a secret in a report: name where a credential came from, never its value.
/// - Return promptly when the task is cancelled.
///
/// ```swift
/// extension StatusPageProvider: DiagnosableProvider {
///     static func diagnose(_ configuration: Configuration, context: DiagnosisContext) async
///         -> ProviderDiagnosis
///     {
///         let started = ContinuousClock.now
///         let reachable = await ping(configuration.url)
///         return ProviderDiagnosis(checks: [
///             DiagnosisCheck(
///                 "GET status page", target: configuration.url, outcome: reachable ? .passed : .failed,
///                 latency: ContinuousClock.now - started)
///         ])
///     }
/// }
/// ```
public protocol DiagnosableProvider: Provider {
    /// Checks credentials, one cheap read-only call and the configured names; never throws: every
    /// problem is a failed check or credential report in the answer.
    static func diagnose(_ configuration: Configuration, context: DiagnosisContext) async -> ProviderDiagnosis
}

extension RegisteredProvider {
    /// Decodes a configuration (references still in it) and runs the kind's `diagnose`.
    public typealias Diagnoser = @Sendable (JSONValue, JSONPath, DiagnosisContext) async -> ProviderDiagnosis

    /// The diagnoser of a kind that conforms to `DiagnosableProvider`.
    static func diagnoser<D: DiagnosableProvider>(_ type: D.Type) -> Diagnoser {
        { configuration, path, context in
            do {
                let decoded = try JSONValueDecoder().decode(D.Configuration.self, from: configuration, basePath: path)
                return await D.diagnose(decoded, context: context)
            } catch {
                let failures = (error as? JSONValueDecoder.Failures)?.failures ?? []
                let message =
                    failures.isEmpty
                    ? "\(error)" : failures.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
                return ProviderDiagnosis(checks: [
                    DiagnosisCheck("configuration", target: "\(path)", outcome: .failed, message: message)
                ])
            }
        }
    }
}
