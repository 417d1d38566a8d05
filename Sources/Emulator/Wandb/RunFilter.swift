import Foundation
import LaunchWatchCore

/// The `filters` argument of `Project.runs` and `Project.runCount`: a JSON string holding W&B's
/// MongoDB-like query, e.g. `{"$and": [{"state": "running"}, {"createdAt": {"$gt": "2025-11-17T10:00:00"}}]}`.
///
/// Operators: `$and`, `$or`, `$nor` (over lists of queries); per field `$eq`, `$ne`, `$gt`, `$gte`,
/// `$lt`, `$lte`, `$in`, `$nin`, `$exists`, `$regex` (with `$options`), `$not`; a plain value is
/// `$eq`, and several conditions in one object all apply. Fields: `name` (the run id),
/// `displayName`/`display_name`, `state`, `createdAt`/`created_at`, `heartbeatAt`/`heartbeat_at`,
/// `updatedAt`, `tags`, `group`, `jobType`/`job_type`, `username`, `entity`, `project`,
/// `config.KEY` (also `config.KEY.value`, W&B's stored form) and `summary_metrics.KEY`
/// (`summaryMetrics.KEY`, `summary.KEY`). As in MongoDB, a condition on a list field (`tags`)
/// holds when it holds for any element, and `$ne`/`$nin` hold for a missing field.
///
/// Timestamps compare as instants: the run's `createdAt` against RFC 3339 text with `Z` or an
/// offset, or W&B's zone-less form (`2025-11-17T10:00:00`, read as UTC).
indirect enum RunFilter: Sendable {
    case all
    case and([RunFilter])
    case or([RunFilter])
    case nor([RunFilter])
    case field(String, Condition)

    /// A condition on one field's value.
    indirect enum Condition: Sendable {
        case equal(JSONValue)
        case notEqual(JSONValue)
        case compare(op: String, JSONValue)
        case isIn([JSONValue])
        case notIn([JSONValue])
        case exists(Bool)
        case regex(String, options: String)
        case not(Condition)
        case all([Condition])
    }

    struct ParseError: Error, Sendable {
        var message: String
    }

    /// Reads the JSON text of a `filters` argument; empty text or `null` is no filter.
    static func parse(_ text: String) throws(ParseError) -> RunFilter {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed != "null" else { return .all }
        let value: JSONValue
        do {
            value = try JSONParser.parse(trimmed)
        } catch {
            throw ParseError(message: "filters is not valid JSON: \(error)")
        }
        return try parse(value)
    }

    static func parse(_ value: JSONValue) throws(ParseError) -> RunFilter {
        guard case .object(let members) = value else {
            throw ParseError(message: "filters must be a JSON object, not \(value.typeDescription)")
        }
        var parts: [RunFilter] = []
        for member in members {
            switch member.key {
            case "$and", "$or", "$nor":
                guard case .array(let items) = member.value else {
                    throw ParseError(message: "\(member.key) needs a list of queries")
                }
                var queries: [RunFilter] = []
                for item in items { queries.append(try parse(item)) }
                parts.append(member.key == "$and" ? .and(queries) : member.key == "$or" ? .or(queries) : .nor(queries))
            case let key where key.hasPrefix("$"):
                throw ParseError(message: "unknown top-level operator \(key)")
            default:
                parts.append(.field(member.key, try condition(member.value)))
            }
        }
        return parts.count == 1 ? parts[0] : parts.isEmpty ? .all : .and(parts)
    }

    private static func condition(_ value: JSONValue) throws(ParseError) -> Condition {
        guard case .object(let members) = value, let first = members.first, first.key.hasPrefix("$") else {
            return .equal(value)
        }
        var conditions: [Condition] = []
        let options: String
        if case .string(let text)? = value["$options"] { options = text } else { options = "" }
        for member in members {
            switch member.key {
            case "$eq": conditions.append(.equal(member.value))
            case "$ne": conditions.append(.notEqual(member.value))
            case "$gt", "$gte", "$lt", "$lte": conditions.append(.compare(op: member.key, member.value))
            case "$in", "$nin":
                guard case .array(let values) = member.value else {
                    throw ParseError(message: "\(member.key) needs a list of values")
                }
                conditions.append(member.key == "$in" ? .isIn(values) : .notIn(values))
            case "$exists":
                guard case .bool(let flag) = member.value else {
                    throw ParseError(message: "$exists needs true or false")
                }
                conditions.append(.exists(flag))
            case "$regex":
                guard case .string(let pattern) = member.value else {
                    throw ParseError(message: "$regex needs a string pattern")
                }
                guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                    throw ParseError(message: "invalid $regex pattern \(JSONValue.quoted(pattern))")
                }
                conditions.append(.regex(pattern, options: options))
            case "$options":
                continue
            case "$not":
                conditions.append(.not(try condition(member.value)))
            default:
                throw ParseError(message: "unknown operator \(member.key)")
            }
        }
        return conditions.count == 1 ? conditions[0] : .all(conditions)
    }

    /// Whether `run`, created by `username`, passes.
    func matches(_ run: WandbRun, username: String) -> Bool {
        switch self {
        case .all: return true
        case .and(let queries): return queries.allSatisfy { $0.matches(run, username: username) }
        case .or(let queries): return queries.contains { $0.matches(run, username: username) }
        case .nor(let queries): return !queries.contains { $0.matches(run, username: username) }
        case .field(let name, let condition):
            let field = RunField(name)
            return Self.holds(condition, field, field.value(of: run, username: username))
        }
    }

    private static func holds(_ condition: Condition, _ field: RunField, _ value: JSONValue?) -> Bool {
        switch condition {
        case .equal(let operand): return anyElement(value) { equal($0, field.operand(operand)) }
        case .notEqual(let operand): return !anyElement(value) { equal($0, field.operand(operand)) }
        case .compare(let op, let operand):
            return anyElement(value) { element in
                guard let order = compare(element, field.operand(operand)) else { return false }
                switch op {
                case "$gt": return order == .orderedDescending
                case "$gte": return order != .orderedAscending
                case "$lt": return order == .orderedAscending
                default: return order != .orderedDescending
                }
            }
        case .isIn(let operands):
            return anyElement(value) { element in operands.contains { equal(element, field.operand($0)) } }
        case .notIn(let operands):
            return !anyElement(value) { element in operands.contains { equal(element, field.operand($0)) } }
        case .exists(let flag): return (value != nil) == flag
        case .regex(let pattern, let options):
            var regexOptions: NSRegularExpression.Options = []
            if options.contains("i") { regexOptions.insert(.caseInsensitive) }
            if options.contains("m") { regexOptions.insert(.anchorsMatchLines) }
            if options.contains("s") { regexOptions.insert(.dotMatchesLineSeparators) }
            guard let regex = try? NSRegularExpression(pattern: pattern, options: regexOptions) else { return false }
            return anyElement(field.text(value)) { element in
                guard case .string(let text) = element else { return false }
                return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            }
        case .not(let inner): return !holds(inner, field, value)
        case .all(let conditions): return conditions.allSatisfy { holds($0, field, value) }
        }
    }

    /// A condition on a list holds when it holds for the whole list or for any element.
    private static func anyElement(_ value: JSONValue?, _ test: (JSONValue) -> Bool) -> Bool {
        guard let value else { return false }
        if test(value) { return true }
        if case .array(let elements) = value { return elements.contains(where: test) }
        return false
    }

    private static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool { a == b }

    /// Numbers compare as numbers and strings as strings; other pairs do not compare.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> ComparisonResult? {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        case (.string(let x), .string(let y)):
            return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        case (.bool(let x), .bool(let y)): return x == y ? .orderedSame : (!x ? .orderedAscending : .orderedDescending)
        default: return nil
        }
    }
}

/// A run field named in a filter or an `order`, with the W&B spellings mapped to one meaning.
struct RunField: Sendable {
    enum Kind: Sendable {
        case name
        case displayName
        case state
        case createdAt
        case heartbeatAt
        case tags
        case group
        case jobType
        case username
        case entity
        case project
        case config([String])
        case summary([String])
        case unknown
    }

    var kind: Kind

    init(_ name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let rest = Array(parts.dropFirst())
        switch parts.first ?? "" {
        case "name", "id": kind = .name
        case "displayName", "display_name": kind = .displayName
        case "state": kind = .state
        case "createdAt", "created_at": kind = .createdAt
        case "heartbeatAt", "heartbeat_at", "updatedAt", "updated_at": kind = .heartbeatAt
        case "tags": kind = .tags
        case "group": kind = .group
        case "jobType", "job_type": kind = .jobType
        case "username", "user": kind = .username
        case "entity", "entityName": kind = .entity
        case "project", "projectName": kind = .project
        case "config": kind = rest.isEmpty ? .unknown : .config(rest)
        case "summary_metrics", "summaryMetrics", "summary": kind = rest.isEmpty ? .unknown : .summary(rest)
        default: kind = .unknown
        }
    }

    var isTimestamp: Bool {
        switch kind {
        case .createdAt, .heartbeatAt: true
        default: false
        }
    }

    /// The run's value for this field; `nil` when the run has none. Timestamps are whole seconds
    /// since 1970 (what the API shows), so that they compare as instants.
    func value(of run: WandbRun, username: String) -> JSONValue? {
        switch kind {
        case .name: return .string(run.id)
        case .displayName: return .string(run.displayName)
        case .state: return .string(run.state)
        case .createdAt: return .number(WandbTimestamp.truncated(run.createdAt).timeIntervalSince1970)
        case .heartbeatAt: return .number(WandbTimestamp.truncated(run.heartbeatAt).timeIntervalSince1970)
        case .tags: return .array(run.details.tags.map(JSONValue.string))
        case .group: return run.details.group.map(JSONValue.string)
        case .jobType: return run.details.jobType.map(JSONValue.string)
        case .username: return .string(username)
        case .entity: return .string(run.entity)
        case .project: return .string(run.project)
        case .config(let path):
            // W&B stores each config key as {"value": ..., "desc": ...}: `config.lr` and
            // `config.lr.value` both name the plain value.
            var keys = path
            if keys.count >= 2, keys.last == "value" { keys.removeLast() }
            return Self.lookup(run.details.config, keys)
        case .summary(let path): return Self.lookup(run.details.summary, path)
        case .unknown: return nil
        }
    }

    /// A filter operand in the form `value(of:)` uses: timestamps as seconds since 1970.
    func operand(_ value: JSONValue) -> JSONValue {
        guard isTimestamp, case .string(let text) = value, let date = WandbTimestamp.date(text) else { return value }
        return .number(date.timeIntervalSince1970)
    }

    /// The value as text for `$regex`: timestamps in W&B's form.
    func text(_ value: JSONValue?) -> JSONValue? {
        guard isTimestamp, case .number(let seconds)? = value else { return value }
        return .string(WandbTimestamp.string(Date(timeIntervalSince1970: seconds)))
    }

    private static func lookup(_ value: JSONValue?, _ path: [String]) -> JSONValue? {
        var current = value
        for key in path {
            guard let next = current?[key] else { return nil }
            current = next
        }
        return current
    }
}
