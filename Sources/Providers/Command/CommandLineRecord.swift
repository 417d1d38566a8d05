import Foundation
import LaunchWatchCore

/// One line of a `command` provider's output: one observation, as a JSON object on one line.
///
/// ```json
/// {"status": "JOB_STATE_FAILED", "at": "2026-01-05T10:00:09Z", "subject": "customJobs/42",
///  "detail": {"message": "Quota exceeded", "code": "8"}, "facts": {"job_id": "42"}, "retryAfter": "30s"}
/// ```
///
/// Only `status` is required. Unknown keys are errors (a misspelt `detial` would otherwise pass
/// silently); the line format's JSON Schema is `Examples/command-providers/command-line.schema.json`.
struct CommandLineRecord: Decodable, Sendable {
    struct Detail: Decodable, Sendable {
        var message: String
        var code: String?
    }

    var status: String
    var at: String?
    var subject: String?
    var detail: Detail?
    var facts: [String: String]?
    var retryAfter: String?

    /// What one line says, read strictly: an observation and the backend's request to wait, or an
    /// error that names the line (`number`) and the field at fault.
    ///
    /// - `allowedFacts`: the configuration's `publishes`; a fact outside it is an error, so that
    ///   `validate`'s check of `${fact.NAME}` references holds at run time.
    static func read(
        _ line: String, number: Int, allowedFacts: Set<String>, provider: String
    ) throws(ProviderError) -> (observation: Observation, retryAfter: Duration?) {
        func failure(_ message: String) -> ProviderError {
            ProviderError(
                code: .commandOutput,
                message: "\(provider): line \(number) of the command's output \(message); each line must be one "
                    + "JSON object such as {\"status\": \"RUNNING\"}")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw failure("is not JSON (\(error.message))")
        }
        guard case .object = value else {
            throw failure("is \(value.typeDescription), not an object")
        }
        let record: CommandLineRecord
        do {
            record = try JSONValueDecoder().decode(CommandLineRecord.self, from: value)
        } catch {
            let problems = error.failures.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            throw failure("is not an observation (\(problems))")
        }
        guard !record.status.isEmpty else { throw failure("has an empty status") }
        var backendTime: Date?
        if let at = record.at {
            guard let date = RFC3339.date(from: at) else {
                throw failure("has \"at\": \"\(at)\", which is not an RFC 3339 time such as 2026-01-05T10:00:09Z")
            }
            backendTime = date
        }
        var retryAfter: Duration?
        if let text = record.retryAfter {
            guard let duration = DurationText.parse(text) else {
                throw failure("has \"retryAfter\": \"\(text)\", which is not a duration such as 30s")
            }
            retryAfter = duration
        }
        let facts = record.facts ?? [:]
        if let stray = facts.keys.sorted().first(where: { !allowedFacts.contains($0) }) {
            throw failure(
                "publishes the fact \"\(stray)\", which the configuration's publishes does not list "
                    + "(add \"\(stray)\" to publishes)")
        }
        let observation = Observation(
            status: record.status, subject: record.subject, backendTime: backendTime,
            detail: record.detail.map { FailureDetail(code: $0.code, message: $0.message) }, facts: facts)
        return (observation, retryAfter)
    }
}
