import Foundation
import LaunchWatchCore
import Testing

/// A third-party kind that takes part in `launchwatch doctor`: it reports what it was given.
private struct PingProvider: DiagnosableProvider {
    struct Configuration: Decodable, Sendable {
        var url: String
        var item: String?
    }

    static let kind = "ping"
    static let summary = "pings a URL"
    init(configuration: Configuration, context: ProviderContext) {}
    func poll(_ context: PollContext) async throws -> PollResult { PollResult() }

    static func diagnose(_ configuration: Configuration, context: DiagnosisContext) async -> ProviderDiagnosis {
        let unknown = context.unknownReferences(in: configuration.item)
        return ProviderDiagnosis(
            credentials: CredentialReport(source: "none needed", obtained: true),
            checks: [
                DiagnosisCheck(
                    "GET", target: configuration.url, outcome: configuration.url.hasPrefix("https:") ? .passed : .failed
                )
            ],
            notes: unknown.map { "item is \($0): not checked" } + ["\(context.requestsPerMinute)/min"])
    }
}

private struct SilentProvider: Provider {
    struct Configuration: Decodable, Sendable {}
    static let kind = "silent"
    static let summary = "cannot be checked"
    init(configuration: Configuration, context: ProviderContext) {}
    func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
}

@Suite("DiagnosableProvider: how a kind takes part in launchwatch doctor")
struct DiagnosableProviderTests {
    static let context = DiagnosisContext(
        id: "p", baseDirectory: URL(fileURLWithPath: "/"), environment: [:], startedAt: Date(), requestsPerMinute: 12)

    @Test("the registry exposes diagnose for conforming kinds only")
    func registration() throws {
        var registry = ProviderRegistry()
        try registry.register(PingProvider.self)
        try registry.register(SilentProvider.self)
        #expect(registry["ping"]?.diagnose != nil)
        #expect(registry["silent"]?.diagnose == nil)
    }

    @Test("the configuration is decoded with references left in; what is unknown is named")
    func decodesWithReferences() async throws {
        var registry = ProviderRegistry()
        try registry.register(PingProvider.self)
        let diagnose = try #require(registry["ping"]?.diagnose)
        let config: JSONValue = .object([
            ("url", .string("https://status.example")), ("item", .string("item-${fact.run_id}")),
        ])
        let diagnosis = await diagnose(config, JSONPath().appending("providers").appending(0), Self.context)
        #expect(diagnosis.works)
        #expect(diagnosis.notes == ["item is ${fact.run_id}: not checked", "12/min"])
        let failing = await diagnose(.object([("url", .string("http://x"))]), JSONPath(), Self.context)
        #expect(!failing.works)
    }

    @Test("a configuration that does not decode is a failed check naming its path")
    func badConfiguration() async throws {
        var registry = ProviderRegistry()
        try registry.register(PingProvider.self)
        let diagnose = try #require(registry["ping"]?.diagnose)
        let path = JSONPath().appending("providers").appending(2).appending("config")
        let diagnosis = await diagnose(.object([("url", .number(3))]), path, Self.context)
        #expect(!diagnosis.works)
        #expect(diagnosis.checks.first?.name == "configuration")
        #expect(diagnosis.checks.first?.message?.contains("providers[2].config.url") == true)
    }

    @Test("unknownReferences names facts and unset variables; a known text has none")
    func unknownReferences() {
        #expect(
            Self.context.unknownReferences(in: "a ${fact.job_id} ${var.item}") == ["${fact.job_id}", "${var.item}"])
        #expect(Self.context.unknownReferences(in: "us-central1").isEmpty)
        #expect(Self.context.unknownReferences(in: nil).isEmpty)
    }

    @Test("a diagnosis works when its credentials were obtained and no check failed")
    func works() {
        let passed = DiagnosisCheck("a", outcome: .passed)
        let skipped = DiagnosisCheck("b", outcome: .skipped)
        #expect(ProviderDiagnosis(checks: [passed, skipped]).works)
        #expect(!ProviderDiagnosis(checks: [passed, DiagnosisCheck("c", outcome: .failed)]).works)
        #expect(
            !ProviderDiagnosis(credentials: CredentialReport(source: nil, obtained: false), checks: [passed]).works)
    }
}
