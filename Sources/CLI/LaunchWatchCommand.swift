import ArgumentParser
import Foundation
import LaunchWatchCore

/// The `launchwatch` command: watches a launch as a pipeline describes it. Run it through
/// `LaunchWatchCLI.main(registry:)`, which gives every command its registry.
struct LaunchWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launchwatch",
        abstract: "Tells you within seconds where a training launch stands, and why it failed.",
        discussion: """
            A pipeline file (JSON) declares the stages of a launch and the providers that observe it; \
            `launchwatch run` polls them and reports each stage as soon as any provider sees it.

            Exit codes:
              0    the launch succeeded (or reached a stage in finish.on)
              1    the launch failed
              2    the deadline passed without an outcome
              64   bad usage (an unknown flag or --var)
              65   the pipeline is invalid
              130  interrupted (Ctrl-C); 143 terminated (SIGTERM)
            """,
        version: "0.1.0",
        subcommands: [
            RunCommand.self, ValidateCommand.self, ProvidersCommand.self, SchemaCommand.self, EmulateCommand.self,
            DemoCommand.self, BenchCommand.self, DoctorCommand.self, LaunchCommand.self, HistoryCommand.self,
        ]
    )
}
