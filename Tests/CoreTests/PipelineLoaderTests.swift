import Foundation
import LaunchWatchCore
import Testing

@Suite("PipelineLoader")
struct PipelineLoaderTests {
    static let startedAt = Date(timeIntervalSince1970: 1_764_489_227.12)
    static let startedAtText = "2025-11-30T07:53:47.120Z"

    /// A complete pipeline using every section, with variables, env and facts.
    static let fullPipeline = #"""
        {
          "$schema": "../pipeline.schema.json",
          "version": 1,
          "name": "Queue -> job for ${var.entity}",
          "description": "watches one launch",
          "variables": {
            "entity": "ml-team",
            "queue": {"description": "the launch queue", "default": "gpu"},
            "item": {"description": "the run-queue item id"},
            "since": {"default": "${launch.startedAt}"},
            "home": "${env.HOME_REGION}"
          },
          "stages": [
            {"id": "queued", "title": "Queued"},
            {"id": "picked_up", "title": "Picked up"},
            {"id": "submitted"},
            {"id": "running", "title": "Training running", "outcome": "progress"},
            {"id": "succeeded", "title": "Training succeeded", "outcome": "success"},
            {"id": "failed", "title": "Launch failed", "outcome": "failure"}
          ],
          "providers": [
            {"id": "queue", "type": "status-page",
             "config": {"url": "https://status.example/${var.entity}/${var.queue}/${var.item}",
                        "region": "${var.home}",
                        "labels": {"started": "${launch.startedAt}", "since": "${var.since}", "shell": "$${HOME}"}},
             "schedule": {"fastAfterChange": {"every": "250ms", "for": "10s"}, "budget": {"perMinute": 90}}},
            {"id": "jobs", "type": "job-api",
             "config": {"project": "${env.PROJECT}", "region": "us-central1",
                        "match": {"labels": {"wandb-run-id": "${fact.run_id}"}}},
             "schedule": {"every": "2s", "backoff": {"initial": "1s", "max": "1m", "multiplier": 3, "jitter": 0.1}},
             "activate": {"when": "afterStage", "stage": "picked_up"},
             "map": {"JOB_STATE_PAUSED": "failed", "JOB_STATE_PENDING": null, "JOB_STATE_QUEUED": "submitted"},
             "degradedAfter": 5},
            {"id": "logs", "type": "log-search",
             "config": {"project": "${env.PROJECT}", "filter": "job=\"${fact.job_id}\" AND severity>=ERROR"},
             "activate": {"when": "failureWithoutDetail"}},
            {"id": "logs-when-down", "type": "log-search",
             "config": {"project": "${env.PROJECT}", "filter": "run=${fact.run_id}"},
             "activate": {"when": "fastProvidersDegraded", "for": "45s"}},
            {"id": "logs-when-quiet", "type": "log-search",
             "config": {"project": "${env.PROJECT}", "filter": "severity>=WARNING"},
             "activate": {"when": "silence", "for": "5m"}},
            {"id": "queue-again", "type": "status-page", "config": {"url": "https://mirror.example"},
             "activate": {"when": "always"}}
          ],
          "finish": {"on": ["running"], "deadline": "20m", "detailWait": "90s"}
        }
        """#

    static let fullOptions = PipelineLoader.Options(
        variables: ["item": "item-7", "queue": "cpu"], environment: ["PROJECT": "proj-1", "HOME_REGION": "eu"],
        startedAt: startedAt)

    /// A small pipeline around `providerFields` (extra keys of its one provider) and `extra` (extra
    /// top-level keys, each followed by a comma).
    static func pipeline(config: String, extra: String = "", name: String = "p") -> String {
        """
        {
          \(extra)
          "name": "\(name)",
          "stages": [
            {"id": "queued"}, {"id": "picked_up"},
            {"id": "succeeded", "outcome": "success"}, {"id": "failed", "outcome": "failure"}
          ],
          "providers": [{"id": "queue", "type": "status-page", "config": \(config)}]
        }
        """
    }

    private func load(_ json: String, _ options: PipelineLoader.Options) throws -> PipelineLoader.Loaded {
        try PipelineFixtures.load(json, options: options)
    }

    private func issues(_ json: String, _ options: PipelineLoader.Options) throws -> [PipelineIssue] {
        try PipelineFixtures.issues(json, options: options)
    }

    // MARK: - The model

    @Test("decodes stages in order with titles and outcomes")
    func decodesStages() throws {
        let pipeline = try load(Self.fullPipeline, Self.fullOptions).pipeline
        #expect(pipeline.name == "Queue -> job for ml-team")
        #expect(
            pipeline.stages == [
                Stage(id: "queued", title: "Queued"), Stage(id: "picked_up", title: "Picked up"),
                Stage(id: "submitted", title: "submitted"), Stage(id: "running", title: "Training running"),
                Stage(id: "succeeded", title: "Training succeeded", outcome: .success),
                Stage(id: "failed", title: "Launch failed", outcome: .failure),
            ])
        #expect(pipeline.stage("running")?.title == "Training running")
        #expect(pipeline.stage("paused") == nil)
    }

    @Test("resolves each provider's kind and keeps the path of its config")
    func decodesProviders() throws {
        let pipeline = try load(Self.fullPipeline, Self.fullOptions).pipeline
        #expect(
            pipeline.providers.map(\.id) == [
                "queue", "jobs", "logs", "logs-when-down", "logs-when-quiet", "queue-again",
            ])
        #expect(
            pipeline.providers.map(\.registration.kind) == [
                "status-page", "job-api", "log-search", "log-search", "log-search", "status-page",
            ])
        #expect(pipeline.providers[1].configurationPath.description == "providers[1].config")
        #expect(pipeline.providers[1].degradedAfter == 5)
        #expect(pipeline.providers[0].degradedAfter == 3)
    }

    @Test("applies a provider's map over its kind's default map")
    func mergesMapOverDefaults() throws {
        let pipeline = try load(Self.fullPipeline, Self.fullOptions).pipeline
        let jobs = pipeline.providers[1]
        let expected: [String: String?] = [
            "JOB_STATE_PENDING": nil, "JOB_STATE_RUNNING": "running", "JOB_STATE_SUCCEEDED": "succeeded",
            "JOB_STATE_FAILED": "failed", "JOB_STATE_PAUSED": "failed", "JOB_STATE_QUEUED": "submitted",
        ]
        #expect(jobs.stageMap == expected)
        #expect(jobs.stage(for: "JOB_STATE_PAUSED", declared: pipeline.stages) == .stage("failed"))
        #expect(jobs.stage(for: "JOB_STATE_PENDING", declared: pipeline.stages) == .ignored)
        #expect(jobs.stage(for: "JOB_STATE_CANCELLING", declared: pipeline.stages) == .unmapped)
        #expect(jobs.stage(for: "running", declared: pipeline.stages) == .unmapped)
        #expect(pipeline.providers[0].stageMap == PipelineFixtures.StatusPageProvider.defaultStageMap)
    }

    @Test("decodes schedules, filling what is not given from the defaults")
    func decodesSchedules() throws {
        let pipeline = try load(Self.fullPipeline, Self.fullOptions).pipeline
        let queue = pipeline.providers[0].schedule
        #expect(queue.every == .seconds(2), "the status-page kind's default interval")
        #expect(queue.fastAfterChange == ScheduleConfiguration.FastWindow(every: .milliseconds(250), for: .seconds(10)))
        #expect(queue.requestsPerMinute == 90)
        #expect(queue.backoff == ScheduleConfiguration.Backoff())

        let jobs = pipeline.providers[1].schedule
        #expect(jobs.every == .seconds(2))
        #expect(
            jobs.backoff
                == ScheduleConfiguration.Backoff(initial: .seconds(1), max: .seconds(60), multiplier: 3, jitter: 0.1))
        #expect(jobs.fastAfterChange == .init(every: .milliseconds(500), for: .seconds(3)), "adaptive: every / 4")
        #expect(jobs.slowWhenIdle == nil, "off unless set")
        #expect(jobs.requestsPerMinute == 30, "adaptive: what polling every 2s spends")

        #expect(pipeline.providers[2].schedule.every == .seconds(1), "the protocol's default interval")
        #expect(pipeline.providers[2].schedule.fastAfterChange == .init(every: .milliseconds(250), for: .seconds(3)))
    }

    @Test("a schedule with adaptive false is a fixed interval; slowWhenIdle is checked")
    func fixedAndSlowSchedules() throws {
        let fixed = try load(
            Self.pipeline(config: #"{"url": "http://x"}"#).replacingOccurrences(
                of: #""config": {"url": "http://x"}"#,
                with: #""config": {"url": "http://x"}, "schedule": {"every": "1s", "adaptive": false}"#),
            PipelineLoader.Options())
        #expect(fixed.pipeline.providers[0].schedule == ScheduleConfiguration(every: .seconds(1)))

        let slow = Self.pipeline(config: #"{"url": "http://x"}"#).replacingOccurrences(
            of: #""config": {"url": "http://x"}"#,
            with:
                #""config": {"url": "http://x"}, "schedule": {"every": "2s", "slowWhenIdle": {"after": "1m", "every": "1s"}, "adaptive": 1}"#
        )
        #expect(
            try issues(slow, PipelineLoader.Options()).filter { $0.severity == .error }.map(\.codeAndPath) == [
                "wrong_type providers[0].schedule.adaptive", "out_of_range providers[0].schedule.slowWhenIdle.every",
            ])
    }

    @Test("reports every problem of one stage or provider entry at once, not only the first")
    func reportsEveryProblemOfAnEntry() throws {
        let json = Self.pipeline(config: #"{"url": "http://x"}"#).replacingOccurrences(
            of: #"{"id": "queued"}"#, with: #"{"title": 5, "outcom": "success"}"#
        ).replacingOccurrences(
            of: #"{"id": "queue", "type": "status-page","#, with: #"{"type": 7, "degradedAfter": "3","#)
        #expect(
            try issues(json, PipelineLoader.Options()).filter { $0.severity == .error }.map(\.codeAndPath) == [
                "unknown_key stages[0].outcom", "missing_key stages[0].id", "wrong_type stages[0].title",
                "missing_key providers[0].id", "wrong_type providers[0].type", "wrong_type providers[0].degradedAfter",
            ])
    }

    @Test("each section refuses a key its declaration does not list, suggesting the nearest declared one")
    func sectionsRefuseUndeclaredKeys() throws {
        let json = Self.pipeline(
            config: #"{"url": "http://x"}"#,
            extra: #"""
                "variables": {"entity": {"defualt": "me"}},
                "finish": {"on": "succeeded", "deadlin": "5m"},
                "nmae": "x",
                """#
        ).replacingOccurrences(of: #"{"id": "queued"}"#, with: #"{"id": "queued", "titel": "Queued"}"#)
            .replacingOccurrences(
                of: #""config": {"url": "http://x"}"#, with: #""config": {"url": "http://x"}, "mapp": {}"#)
        let refused = try issues(json, PipelineLoader.Options()).filter { $0.code == "unknown_key" }
        #expect(
            refused.map { "\($0.path) \($0.message)" } == [
                #"nmae is not a known key; did you mean "name"?"#,
                #"variables.entity.defualt is not a known key; did you mean "default"?"#,
                #"stages[0].titel is not a known key; did you mean "title"?"#,
                #"providers[0].mapp is not a known key; did you mean "map"?"#,
                #"finish.deadlin is not a known key; did you mean "deadline"?"#,
            ])
    }

    @Test("decodes each kind of activation")
    func decodesActivations() throws {
        let providers = try load(Self.fullPipeline, Self.fullOptions).pipeline.providers
        #expect(providers[0].activation is AlwaysActive)
        let afterStage = try #require(providers[1].activation as? ActiveAfterStage)
        #expect(afterStage.stage == "picked_up")
        #expect(providers[2].activation is ActiveOnFailureWithoutDetail)
        let degraded = try #require(providers[3].activation as? ActiveWhenFastProvidersDegraded)
        #expect(degraded.duration == .seconds(45))
        let silence = try #require(providers[4].activation as? ActiveAfterSilence)
        #expect(silence.duration == .seconds(300))
        #expect(providers[5].activation is AlwaysActive)
    }

    @Test("decodes the finish policy")
    func decodesFinish() throws {
        let pipeline = try load(Self.fullPipeline, Self.fullOptions).pipeline
        #expect(pipeline.finish == FinishPolicy(on: ["running"], deadline: .seconds(1200), detailWait: .seconds(90)))
    }

    @Test("uses the default finish policy when finish is absent, and accepts a single stage id")
    func finishDefaultsAndSingleStage() throws {
        let plain = try load(Self.pipeline(config: #"{"url": "http://x"}"#), PipelineLoader.Options())
        #expect(plain.pipeline.finish == FinishPolicy())

        let single = try load(
            Self.pipeline(config: #"{"url": "http://x"}"#, extra: #""finish": {"on": "picked_up"},"#),
            PipelineLoader.Options())
        #expect(single.pipeline.finish.on == ["picked_up"])
    }

    @Test("replaces the deadline with the --deadline option")
    func deadlineOptionWins() throws {
        var options = Self.fullOptions
        options.deadline = .seconds(30)
        let pipeline = try load(Self.fullPipeline, options).pipeline
        #expect(pipeline.finish.deadline == .seconds(30))
        #expect(pipeline.finish.detailWait == .seconds(90))
    }

    @Test("records the declared variables with their descriptions and defaults")
    func recordsVariables() throws {
        let pipeline = try load(Self.fullPipeline, Self.fullOptions).pipeline
        #expect(
            pipeline.variables == [
                VariableDeclaration(name: "entity", defaultValue: "ml-team"),
                VariableDeclaration(name: "queue", summary: "the launch queue", defaultValue: "gpu"),
                VariableDeclaration(name: "item", summary: "the run-queue item id"),
                VariableDeclaration(name: "since", defaultValue: Self.startedAtText),
                VariableDeclaration(name: "home", defaultValue: "eu"),
            ])
    }

    // MARK: - Substitution

    @Test("fills --var values, defaults, the environment and the start time into config")
    func substitutesVariables() throws {
        let providers = try load(Self.fullPipeline, Self.fullOptions).pipeline.providers
        let queue = providers[0].configuration
        #expect(queue["url"] == .string("https://status.example/ml-team/cpu/item-7"))
        #expect(queue["region"] == .string("eu"))
        #expect(queue["labels"]?["started"] == .string(Self.startedAtText))
        #expect(queue["labels"]?["since"] == .string(Self.startedAtText))
        #expect(providers[1].configuration["project"] == .string("proj-1"))
    }

    @Test("keeps ${fact.NAME} in config for run time and records the facts each provider needs")
    func keepsFactsInConfig() throws {
        let providers = try load(Self.fullPipeline, Self.fullOptions).pipeline.providers
        #expect(providers[1].configuration["match"]?["labels"]?["wandb-run-id"] == .string("${fact.run_id}"))
        #expect(providers[1].requiredFacts == ["run_id"])
        #expect(providers[2].configuration["filter"] == .string(#"job="${fact.job_id}" AND severity>=ERROR"#))
        #expect(providers[2].requiredFacts == ["job_id"])
        #expect(providers[0].requiredFacts.isEmpty)
        let filled = providers[1].configuration.substitutingFacts(["run_id": "run-42"])
        #expect(filled["match"]?["labels"]?["wandb-run-id"] == .string("run-42"))
    }

    @Test("keeps $${ escaped in config until facts are filled in, and unescapes it elsewhere")
    func escapesLiteralDollarBrace() throws {
        let pipeline = try load(
            Self.pipeline(config: #"{"url": "http://x", "labels": {"shell": "$${HOME}"}}"#, name: "Costs $${n}"),
            PipelineLoader.Options())
        #expect(pipeline.pipeline.name == "Costs ${n}")
        let configuration = try #require(pipeline.pipeline.providers.first?.configuration)
        #expect(configuration["labels"]?["shell"] == .string("$${HOME}"))
        #expect(configuration.substitutingFacts([:])["labels"]?["shell"] == .string("${HOME}"))
    }

    @Test("reports a missing environment variable or variable value when values are required")
    func requireValuesReportsMissingValues() throws {
        let found = try issues(Self.fullPipeline, PipelineLoader.Options(variables: [:], environment: [:]))
        #expect(
            found.filter { $0.severity == .error }.map(\.codeAndPath) == [
                "missing_variable providers[0].config.url", "missing_env providers[0].config.region",
                "missing_env providers[1].config.project",
                "missing_env providers[2].config.project", "missing_env providers[3].config.project",
                "missing_env providers[4].config.project",
            ])
        let item = try #require(found.first { $0.code == "missing_variable" })
        #expect(item.message == #"variable "item" has no value; pass --var item=VALUE"#)
        let project = try #require(found.first { $0.path.description == "providers[1].config.project" })
        #expect(project.message == "environment variable PROJECT is not set (${env.PROJECT})")
    }

    @Test("keeps unresolved references as written when values are not required")
    func validateKeepsUnresolvedReferences() throws {
        let loaded = try load(Self.fullPipeline, PipelineLoader.Options(requireValues: false))
        let providers = loaded.pipeline.providers
        #expect(providers[0].configuration["url"] == .string("https://status.example/ml-team/gpu/${var.item}"))
        #expect(providers[0].configuration["region"] == .string("${var.home}"))
        #expect(providers[1].configuration["project"] == .string("${env.PROJECT}"))
        #expect(loaded.pipeline.variables.first { $0.name == "home" }?.defaultValue == "${env.HOME_REGION}")
    }

    @Test("reports an unset environment variable in a default only where the default is used")
    func reportsMissingEnvironmentInUsedDefault() throws {
        let json = Self.pipeline(
            config: #"{"url": "http://x", "region": "${var.region}"}"#,
            extra: #""variables": {"region": "${env.REGION}", "unused": "${env.UNUSED}"},"#)
        let found = try issues(json, PipelineLoader.Options())
        #expect(found.filter { $0.severity == .error }.map(\.codeAndPath) == ["missing_env providers[0].config.region"])
        #expect(
            found.first?.message
                == #"variable "region" defaults to ${env.REGION}, which is not set; "#
                + "set REGION or pass --var region=VALUE")

        let given = try load(json, PipelineLoader.Options(variables: ["region": "eu"]))
        #expect(given.pipeline.providers.first?.configuration["region"] == .string("eu"))
        let fromEnvironment = try load(json, PipelineLoader.Options(environment: ["REGION": "us"]))
        #expect(fromEnvironment.pipeline.providers.first?.configuration["region"] == .string("us"))
    }

    @Test("rejects a default that uses another variable or a fact")
    func rejectsDefaultsWithOtherReferences() throws {
        let found = try issues(
            Self.pipeline(
                config: #"{"url": "http://x/${var.a}/${var.b}"}"#,
                extra: #""variables": {"a": "${var.b}", "b": {"default": "${fact.run_id}"}},"#),
            PipelineLoader.Options())
        #expect(
            found.filter { $0.severity == .error }.map(\.codeAndPath) == [
                "bad_reference variables.a", "bad_reference variables.b.default",
            ])
        #expect(found.first?.message.contains("may use only ${env.NAME} and ${launch.startedAt}") == true)
    }

    @Test("reports an undeclared ${var.NAME} even when values are not required")
    func reportsUndeclaredVariable() throws {
        for requireValues in [true, false] {
            let found = try issues(
                Self.pipeline(config: #"{"url": "http://x/${var.entiti}"}"#, extra: #""variables": {"entity": "e"},"#),
                PipelineLoader.Options(requireValues: requireValues))
            #expect(found.map(\.codeAndPath) == ["undeclared_variable providers[0].config.url"])
            #expect(found.first?.message.contains(#"(did you mean "entity"?)"#) == true)
        }
    }

    @Test("lists --var names the pipeline does not declare")
    func listsUndeclaredVariables() throws {
        let loaded = try load(
            Self.pipeline(config: #"{"url": "http://x/${var.entity}"}"#, extra: #""variables": {"entity": "e"},"#),
            PipelineLoader.Options(variables: ["entity": "a", "zone": "b", "colour": "c"]))
        #expect(loaded.undeclaredVariables == ["colour", "zone"])
        #expect(loaded.pipeline.providers.first?.configuration["url"] == .string("http://x/a"))
    }

    @Test("fills variables outside config too")
    func substitutesOutsideConfig() throws {
        let loaded = try load(
            Self.pipeline(
                config: #"{"url": "http://x"}"#,
                extra: #""variables": {"wait": "3m"}, "finish": {"deadline": "${var.wait}"},"#),
            PipelineLoader.Options(variables: ["wait": "45m"]))
        #expect(loaded.pipeline.finish.deadline == .seconds(2700))
    }

    @Test("checks a duration that came from a variable")
    func checksSubstitutedDuration() throws {
        let found = try issues(
            Self.pipeline(
                config: #"{"url": "http://x"}"#,
                extra: #""variables": {"wait": "3 min"}, "finish": {"deadline": "${var.wait}"},"#),
            PipelineLoader.Options())
        #expect(found.map(\.codeAndPath) == ["bad_duration finish.deadline"])
    }

    // MARK: - Warnings and errors

    @Test("warns about a progress stage no map leads to, and still loads")
    func warnsAboutUnreachableProgressStage() throws {
        let json = Self.pipeline(config: #"{"url": "http://x"}"#).replacingOccurrences(
            of: #"{"id": "picked_up"},"#, with: #"{"id": "picked_up"}, {"id": "provisioning"},"#)
        let loaded = try load(json, PipelineLoader.Options())
        #expect(loaded.warnings.map(\.codeAndPath) == ["unreachable_stage stages[2]"])
        #expect(loaded.warnings.first?.severity == .warning)
        #expect(loaded.warnings.first?.message.contains("it can only be inferred from a later stage") == true)
        #expect(loaded.pipeline.stage("provisioning") != nil)
    }

    @Test("warns when nothing ends the watch successfully")
    func warnsWithoutSuccess() throws {
        let json = Self.pipeline(config: #"{"url": "http://x"}"#).replacingOccurrences(
            of: #"{"id": "succeeded", "outcome": "success"},"#, with: "")
        let loaded = try load(json, PipelineLoader.Options())
        #expect(loaded.warnings.map(\.codeAndPath) == ["no_success finish"])
    }

    @Test("has no warnings for a pipeline whose maps reach every stage")
    func noWarningsForCompletePipeline() throws {
        #expect(try load(Self.fullPipeline, Self.fullOptions).warnings.isEmpty)
    }

    @Test("reports every error at once, in document order")
    func reportsAllErrorsAtOnce() throws {
        let json = #"""
            {
              "name": "p", "versoin": 1,
              "stages": [{"id": "running"}, {"id": "done", "outcome": "succes"}],
              "providers": [
                {"id": "queue", "type": "status-pag", "config": {"url": "http://x"}},
                {"id": "jobs", "type": "job-api", "config": {"project": "p", "region": 5},
                 "schedule": {"every": "5 sec"}, "map": {"JOB_STATE_RUNNING": "runing"}}
              ],
              "finish": {"deadline": "-1s"}
            }
            """#
        let found = try issues(json, PipelineLoader.Options())
        #expect(
            found.filter { $0.severity == .error }.map(\.codeAndPath) == [
                "unknown_key versoin", "unknown_value stages[1].outcome", "unknown_type providers[0].type",
                "config providers[1].config.region", "bad_duration providers[1].schedule.every",
                "unknown_stage providers[1].map.JOB_STATE_RUNNING", "bad_duration finish.deadline",
            ])
    }

    @Test("says which file a pipeline error is in")
    func namesTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("launchwatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("broken.json")
        try Data(Self.pipeline(config: #"{"url": 1}"#).utf8).write(to: file)

        let error = try #require(throws: PipelineError.self) {
            try PipelineLoader(registry: PipelineFixtures.registry()).load(contentsOf: file, options: .init())
        }
        #expect(error.file == file.path)
        #expect(error.description == "\(file.path): error: providers[0].config.url: must be a string, not a number")
    }

    @Test("resolves the base directory from the file's folder")
    func baseDirectoryIsTheFilesFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("launchwatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("ok.json")
        try Data(Self.pipeline(config: #"{"url": "http://x"}"#).utf8).write(to: file)

        let loaded = try PipelineLoader(registry: PipelineFixtures.registry()).load(contentsOf: file, options: .init())
        #expect(loaded.pipeline.baseDirectory.standardizedFileURL.path == folder.standardizedFileURL.path)
    }

    @Test("reports a missing file as unreadable")
    func reportsMissingFile() throws {
        let file = URL(fileURLWithPath: "/nonexistent/launchwatch/pipeline.json")
        let error = try #require(throws: PipelineError.self) {
            try PipelineLoader(registry: PipelineFixtures.registry()).load(contentsOf: file, options: .init())
        }
        #expect(error.issues.map(\.code) == ["unreadable"])
        #expect(error.issues.first?.message == "no such file")
    }

    @Test("reports a ${fact.NAME} that only the provider itself publishes")
    func factFromOwnProviderIsUnknown() throws {
        let found = try issues(
            Self.pipeline(config: #"{"url": "http://x", "labels": {"run": "${fact.run_id}"}}"#),
            PipelineLoader.Options())
        #expect(
            found.filter { $0.severity == .error }.map(\.codeAndPath) == ["unknown_fact providers[0].config.labels.run"]
        )
        #expect(found.first?.message.contains("facts published here: none") == true)
    }
}
