import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore
import Testing

@testable import LaunchWatchCLI

/// A provider that claims a built-in kind: adding it is a mistake in a team's own build.
private struct DuplicateVertexProvider: Provider {
    struct Configuration: Decodable, Sendable {}
    static let kind = "vertex-rest"
    static let summary = "claims a built-in kind"
    init(configuration: Configuration, context: ProviderContext) {}
    func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
}

@Suite("LaunchWatchCLI")
struct LaunchWatchCLITests {
    @Test("a registry that refused a kind is reported, one line each, before any command runs")
    func refusalsAreReported() throws {
        #expect(LaunchWatchCLI.refusalReport(.builtin) == nil)
        let report = try #require(LaunchWatchCLI.refusalReport(.builtin.adding(DuplicateVertexProvider.self)))
        #expect(
            report.hasPrefix("error: cannot add a provider kind: provider kind \"vertex-rest\" is registered twice"))
        #expect(report.contains("DuplicateVertexProvider"))
    }

    @Test("the command line's registry is the one main was given, for every command")
    func registryIsInjected() async throws {
        let added = ProviderRegistry.builtin.adding(ReplayAlias.self)
        let kinds = LaunchWatchCLI.$registry.withValue(added) { LaunchWatchCLI.registry.kinds }
        #expect(kinds.contains("replay-alias"))
        #expect(!LaunchWatchCLI.registry.kinds.contains("replay-alias"))
    }
}

private struct ReplayAlias: Provider {
    struct Configuration: Decodable, Sendable {}
    static let kind = "replay-alias"
    static let summary = "a kind a team adds"
    init(configuration: Configuration, context: ProviderContext) {}
    func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
}
