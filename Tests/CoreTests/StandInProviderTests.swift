import Foundation
import LaunchWatchCore
import Testing

/// Stand-in providers: `degraded` activation, any-of `activate` arrays, and optional variables that
/// leave out the providers using them. The seed pipeline relies on all three to find the Vertex job
/// by name while W&B is down and to read the logs while Vertex AI is.
@Suite("Stand-in providers")
struct StandInProviderTests {
    private static let start = Date(timeIntervalSince1970: 1_700_000_000)
    private func at(_ seconds: Double) -> Date { Self.start.addingTimeInterval(seconds) }

    private func snapshot(awaitingDetail: Bool = false, degradedSince: [String: Double] = [:]) -> WatchSnapshot {
        WatchSnapshot(
            startedAt: Self.start, failureAwaitingDetail: awaitingDetail, fastProviders: ["queue", "vertex"],
            degradedSince: degradedSince.mapValues(at))
    }

    @Test func degradedIsActiveOnceAnyNamedProviderIsDegradedForTheDuration() {
        let policy = ActiveWhenProvidersDegraded(["vertex", "vertex-by-name"], for: .seconds(10))
        #expect(!policy.isActive(in: snapshot(degradedSince: ["queue": 0]), at: at(100)), "queue is not named")
        #expect(!policy.isActive(in: snapshot(degradedSince: ["vertex": 5]), at: at(14)))
        #expect(policy.isActive(in: snapshot(degradedSince: ["vertex": 5]), at: at(15)))
        #expect(policy.nextCheck(in: snapshot(degradedSince: ["vertex": 5, "vertex-by-name": 2]), at: at(6)) == at(12))
        #expect(policy.nextCheck(in: snapshot(), at: at(6)) == nil)
        #expect(!policy.isAlwaysActive && !policy.bringsFailureDetail)
        #expect(policy.summary == "degraded vertex, vertex-by-name for 10s")
        #expect(ActiveWhenProvidersDegraded(["queue"]).summary == "degraded queue")
    }

    @Test func anyOfIsActiveWhenOneConditionHoldsAndBringsDetailWhenOneDoes() {
        let policy = ActiveWhenAny([ActiveOnFailureWithoutDetail(), ActiveWhenProvidersDegraded(["vertex"])])
        #expect(!policy.isActive(in: snapshot(), at: at(1)))
        #expect(policy.isActive(in: snapshot(awaitingDetail: true), at: at(1)))
        #expect(policy.isActive(in: snapshot(degradedSince: ["vertex": 1]), at: at(1)))
        #expect(policy.bringsFailureDetail)
        #expect(!policy.isAlwaysActive)
        #expect(policy.summary == "failureWithoutDetail or degraded vertex")
        #expect(
            ActiveWhenAny([ActiveAfterSilence(for: .seconds(60)), ActiveAfterSilence(for: .seconds(30))])
                .nextCheck(in: snapshot(), at: at(0)) == at(30), "the earliest time any condition may change")
    }

    // MARK: - Loading

    private static func pipeline(variables: String = "", providers: String) -> String {
        """
        {
          "name": "p",
          "variables": {\(variables)},
          "stages": [
            {"id": "queued"}, {"id": "picked_up"},
            {"id": "succeeded", "outcome": "success"}, {"id": "failed", "outcome": "failure"}
          ],
          "providers": [\(providers)]
        }
        """
    }

    private static let queue = #"{"id": "queue", "type": "status-page", "config": {"url": "http://q/${var.item}"}}"#
    private static let byName = #"""
        {"id": "by-name", "type": "status-page", "config": {"url": "http://q/by-name/${var.name}"},
         "activate": {"when": "degraded", "providers": ["queue"]}}
        """#

    @Test("decodes degraded and an array of conditions")
    func decodesStandInActivations() throws {
        let json = Self.pipeline(
            variables: #""item": "7""#,
            providers: Self.queue + ","
                + #"""
                {"id": "logs", "type": "log-search", "config": {"project": "p", "filter": "severity>=ERROR"},
                 "activate": [{"when": "failureWithoutDetail"}, {"when": "degraded", "providers": ["queue"], "for": "5s"}]}
                """#)
        let providers = try PipelineFixtures.load(json).pipeline.providers
        let any = try #require(providers[1].activation as? ActiveWhenAny)
        #expect(any.conditions.count == 2)
        let degraded = try #require(any.conditions[1] as? ActiveWhenProvidersDegraded)
        #expect(degraded.providers == ["queue"] && degraded.duration == .seconds(5))
    }

    @Test("reports an unknown provider in degraded, an empty array and a missing providers key with their paths")
    func reportsBadStandInActivations() throws {
        let json = Self.pipeline(
            variables: #""item": "7""#,
            providers: Self.queue + ","
                + #"""
                {"id": "a", "type": "log-search", "config": {"project": "p", "filter": "severity>=ERROR"},
                 "activate": [{"when": "degraded", "providers": ["qeue"]}, {"when": "degraded"}]},
                {"id": "b", "type": "log-search", "config": {"project": "p", "filter": "severity>=ERROR"}, "activate": []}
                """#)
        let found = try PipelineFixtures.issues(json).filter { $0.severity == .error }
        #expect(
            found.map(\.codeAndPath) == [
                "missing_key providers[1].activate[1].providers", "empty providers[2].activate",
                "unknown_provider providers[1].activate[0].providers[0]",
            ])
        #expect(found.last?.message == #"no provider has the id "qeue"; did you mean "queue"?"#)
    }

    @Test("leaves out a provider whose config uses an optional variable given no value, and names it")
    func omitsProvidersNeedingAnUnsetOptionalVariable() throws {
        let json = Self.pipeline(
            variables: #""item": "7", "name": {"description": "the launch's name", "optional": true}"#,
            providers: Self.queue + "," + Self.byName)
        let without = try PipelineFixtures.load(json, options: PipelineLoader.Options(variables: [:]))
        #expect(without.pipeline.providers.map(\.id) == ["queue"])
        #expect(without.pipeline.omittedProviders == [OmittedProvider(id: "by-name", missingVariables: ["name"])])
        #expect(
            without.pipeline.omittedProviders.first?.notice
                == #"provider "by-name" is left out: it needs --var name=VALUE"#)

        let with = try PipelineFixtures.load(json, options: PipelineLoader.Options(variables: ["name": "train-x"]))
        #expect(with.pipeline.providers.map(\.id) == ["queue", "by-name"])
        #expect(with.pipeline.providers[1].configuration["url"] == .string("http://q/by-name/train-x"))
        #expect(with.pipeline.omittedProviders.isEmpty)

        let validated = try PipelineFixtures.load(json, options: PipelineLoader.Options(requireValues: false))
        #expect(validated.pipeline.providers.map(\.id) == ["queue", "by-name"], "validate checks every provider")
    }

    @Test("an optional variable outside config still needs a value; optional with a default is a contradiction")
    func optionalVariableMisuse() throws {
        let outside = """
            {"name": "${var.name}", "variables": {"name": {"optional": true}},
             "stages": [{"id": "queued"}, {"id": "succeeded", "outcome": "success"}],
             "providers": [{"id": "q", "type": "status-page", "config": {"url": "http://q"}}]}
            """
        let found = try PipelineFixtures.issues(outside, options: PipelineLoader.Options(variables: [:]))
            .filter { $0.severity == .error }
        #expect(found.map(\.codeAndPath) == ["missing_variable name"])
        #expect(found.first?.message.contains("optional, but outside a provider's config it needs a value") == true)

        let both = Self.pipeline(
            variables: #""item": "7", "name": {"optional": true, "default": "x"}"#, providers: Self.queue)
        let errors = { (json: String) in try PipelineFixtures.issues(json).filter { $0.severity == .error } }
        #expect(try errors(both).map(\.codeAndPath) == ["conflicting_keys variables.name.optional"])
        let notBool = Self.pipeline(variables: #""item": "7", "name": {"optional": "yes"}"#, providers: Self.queue)
        #expect(try errors(notBool).map(\.codeAndPath) == ["wrong_type variables.name.optional"])
    }

    @Test("the watch names each left-out provider in a notice at the start")
    func watchAnnouncesOmittedProviders() throws {
        let json = Self.pipeline(
            variables: #""item": "7", "name": {"optional": true}"#, providers: Self.queue + "," + Self.byName)
        let pipeline = try PipelineFixtures.load(json, options: PipelineLoader.Options(variables: [:])).pipeline
        var watch = Watch(pipeline: pipeline, startedAt: Self.start)
        let notices = watch.start(at: Self.start).compactMap { action -> String? in
            if case .emit(.notice(provider: "by-name", let message, _)) = action { return message }
            return nil
        }
        #expect(notices == [#"provider "by-name" is left out: it needs --var name=VALUE"#])
    }
}
