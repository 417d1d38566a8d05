/// A milestone the pipeline declares, such as "queued" or "running".
///
/// Stages are declared in order. Progress stages are reached in that order (reaching a later one
/// infers the earlier ones); an outcome stage (`success` or `failure`) ends the watch.
public struct Stage: Sendable, Hashable, Codable {
    /// What reaching a stage means for the watch.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        case progress
        case success
        case failure
    }

    public var id: String
    public var title: String
    public var outcome: Outcome

    public init(id: String, title: String? = nil, outcome: Outcome = .progress) {
        self.id = id
        self.title = title ?? id
        self.outcome = outcome
    }
}
