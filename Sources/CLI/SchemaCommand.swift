import ArgumentParser
import LaunchWatchCore

/// `launchwatch schema`: prints the JSON Schema of the pipeline format, built from the registry so
/// that each provider kind's `config` is described too.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of the pipeline format (Examples/pipeline.schema.json)."
    )

    func run() throws {
        print(PipelineSchema.document(registry: LaunchWatchCLI.registry).prettyText)
    }
}
