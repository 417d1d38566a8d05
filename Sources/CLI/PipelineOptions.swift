import ArgumentParser
import Foundation
import LaunchWatchCore

/// `--var NAME=value`, shared by `run` and `validate`.
struct VariableOptions: ParsableArguments {
    @Option(
        name: .customLong("var"),
        help: ArgumentHelp("Sets a pipeline variable (${var.NAME}); repeat for several.", valueName: "NAME=value"))
    var assignments: [String] = []

    init() {}

    init(assignments: [String]) {
        self.assignments = assignments
    }

    func validate() throws {
        _ = try parsed()
    }

    /// The assignments as a dictionary; a malformed one is a usage error naming it.
    func parsed() throws -> [String: String] {
        var variables: [String: String] = [:]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ValidationError("--var \(assignment): expected NAME=value, such as --var entity=my-team")
            }
            let name = String(assignment[..<equals])
            guard variables[name] == nil else {
                throw ValidationError("--var \(name) is given twice")
            }
            variables[name] = String(assignment[assignment.index(after: equals)...])
        }
        return variables
    }
}

extension PipelineLoader.Loaded {
    /// The usage error for a `--var` the pipeline does not declare, if there is one.
    func undeclaredVariableMessage() -> String? {
        guard let unknown = undeclaredVariables.first else { return nil }
        let declared = pipeline.variables.map(\.name)
        var message = "--var \(unknown): the pipeline declares no variable \"\(unknown)\""
        if let suggestion = NameSuggestion.nearest(to: unknown, in: declared) {
            message += "; did you mean \"\(suggestion)\"?"
        }
        message += declared.isEmpty ? " (it declares none)" : " (declared: \(declared.joined(separator: ", ")))"
        return message
    }
}

/// Prints a pipeline's issues the way compilers do: `FILE: error: PATH: message`.
func report(_ error: PipelineError, file: String, to output: Output) {
    for issue in error.issues {
        output.line("\(file): \(issue.severity): \(issue)")
    }
    let count = error.errors.count
    output.line("\(file): invalid pipeline (\(count) error\(count == 1 ? "" : "s"))")
}
