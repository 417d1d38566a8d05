import Foundation
import LaunchWatchCore
import Testing

@Suite("JSONValueDecoder")
struct JSONValueDecoderTests {
    struct Endpoint: Decodable, Equatable {
        var host: String
        var port: Int?
    }

    struct JobConfiguration: Decodable, Equatable {
        enum Mode: String, Decodable { case fast, careful }

        var project: String
        var region: String?
        var pageSize: Int?
        var endpoint: Endpoint?
        var labels: [String: String]?
        var regions: [String]?
        var mode: Mode?
        var ratio: Double?
        var verbose: Bool?
    }

    /// The failures decoding `json` as `T` at `basePath` throws, empty when it decodes.
    private func failures<T: Decodable>(
        _ type: T.Type, _ json: String, basePath: JSONPath = JSONPath()
    ) throws -> [JSONValueDecoder.Failure] {
        let value = try JSONParser.parse(json)
        do {
            _ = try JSONValueDecoder().decode(type, from: value, basePath: basePath)
            return []
        } catch {
            return error.failures
        }
    }

    private static let configPath = JSONPath([.key("providers"), .index(1), .key("config")])

    @Test("decodes a configuration with every kind of field")
    func decodesValidConfiguration() throws {
        let value = try JSONParser.parse(
            """
            {"project": "p", "region": "us-central1", "pageSize": 50,
             "endpoint": {"host": "localhost", "port": 8080},
             "labels": {"team": "ml", "wandb-run-id": "abc"}, "regions": ["a", "b"],
             "mode": "careful", "ratio": 0.5, "verbose": true}
            """)
        let decoded = try JSONValueDecoder().decode(JobConfiguration.self, from: value)
        #expect(
            decoded
                == JobConfiguration(
                    project: "p", region: "us-central1", pageSize: 50,
                    endpoint: Endpoint(host: "localhost", port: 8080),
                    labels: ["team": "ml", "wandb-run-id": "abc"], regions: ["a", "b"], mode: .careful, ratio: 0.5,
                    verbose: true))
    }

    @Test("treats null and absent optional keys alike")
    func nullOptionalIsAbsent() throws {
        let decoded = try JSONValueDecoder().decode(
            JobConfiguration.self, from: JSONParser.parse(#"{"project": "p", "region": null}"#))
        #expect(decoded.region == nil)
        #expect(decoded.labels == nil)
    }

    @Test("reports an unknown key with its full path and the nearest known key")
    func reportsUnknownKeyWithSuggestion() throws {
        let found = try failures(
            JobConfiguration.self, #"{"project": "p", "regoin": "us-central1"}"#, basePath: Self.configPath)
        #expect(found.count == 1)
        let failure = try #require(found.first)
        #expect(failure.path.description == "providers[1].config.regoin")
        #expect(failure.message == #"is not a known key; did you mean "region"?"#)
    }

    @Test("reports an unknown key without a suggestion when nothing is close")
    func unknownKeyWithoutSuggestion() throws {
        let found = try failures(JobConfiguration.self, #"{"project": "p", "colour": "blue"}"#)
        let failure = try #require(found.first)
        #expect(failure.path.description == "colour")
        #expect(failure.message == "is not a known key")
    }

    @Test("reports every unknown key at once, nested ones included")
    func reportsAllUnknownKeys() throws {
        let found = try failures(
            JobConfiguration.self,
            #"{"project": "p", "endpoint": {"host": "h", "prot": 1}, "pagesize": 10, "extra": true}"#,
            basePath: Self.configPath)
        #expect(
            found.map(\.path.description) == [
                "providers[1].config.endpoint.prot", "providers[1].config.pagesize", "providers[1].config.extra",
            ])
        #expect(found[0].message.contains(#"did you mean "port"?"#))
        #expect(found[1].message.contains(#"did you mean "pageSize"?"#))
    }

    @Test("finds unknown keys in objects inside arrays")
    func unknownKeysInsideArrays() throws {
        struct Batch: Decodable { var endpoints: [Endpoint] }
        let found = try failures(Batch.self, #"{"endpoints": [{"host": "a"}, {"host": "b", "hots": "c"}]}"#)
        #expect(found.map(\.path.description) == ["endpoints[1].hots"])
        #expect(found.first?.message.contains(#"did you mean "host"?"#) == true)
    }

    @Test(
        "reports a type mismatch at the value's path",
        arguments: [
            (#"{"project": 5}"#, "providers[1].config.project", "must be a string, not a number"),
            (
                #"{"project": "p", "pageSize": "10"}"#, "providers[1].config.pageSize",
                "must be an integer, not a string"
            ),
            (#"{"project": "p", "pageSize": 2.5}"#, "providers[1].config.pageSize", "must be an integer"),
            (#"{"project": "p", "verbose": "yes"}"#, "providers[1].config.verbose", "must be a boolean, not a string"),
            (#"{"project": "p", "ratio": "half"}"#, "providers[1].config.ratio", "must be a number, not a string"),
            (#"{"project": "p", "endpoint": "localhost"}"#, "providers[1].config.endpoint", "must be an object"),
            (#"{"project": "p", "endpoint": {"host": 1}}"#, "providers[1].config.endpoint.host", "must be a string"),
            (#"{"project": "p", "regions": "a"}"#, "providers[1].config.regions", "must be an array, not a string"),
            (#"{"project": "p", "regions": ["a", 2]}"#, "providers[1].config.regions[1]", "must be a string"),
            (#"{"project": "p", "labels": ["a"]}"#, "providers[1].config.labels", "must be an object, not an array"),
            (#"{"project": "p", "labels": {"team": 5}}"#, "providers[1].config.labels.team", "must be a string"),
            (#"{"project": "p", "mode": "quick"}"#, "providers[1].config.mode", "quick"),
            (#"["p"]"#, "providers[1].config", "must be an object, not an array"),
        ])
    func reportsTypeMismatchPath(json: String, path: String, message: String) throws {
        let found = try failures(JobConfiguration.self, json, basePath: Self.configPath)
        #expect(found.count == 1)
        let failure = try #require(found.first)
        #expect(failure.path.description == path)
        #expect(failure.message.contains(message), "\(failure.message)")
    }

    @Test("reports a missing required key at the path it should have")
    func reportsMissingRequiredKey() throws {
        let found = try failures(JobConfiguration.self, #"{"region": "r"}"#, basePath: Self.configPath)
        #expect(found.map(\.path) == [Self.configPath.appending("project")])
        #expect(found.map(\.message) == ["is required but missing"])
    }

    @Test("reports a missing nested required key at its nested path")
    func reportsMissingNestedKey() throws {
        let found = try failures(JobConfiguration.self, #"{"project": "p", "endpoint": {"port": 1}}"#)
        #expect(found.map(\.path.description) == ["endpoint.host"])
        #expect(found.first?.message == "is required but missing")
    }

    @Test("points at a misspelt required key instead of only calling it missing")
    func missingKeyNamesItsMisspelling() throws {
        let found = try failures(JobConfiguration.self, #"{"projct": "p", "region": "r"}"#, basePath: Self.configPath)
        #expect(found.map(\.path.description) == ["providers[1].config.project"])
        #expect(found.first?.message == #"is required but missing; is "projct" a misspelling of "project"?"#)
    }

    @Test("does not take another known key for a misspelling of a missing one")
    func missingKeyHintIgnoresKnownKeys() throws {
        let found = try failures(Endpoint.self, #"{"port": 80}"#)
        #expect(found.first?.message == "is required but missing")
    }

    @Test("accepts any keys in a dictionary")
    func acceptsDictionaryKeys() throws {
        let value = try JSONParser.parse(#"{"JOB_STATE.X": "a", "wandb-run-id": "b", "": "c"}"#)
        let decoded = try JSONValueDecoder().decode([String: String].self, from: value)
        #expect(decoded == ["JOB_STATE.X": "a", "wandb-run-id": "b", "": "c"])
    }

    @Test("still checks keys below a dictionary's values")
    func checksKeysBelowDictionaryValues() throws {
        let found = try failures([String: Endpoint].self, #"{"primary": {"host": "a", "prt": 1}}"#)
        #expect(found.map(\.path.description) == ["primary.prt"])
    }

    @Test("carries the path of an error a custom decoder throws")
    func carriesCustomDecodingErrorPath() throws {
        struct Window: Decodable {
            var every: Duration
            enum CodingKeys: String, CodingKey { case every }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                let text = try container.decode(String.self, forKey: .every)
                guard let duration = DurationText.parse(text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .every, in: container, debugDescription: "\"\(text)\" is not a duration")
                }
                every = duration
            }
        }
        let found = try failures(Window.self, #"{"every": "5 sec"}"#, basePath: JSONPath([.key("schedule")]))
        #expect(found.map(\.path.description) == ["schedule.every"])
        #expect(found.map(\.message) == [#""5 sec" is not a duration"#])
    }

    @Test("quotes keys that are not plain names in paths")
    func quotesUnusualKeysInPaths() throws {
        let found = try failures([String: Endpoint].self, #"{"JOB_STATE.X": {"host": 1}}"#)
        #expect(found.first?.path.description == #"["JOB_STATE.X"].host"#)
    }

    /// A section type that reads its keys so that a decode goes on past a bad value.
    struct Window: Decodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case every, limit, tags }
        var every: String?
        var limit: Int?
        var tags: [String] = []

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            every = try container.decodeOrRecord(String.self, forKey: .every)
            limit = try container.decodeIfPresentOrRecord(Int.self, forKey: .limit)
            if container.contains(.tags) {
                var items = try container.nestedUnkeyedContainer(forKey: .tags)
                while !items.isAtEnd {
                    if let tag = try items.decodeOrRecord(String.self) { tags.append(tag) }
                }
            }
        }
    }

    @Test("decodeCollecting reports every failure with its path and code, unknown keys first as they come")
    func collectsEveryFailure() throws {
        let value = try JSONParser.parse(#"{"limit": "ten", "evry": "1s", "tags": ["a", 2, "c", null]}"#)
        let (window, found) = JSONValueDecoder().decodeCollecting(
            Window.self, from: value, basePath: JSONPath([.key("schedule")]))
        #expect(
            found.map { "\($0.code) \($0.path)" } == [
                "unknown_key schedule.evry", "missing_key schedule.every", "wrong_type schedule.limit",
                "wrong_type schedule.tags[1]", "wrong_type schedule.tags[3]",
            ])
        #expect(found.first?.message == #"is not a known key; did you mean "every"?"#)
        #expect(found[2].message == "must be an integer, not a string")
        #expect(window?.tags == ["a", "c"], "the elements after a bad one are still read")
        #expect(window?.every == nil)

        // The same type under the ordinary decode stops at the first failure, as any Decodable does.
        let first = try failures(Window.self, #"{"limit": "ten", "every": "1s"}"#)
        #expect(first.map(\.path.description) == ["limit"])
    }

    @Test("decodeIfPresentOrRecord takes null for a value of the wrong type, not for an absent key")
    func recordsNullForPresentKey() throws {
        let value = try JSONParser.parse(#"{"every": "1s", "limit": null}"#)
        let (_, found) = JSONValueDecoder().decodeCollecting(Window.self, from: value)
        #expect(
            found.map { "\($0.code) \($0.path): \($0.message)" } == ["wrong_type limit: must be an integer, not null"])
    }

    @Test("decodeCollecting judges only what a type reads: an unknown key once, a value it leaves alone not at all")
    func collectsUnknownKeysOnce() throws {
        struct Root: Decodable {
            enum CodingKeys: String, CodingKey, CaseIterable { case every, later }
            var every: String?
            init(from decoder: any Decoder) throws {
                every = try decoder.container(keyedBy: CodingKeys.self).decodeOrRecord(String.self, forKey: .every)
            }
        }
        let value = try JSONParser.parse(#"{"every": "1s", "later": {"x": 1}, "extra": {"y": {"z": 2}}}"#)
        let (root, found) = JSONValueDecoder().decodeCollecting(Root.self, from: value)
        #expect(root?.every == "1s")
        #expect(found.map { "\($0.code) \($0.path)" } == ["unknown_key extra"])
    }
}
