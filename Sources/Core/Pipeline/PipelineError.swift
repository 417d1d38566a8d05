/// A pipeline that cannot be used, with every problem found in it (not only the first).
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// The file, when the pipeline came from one.
    public var file: String?
    /// All problems, errors and warnings, in document order.
    public var issues: [PipelineIssue]

    public init(file: String? = nil, issues: [PipelineIssue]) {
        self.file = file
        self.issues = issues
    }

    public var errors: [PipelineIssue] { issues.filter { $0.severity == .error } }

    public var description: String {
        let prefix = file.map { "\($0): " } ?? ""
        return issues.map { "\(prefix)\($0.severity): \($0)" }.joined(separator: "\n")
    }
}
