import Foundation

/// The `filter` of `customJobs.list`, held to what the reference documents for it
/// (`ListCustomJobsRequest.filter` in googleapis/googleapis `google/cloud/aiplatform/v1/job_service.proto`):
/// `display_name` with `=`, `!=` and the `:` wildcard; `state` with `=` and `!=`; `create_time` with
/// `= != < <= > >=` and an RFC 3339 value; `labels.key=value` and `labels.key:*`. The REST
/// reference's camelCase spellings (`displayName`, `createTime`) are read as the same fields.
/// Restrictions combine with `AND`, `OR`, `NOT` (or `-`), parentheses, and whitespace as AND; as in
/// AIP-160, `OR` binds tighter than `AND`.
///
/// Anything else — `update_time`, `start_time`, `end_time` (documented for other resources only),
/// `labels.key!=value`, ordering comparisons on labels — is a 400 INVALID_ARGUMENT naming the field,
/// as a service that holds to its reference answers. A scenario can also reject documented fields
/// (`vertex.rejectFilterFields`), to play a stricter or older service.
indirect enum VertexFilter: Sendable {
    case all
    case and(VertexFilter, VertexFilter)
    case or(VertexFilter, VertexFilter)
    case not(VertexFilter)
    case restriction(field: String, op: String, value: String)

    struct ParseError: Error {
        var message: String
    }

    /// The fields the reference documents, under the names a scenario's `rejectFilterFields` uses.
    static let documentedFields = ["display_name", "state", "create_time", "labels"]

    /// Parses `text`; a restriction on a field in `rejecting` (documented names: `display_name`,
    /// `state`, `create_time`, `labels`) is refused as an unsupported field.
    static func parse(_ text: String, rejecting: Set<String> = []) throws(ParseError) -> VertexFilter {
        var parser = Parser(tokens: try tokenize(text), rejecting: rejecting)
        if parser.tokens.isEmpty { return .all }
        let filter = try parser.expression()
        if let extra = parser.peek { throw ParseError(message: "unexpected \(extra.text)") }
        return filter
    }

    func matches(_ job: VertexJob) -> Bool {
        switch self {
        case .all: return true
        case .and(let a, let b): return a.matches(job) && b.matches(job)
        case .or(let a, let b): return a.matches(job) || b.matches(job)
        case .not(let a): return !a.matches(job)
        case .restriction(let field, let op, let value): return Self.evaluate(field, op, value, job)
        }
    }

    /// Fields and operators the filter may use; anything else is a 400, as on the service.
    static func check(field: String, op: String, value: String, rejecting: Set<String> = []) throws(ParseError) {
        let normalized = normalize(field)
        let documented = normalized.hasPrefix("labels.") ? "labels" : normalized
        if rejecting.contains(documented) || !documentedFields.contains(documented) {
            throw ParseError(message: "Unsupported field \"\(field)\" in filter")
        }
        switch documented {
        case "labels":
            // Documented: `labels.key=value` (equality) and `labels.key:*` (the key exists).
            guard op == "=" || (op == ":" && value == "*") else {
                throw ParseError(message: "Unsupported operator \(op) for field \"\(field)\"")
            }
        case "display_name":
            guard ["=", "!=", ":"].contains(op) else {
                throw ParseError(message: "Unsupported operator \(op) for field \"\(field)\"")
            }
        case "state":
            guard ["=", "!="].contains(op) else {
                throw ParseError(message: "Unsupported operator \(op) for field \"\(field)\"")
            }
            // A misspelt state would otherwise match nothing, silently.
            guard VertexJob.allStates.contains(value) else {
                throw ParseError(message: "Invalid value for enum field state: \(value)")
            }
        default:
            guard op != ":" else { throw ParseError(message: "Unsupported operator : for field \"\(field)\"") }
            guard Timestamp.date(value) != nil else {
                throw ParseError(message: "\(field) must be an RFC 3339 timestamp, got \"\(value)\"")
            }
        }
    }

    /// The documented name of `field`: camelCase spellings read as the proto's snake_case.
    static func normalize(_ field: String) -> String {
        switch field {
        case "displayName": "display_name"
        case "createTime": "create_time"
        default: field
        }
    }

    private static func evaluate(_ field: String, _ op: String, _ value: String, _ job: VertexJob) -> Bool {
        let field = normalize(field)
        if field.hasPrefix("labels.") {
            let key = String(field.dropFirst("labels.".count))
            let actual = job.labels[key]
            switch op {
            case ":": return actual != nil
            default: return actual == value
            }
        }
        switch field {
        case "display_name":
            switch op {
            case "=": return job.displayName == value
            case "!=": return job.displayName != value
            default: return glob(value, job.displayName)
            }
        case "state":
            return op == "=" ? job.state == value : job.state != value
        case "create_time":
            let date = job.createTime
            guard let bound = Timestamp.date(value) else { return op == "!=" }
            // Compare the instant as clients read it (RFC 3339 with microseconds), so that a
            // timestamp copied from a job matches that job exactly.
            let a = (Timestamp.date(Timestamp.string(date)) ?? date).timeIntervalSince1970
            let b = bound.timeIntervalSince1970
            switch op {
            case "=": return a == b
            case "!=": return a != b
            case "<": return a < b
            case "<=": return a <= b
            case ">": return a > b
            default: return a >= b
            }
        default:
            return false
        }
    }

    /// `*` matches any run of characters.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1 { return pattern == text }
        var rest = Substring(text)
        guard let first = parts.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for part in parts.dropFirst().dropLast() {
            guard !part.isEmpty else { continue }
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        let last = parts.last ?? ""
        return rest.hasSuffix(last)
    }

    // MARK: - Parsing

    struct Token: Equatable {
        enum Kind: Equatable {
            case word, string, op, open, close
        }
        var kind: Kind
        var text: String
    }

    static func tokenize(_ text: String) throws(ParseError) -> [Token] {
        var tokens: [Token] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace {
                index = text.index(after: index)
            } else if character == "(" || character == ")" {
                tokens.append(Token(kind: character == "(" ? .open : .close, text: String(character)))
                index = text.index(after: index)
            } else if character == "\"" {
                var value = ""
                index = text.index(after: index)
                var closed = false
                while index < text.endIndex {
                    let next = text[index]
                    if next == "\\" {
                        index = text.index(after: index)
                        if index < text.endIndex { value.append(text[index]) }
                    } else if next == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(next)
                    }
                    index = text.index(after: index)
                }
                guard closed else { throw ParseError(message: "unterminated string") }
                index = text.index(after: index)
                tokens.append(Token(kind: .string, text: value))
            } else if "=!<>:".contains(character) {
                var op = String(character)
                index = text.index(after: index)
                if index < text.endIndex, text[index] == "=", character != "=", character != ":" {
                    op.append("=")
                    index = text.index(after: index)
                }
                guard op != "!" else { throw ParseError(message: "unexpected !") }
                tokens.append(Token(kind: .op, text: op))
            } else {
                var word = ""
                while index < text.endIndex, !text[index].isWhitespace, !"()\"=!<>:".contains(text[index]) {
                    word.append(text[index])
                    index = text.index(after: index)
                }
                tokens.append(Token(kind: .word, text: word))
            }
        }
        return tokens
    }

    struct Parser {
        var tokens: [Token]
        var rejecting: Set<String> = []
        var position = 0

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func next() -> Token? {
            defer { position += 1 }
            return peek
        }

        /// Sequence of OR-groups joined by AND or whitespace.
        mutating func expression() throws(ParseError) -> VertexFilter {
            var result = try orGroup()
            while let token = peek, token.kind != .close {
                if token == Token(kind: .word, text: "AND") { position += 1 }
                result = .and(result, try orGroup())
            }
            return result
        }

        mutating func orGroup() throws(ParseError) -> VertexFilter {
            var result = try unary()
            while peek == Token(kind: .word, text: "OR") {
                position += 1
                result = .or(result, try unary())
            }
            return result
        }

        mutating func unary() throws(ParseError) -> VertexFilter {
            if peek == Token(kind: .word, text: "NOT") {
                position += 1
                return .not(try unary())
            }
            if let token = peek, token.kind == .word, token.text.hasPrefix("-"), token.text.count > 1 {
                tokens[position].text.removeFirst()
                return .not(try unary())
            }
            return try primary()
        }

        mutating func primary() throws(ParseError) -> VertexFilter {
            guard let token = next() else {
                throw ParseError(message: "expected a restriction at the end of the filter")
            }
            if token.kind == .open {
                let inner = try expression()
                guard next()?.kind == .close else { throw ParseError(message: "missing )") }
                return inner
            }
            guard token.kind == .word, !["AND", "OR", "NOT"].contains(token.text) else {
                throw ParseError(message: "unexpected \(token.text)")
            }
            guard let op = next(), op.kind == .op else {
                throw ParseError(message: "expected an operator after \(token.text)")
            }
            guard let value = next(), value.kind == .word || value.kind == .string else {
                throw ParseError(message: "expected a value after \(token.text)\(op.text)")
            }
            try VertexFilter.check(field: token.text, op: op.text, value: value.text, rejecting: rejecting)
            return .restriction(field: token.text, op: op.text, value: value.text)
        }
    }
}
