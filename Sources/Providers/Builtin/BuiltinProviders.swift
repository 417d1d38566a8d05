import LaunchWatchCloudLogging
import LaunchWatchCloudRun
import LaunchWatchCommand
import LaunchWatchCore
import LaunchWatchReplay
import LaunchWatchVertexGcloud
import LaunchWatchVertexREST
import LaunchWatchWandb

/// The composition root: every provider kind the `launchwatch` command knows. Swift has no
/// load-time registration, so the list is explicit; a test checks it against the README's table.
/// A library of its own, so that tests (the fuzzers) and embedding programs use the same list.
public enum BuiltinProviders {
    public static func registry() -> ProviderRegistry {
        var registry = ProviderRegistry()
        do {
            try registry.register(ReplayProvider.self)
            try registry.register(VertexRESTProvider.self)
            try registry.register(VertexGcloudProvider.self)
            try registry.register(WandbLaunchProvider.self)
            try registry.register(WandbRunProvider.self)
            try registry.register(CloudLoggingProvider.self)
            try registry.register(CloudRunExecutionProvider.self)
            try registry.register(CommandProvider.self)
        } catch {
            // Only a programming error (a kind registered twice) lands here; the tests catch it.
            preconditionFailure("built-in provider registration failed: \(error)")
        }
        return registry
    }
}

extension ProviderRegistry {
    /// Every built-in provider kind: the registry of the `launchwatch` command, and the start of a
    /// team's own (`.builtin.adding(MyProvider.self)`).
    public static var builtin: ProviderRegistry { BuiltinProviders.registry() }
}
