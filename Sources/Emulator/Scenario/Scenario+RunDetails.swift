import Foundation
import LaunchWatchCore

extension Scenario {
    /// What a `createRun` step says about a W&B run besides its state:
    /// `"config": {"lr": 0.001}`, `"summary": {"loss": 0.31}`, `"tags": ["baseline"]`, `"group"`, `"jobType"`.
    ///
    /// The config is given plainly; the emulated API wraps each key the way W&B stores it
    /// (`{"lr": {"value": 0.001, "desc": null}}`).
    public struct RunDetails: Sendable {
        public var config: JSONValue?
        public var summary: JSONValue?
        public var tags: [String]
        public var group: String?
        public var jobType: String?

        public init(
            config: JSONValue? = nil, summary: JSONValue? = nil, tags: [String] = [], group: String? = nil,
            jobType: String? = nil
        ) {
            self.config = config
            self.summary = summary
            self.tags = tags
            self.group = group
            self.jobType = jobType
        }

        /// `config` and `summary` must be objects when given.
        static func problems(config: JSONValue?, summary: JSONValue?, path: String) -> [(String, String)] {
            var problems: [(String, String)] = []
            for (name, value) in [("config", config), ("summary", summary)] {
                guard let value else { continue }
                if case .object = value { continue }
                problems.append(("\(path).\(name)", "must be an object, not \(value.typeDescription)"))
            }
            return problems
        }
    }
}
