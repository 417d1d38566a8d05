#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ProviderSpec {
    /// A provider instance made from `configuration` (this spec's, facts substituted), or the
    /// `configuration` error that names every field at fault, with its path in the pipeline file.
    func makeProvider(
        configuration: JSONValue, baseDirectory: URL, environment: [String: String], startedAt: Date
    ) -> Result<any Provider, ProviderError> {
        let context = ProviderContext(
            id: id, baseDirectory: baseDirectory, environment: environment, startedAt: startedAt)
        do {
            return .success(
                try registration.make(configuration: configuration, at: configurationPath, context: context))
        } catch {
            let message = error.failures.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            return .failure(ProviderError(code: .configuration, message: message))
        }
    }
}
