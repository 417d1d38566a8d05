// Full Foundation, not FoundationEssentials: FileManager.fileExists(atPath:isDirectory:) and its ObjCBool are not in FoundationEssentials.
import Foundation

/// Reads a pipeline file strictly and reports every problem at once, each with its JSON path.
///
/// Loading is three steps (`PipelineDecoding`): parse (exact JSON, duplicate keys rejected),
/// substitute variables (`VariableSubstitution`: `${env.NAME}`, `${var.NAME}`, `${launch.startedAt}`;
/// `${fact.NAME}` is kept for run time and is allowed only inside a provider's `config`), then decode
/// every section (Decodable section types read with `JSONValueDecoder.decodeCollecting`; `schedule`
/// and `activate` by the keys `ScheduleSection` and `ActivationKind` declare) and check every
/// reference: stage ids, provider kinds against the registry, facts (`FactReferenceCheck`) and
/// whether each outcome can be reached (`StageReachabilityCheck`).
///
/// `validate` (no values needed) keeps references it cannot fill; `run` requires them.
public struct PipelineLoader: Sendable {
    /// How to fill in variables.
    public struct Options: Sendable {
        /// `--var NAME=value`.
        public var variables: [String: String]
        public var environment: [String: String]
        /// The watch's start, for `${launch.startedAt}`.
        public var startedAt: Date
        /// When true every `${env.*}` and `${var.*}` must have a value (run); when false, unresolved
        /// references are kept as they are (validate).
        public var requireValues: Bool
        /// Replaces `finish.deadline` (`--deadline`).
        public var deadline: Duration?

        public init(
            variables: [String: String] = [:], environment: [String: String] = [:], startedAt: Date = Date(),
            requireValues: Bool = true, deadline: Duration? = nil
        ) {
            self.variables = variables
            self.environment = environment
            self.startedAt = startedAt
            self.requireValues = requireValues
            self.deadline = deadline
        }
    }

    /// A pipeline that loaded, with the warnings found on the way.
    public struct Loaded: Sendable {
        public var pipeline: Pipeline
        public var warnings: [PipelineIssue]
        /// `--var` names the pipeline does not declare.
        public var undeclaredVariables: [String]
    }

    public let registry: ProviderRegistry

    public init(registry: ProviderRegistry) {
        self.registry = registry
    }

    /// Loads the pipeline file at `url`; relative paths inside it resolve against its folder.
    public func load(contentsOf url: URL, options: Options) throws(PipelineError) -> Loaded {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            let reason =
                !exists ? "no such file" : isDirectory.boolValue ? "is a folder, not a pipeline file" : "cannot be read"
            throw PipelineError(file: url.path, issues: [PipelineIssue("unreadable", at: JSONPath(), reason)])
        }
        do {
            return try load(data, baseDirectory: url.deletingLastPathComponent(), options: options)
        } catch {
            throw PipelineError(file: url.path, issues: error.issues)
        }
    }

    /// Loads a pipeline from JSON bytes.
    public func load(_ data: Data, baseDirectory: URL, options: Options) throws(PipelineError) -> Loaded {
        var decoding = PipelineDecoding(registry: registry, options: options, baseDirectory: baseDirectory)
        let pipeline = decoding.decode(data)
        let issues = decoding.reader.issues
        if let pipeline, !issues.contains(where: { $0.severity == .error }) {
            let undeclared = options.variables.keys.filter { name in !pipeline.variables.contains { $0.name == name } }
            return Loaded(pipeline: pipeline, warnings: issues, undeclaredVariables: undeclared.sorted())
        }
        throw PipelineError(issues: issues)
    }
}
