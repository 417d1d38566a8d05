#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads the values of a pipeline document and collects the issues it finds, each with its JSON
/// path, instead of stopping at the first: the typed reading helpers every section decoder and
/// validator shares, and the readers of keys declared as `SectionKey`s (schedules, activations).
struct PipelineReader {
    let options: PipelineLoader.Options
    /// Every issue found so far, in the order found (document order).
    var issues: [PipelineIssue] = []

    init(options: PipelineLoader.Options) {
        self.options = options
    }

    mutating func error(_ code: String, _ path: JSONPath, _ message: String) {
        issues.append(PipelineIssue(code, at: path, message))
    }

    mutating func warning(_ code: String, _ path: JSONPath, _ message: String) {
        issues.append(PipelineIssue(code, at: path, message, severity: .warning))
    }

    @discardableResult
    mutating func checkStageReference(_ id: String, at path: JSONPath, stages: [Stage]) -> Bool {
        if stages.contains(where: { $0.id == id }) || isUnresolved(id) { return true }
        error(
            "unknown_stage", path,
            "unknown stage \"\(id)\"" + suggestion(id, stages.map(\.id))
                + " (declared stages: \(stages.map(\.id).joined(separator: ", ")))")
        return false
    }

    mutating func checkIdentifier(_ text: String, at path: JSONPath, what: String) {
        let valid =
            !text.isEmpty && text.count <= 64
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        if !valid {
            error(
                "bad_identifier", path, "\(quoted(text)) is not \(what): use 1 to 64 letters, digits, '_' or '-'"
            )
        }
    }

    /// Still holds a reference that validation left unfilled (no value needed there); when values
    /// are required, a `${` can only have come from a value itself and is checked like any text.
    func isUnresolved(_ text: String) -> Bool {
        !options.requireValues && text.contains("${")
    }

    /// A user's value, quoted for a message: secrets redacted first, then cut to 80 characters.
    func quoted(_ text: String) -> String {
        let redacted = SecretRedactor(environment: options.environment).redact(text)
        return "\"\(redacted.count > 80 ? redacted.prefix(79) + "…" : Substring(redacted))\""
    }

    func suggestion<Names: Collection<String>>(_ name: String, _ candidates: Names) -> String {
        NameSuggestion.nearest(to: name, in: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
    }

    mutating func object(
        _ value: JSONValue?, at path: JSONPath, keys: [String], required: [String] = []
    ) -> [String: JSONValue]? {
        guard let value else { return nil }
        guard case .object(let members) = value else {
            error("wrong_type", path, "must be an object, not \(value.typeDescription)")
            return nil
        }
        var fields: [String: JSONValue] = [:]
        for member in members {
            if keys.contains(member.key) {
                fields[member.key] = member.value
            } else {
                error("unknown_key", path.appending(member.key), "is not a known key" + suggestion(member.key, keys))
            }
        }
        for key in required where fields[key] == nil {
            error("missing_key", path.appending(key), "is required but missing")
        }
        return fields
    }

    mutating func array(_ value: JSONValue?, at path: JSONPath) -> [JSONValue]? {
        guard let value else { return nil }
        guard case .array(let items) = value else {
            error("wrong_type", path, "must be an array, not \(value.typeDescription)")
            return nil
        }
        return items
    }

    mutating func string(_ value: JSONValue?, at path: JSONPath) -> String? {
        guard let value else { return nil }
        guard case .string(let text) = value else {
            error("wrong_type", path, "must be a string, not \(value.typeDescription)")
            return nil
        }
        return text
    }

    mutating func number(_ value: JSONValue?, at path: JSONPath) -> Double? {
        guard let value else { return nil }
        guard case .number(let number) = value else {
            error("wrong_type", path, "must be a number, not \(value.typeDescription)")
            return nil
        }
        return number
    }

    mutating func integer(_ value: JSONValue?, at path: JSONPath) -> Int? {
        guard let number = number(value, at: path) else { return nil }
        guard number.rounded() == number, abs(number) < 1e9 else {
            error("wrong_type", path, "must be a whole number, not \(number)")
            return nil
        }
        return Int(number)
    }

    /// A duration string; `nil` (with an issue) when malformed, or silently when it still holds an
    /// unresolved reference (validate without values).
    mutating func duration(_ value: JSONValue?, at path: JSONPath, positive: Bool) -> Duration? {
        guard let value else { return nil }
        guard case .string(let text) = value else {
            error(
                "wrong_type", path,
                "must be a duration string such as \"5s\", \"1m30s\" or \"250ms\", not \(value.typeDescription)")
            return nil
        }
        if isUnresolved(text) { return nil }
        guard let duration = DurationText.parse(text) else {
            error(
                "bad_duration", path,
                "\(quoted(text)) is not a duration; write a number and a unit (h, m, s, ms) with no spaces, "
                    + "such as \"5s\", \"1m30s\" or \"250ms\"")
            return nil
        }
        if positive, duration <= .zero {
            error("out_of_range", path, "must be longer than 0s")
            return nil
        }
        return duration
    }

    /// Decodes a section type with `JSONValueDecoder.decodeCollecting`, every failure an issue.
    mutating func decode<Section: Decodable>(_ type: Section.Type, from value: JSONValue, at path: JSONPath)
        -> Section?
    {
        let (section, failures) = JSONValueDecoder().decodeCollecting(type, from: value, basePath: path)
        for failure in failures { error(failure.code, failure.path, failure.message) }
        return section
    }

    // MARK: - Keys declared once

    /// The nested object `key` declares (`.section`), its unknown and missing keys reported.
    mutating func section(_ key: SectionKey, in fields: [String: JSONValue], at path: JSONPath) -> [String: JSONValue]?
    {
        guard case .section(let keys) = key.value, let value = fields[key.name] else { return nil }
        return object(
            value, at: path.appending(key.name), keys: keys.map(\.name), required: keys.filter(\.required).map(\.name))
    }

    /// A `.duration` key's value, checked as declared.
    mutating func duration(_ key: SectionKey, in fields: [String: JSONValue], at path: JSONPath) -> Duration? {
        duration(key, fields[key.name], at: path)
    }

    /// A `.duration` key's `value`, checked as declared; `path` is the section's.
    mutating func duration(_ key: SectionKey, _ value: JSONValue?, at path: JSONPath) -> Duration? {
        guard case .duration(let positive) = key.value else { return nil }
        return duration(value, at: path.appending(key.name), positive: positive)
    }

    /// A `.number` key's value, `nil` (with an issue) when out of its declared range.
    mutating func number(_ key: SectionKey, in fields: [String: JSONValue], at path: JSONPath) -> Double? {
        guard case .number(let minimum, let maximum, let rangeMessage) = key.value,
            let number = number(fields[key.name], at: path.appending(key.name))
        else { return nil }
        if number < minimum || number > maximum {
            error("out_of_range", path.appending(key.name), rangeMessage)
            return nil
        }
        return number
    }

    /// An `.integer` key's value, `nil` (with an issue) when below its declared minimum.
    mutating func integer(_ key: SectionKey, in fields: [String: JSONValue], at path: JSONPath) -> Int? {
        guard case .integer(let minimum) = key.value,
            let integer = integer(fields[key.name], at: path.appending(key.name))
        else { return nil }
        if integer < minimum {
            error("out_of_range", path.appending(key.name), "must be at least \(minimum)")
            return nil
        }
        return integer
    }

    /// A `.boolean` key's value.
    mutating func bool(_ key: SectionKey, in fields: [String: JSONValue], at path: JSONPath) -> Bool? {
        guard let value = fields[key.name] else { return nil }
        guard case .bool(let flag) = value else {
            error("wrong_type", path.appending(key.name), "must be true or false, not \(value.typeDescription)")
            return nil
        }
        return flag
    }
}
