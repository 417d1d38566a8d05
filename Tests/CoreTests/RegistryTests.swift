import Foundation
import LaunchWatchCore
import Testing

/// Providers whose kinds are not valid names: the registry must refuse each.
private enum BadKind {
    struct Empty: Provider {
        struct Configuration: Decodable, Sendable {}
        static let kind = ""
        static let summary = "empty kind"
        init(configuration: Configuration, context: ProviderContext) {}
        func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
    }

    struct Uppercase: Provider {
        struct Configuration: Decodable, Sendable {}
        static let kind = "Status-Page"
        static let summary = "uppercase kind"
        init(configuration: Configuration, context: ProviderContext) {}
        func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
    }

    struct Underscore: Provider {
        struct Configuration: Decodable, Sendable {}
        static let kind = "status_page"
        static let summary = "underscore kind"
        init(configuration: Configuration, context: ProviderContext) {}
        func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
    }

    struct Space: Provider {
        struct Configuration: Decodable, Sendable {}
        static let kind = "status page"
        static let summary = "kind with a space"
        init(configuration: Configuration, context: ProviderContext) {}
        func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
    }

    struct NonASCII: Provider {
        struct Configuration: Decodable, Sendable {}
        static let kind = "stätus"
        static let summary = "non-ASCII kind"
        init(configuration: Configuration, context: ProviderContext) {}
        func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
    }
}

/// A second provider type that claims the kind of `PipelineFixtures.StatusPageProvider`.
private struct OtherStatusPageProvider: Provider {
    struct Configuration: Decodable, Sendable {}
    static let kind = "status-page"
    static let summary = "an impostor"
    init(configuration: Configuration, context: ProviderContext) {}
    func poll(_ context: PollContext) async throws -> PollResult { PollResult() }
}

@Suite("ProviderRegistry")
struct RegistryTests {
    private let context = ProviderContext(
        id: "status", baseDirectory: URL(fileURLWithPath: "/pipelines"), environment: [:],
        startedAt: Date(timeIntervalSince1970: 1_700_000_000))

    @Test("lists registered kinds sorted")
    func listsKindsSorted() throws {
        let registry = try PipelineFixtures.registry()
        #expect(registry.kinds == ["job-api", "log-search", "status-page"])
    }

    @Test("adding returns a copy with the kind, and keeps a refused one in refusals")
    func addingKeepsRefusals() throws {
        let registry = try PipelineFixtures.registry()
        let added = ProviderRegistry().adding(PipelineFixtures.StatusPageProvider.self)
        #expect(added.kinds == ["status-page"])
        #expect(added.refusals.isEmpty)
        let twice = registry.adding(OtherStatusPageProvider.self).adding(BadKind.Uppercase.self)
        #expect(twice.kinds == registry.kinds)
        #expect(twice.refusals.map(\.code) == [.duplicateKind, .invalidKind])
        #expect(twice.refusals.map(\.code.rawValue) == ["duplicate_kind", "invalid_kind"])
    }

    @Test("rejects a kind registered twice and names both types")
    func rejectsDuplicateKind() throws {
        var registry = try PipelineFixtures.registry()
        let error = try #require(throws: RegistryError.self) {
            try registry.register(OtherStatusPageProvider.self)
        }
        #expect(error.code == .duplicateKind)
        #expect(error.message.contains("\"status-page\""))
        #expect(error.message.contains("StatusPageProvider"))
        #expect(error.message.contains("OtherStatusPageProvider"))
        #expect(registry.kinds == ["job-api", "log-search", "status-page"])
    }

    @Test(
        "rejects a kind that is not lowercase letters, digits and '-'",
        arguments: [
            BadKind.Empty.self, BadKind.Uppercase.self, BadKind.Underscore.self, BadKind.Space.self,
            BadKind.NonASCII.self,
        ] as [any Provider.Type])
    func rejectsInvalidKind(type: any Provider.Type) throws {
        var registry = ProviderRegistry()
        let error = try #require(throws: RegistryError.self) { try registry.register(type) }
        #expect(error.code == .invalidKind)
        #expect(error.message.contains("\"\(type.kind)\""))
        #expect(registry.kinds.isEmpty)
    }

    @Test("keeps what a kind declares about itself")
    func keepsKindMetadata() throws {
        let registry = try PipelineFixtures.registry()
        let registration = try #require(registry["status-page"])
        #expect(registration.kind == "status-page")
        #expect(registration.summary == "Reads a JSON status page.")
        #expect(registration.publishedFacts == ["run_id"])
        #expect(registration.defaultInterval == .seconds(2))
        #expect(registration.defaultStageMap["QUEUED"] == .some("queued"))
        #expect(registration.defaultStageMap["HEARTBEAT"] == .some(nil))
        #expect(registration.statusesNameStages == false)
        #expect(registry["status-pag"] == nil)
    }

    @Test("validates a configuration and reports failures at their full path")
    func validatesConfiguration() throws {
        let registration = try #require(try PipelineFixtures.registry()["status-page"])
        let path = JSONPath([.key("providers"), .index(0), .key("config")])
        #expect(registration.validate(configuration: try JSONParser.parse(#"{"url": "http://x"}"#), at: path).isEmpty)

        let failures = registration.validate(
            configuration: try JSONParser.parse(#"{"url": "http://x", "regin": "eu"}"#), at: path)
        #expect(failures.map(\.path.description) == ["providers[0].config.regin"])
        #expect(failures.first?.message.contains(#"did you mean "region"?"#) == true)
    }

    @Test("validating does not run the provider's own checks")
    func validateDoesNotCreateProvider() throws {
        let registration = try #require(try PipelineFixtures.registry()["status-page"])
        let config = try JSONParser.parse(#"{"url": "ftp://x"}"#)
        #expect(registration.validate(configuration: config, at: JSONPath()).isEmpty)
    }

    @Test("makes a provider from a valid configuration")
    func makesProvider() throws {
        let registration = try #require(try PipelineFixtures.registry()["status-page"])
        let provider = try registration.make(
            configuration: JSONParser.parse(#"{"url": "https://status.example"}"#), at: JSONPath(), context: context)
        #expect(provider is PipelineFixtures.StatusPageProvider)
    }

    @Test("reports a provider's own configuration error at the config path")
    func reportsProviderInitErrorAtConfigPath() throws {
        let registration = try #require(try PipelineFixtures.registry()["status-page"])
        let path = JSONPath([.key("providers"), .index(2), .key("config")])
        let failures = try #require(throws: JSONValueDecoder.Failures.self) {
            try registration.make(configuration: JSONParser.parse(#"{"url": "ftp://x"}"#), at: path, context: context)
        }
        #expect(failures.failures.map(\.path) == [path])
        #expect(failures.failures.map(\.message) == ["url must start with http:// or https://"])
    }
}
