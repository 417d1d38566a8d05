import Foundation
import LaunchWatchCore

/// The fields of a Cloud Run v2 `Execution` that a watch reads (`GET
/// /v2/projects/P/locations/R/jobs/J/executions/E`, google.cloud.run.v2.Execution): its `name` and
/// its `conditions`, of which only the `Completed` one matters.
///
/// Decoding needs a `name` that is a non-empty string: an answer without one is not an execution
/// at all. proto3 JSON leaves out empty repeated fields, so no `conditions` (or `null`) is an
/// execution without conditions yet, not a malformed answer; `conditions` that are there but not a
/// list are kept as `.notAList` so the provider can name that fault. Inside a condition, a field of
/// another type than the reference's is left out rather than failing the whole execution, and an
/// element that is not an object is no condition.
struct CloudRunExecution: Decodable {
    /// A google.cloud.run.v2.Condition, as far as a watch reads it.
    struct Condition: Decodable {
        /// `Completed`, `ResourcesAvailable`, `Started`, ...
        var type: String?
        /// `CONDITION_PENDING`, `CONDITION_RECONCILING`, `CONDITION_SUCCEEDED`, `CONDITION_FAILED`.
        var state: String?
        var message: String?
        /// Why the execution failed (`NON_ZERO_EXIT_CODE`, `CANCELLED`, ...).
        var executionReason: String?
        var lastTransitionTime: String?

        private enum CodingKeys: String, CodingKey {
            case type, state, message, executionReason, lastTransitionTime
        }

        init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: CodingKeys.self) else { return }
            func text(_ key: CodingKeys) -> String? { try? container.decodeIfPresent(String.self, forKey: key) }
            type = text(.type)
            state = text(.state)
            message = text(.message)
            executionReason = text(.executionReason)
            lastTransitionTime = text(.lastTransitionTime)
        }
    }

    /// The execution's `conditions` as the answer gave them.
    enum Conditions {
        case list([Condition])
        case notAList
    }

    /// `projects/P/locations/R/jobs/J/executions/E`.
    var name: String
    var conditions: Conditions

    private enum CodingKeys: String, CodingKey { case name, conditions }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        if name.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .name, in: container, debugDescription: "is empty")
        }
        do {
            conditions = .list(try container.decodeIfPresent([Condition].self, forKey: .conditions) ?? [])
        } catch {
            conditions = .notAList
        }
    }

    /// The `Completed` condition, once the execution has one.
    var completed: Condition? {
        guard case .list(let items) = conditions else { return nil }
        return items.first { $0.type == "Completed" }
    }
}
