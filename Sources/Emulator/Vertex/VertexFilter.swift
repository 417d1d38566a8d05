import Foundation

/// The `filter` of `customJobs.list`, as the service reads it (AIP-160 subset):
/// `display_name="x"`, `display_name!="x"`, `display_name:"prefix*"`, `state="JOB_STATE_RUNNING"`,
/// `create_time>"2025-11-10T04:00:00Z"` (and `update_time`, `start_time`, `end_time`; `= != < <= > >=`),
/// `labels.key=value`, `labels.key!=value`, `labels.key:*`, combined with `AND`, `OR`, `NOT` (or `-`),
/// parentheses, and whitespace as AND. As in AIP-160, `OR` binds tighter than `AND`.
indirect enum VertexFilter: Sendable {
    case all
    case and(VertexFilter, VertexFilter)
    case or(VertexFilter, VertexFilter)
    case not(VertexFilter)
    case restriction(field: String, op: String, value: String)

    struct ParseError: Error {
        var message: String
    }

    static func parse(_ text: String) throws(ParseError) -> VertexFilter {
        var parser = Parser(tokens: try tokenize(text))
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

    /// Fields the filter may name; anything else is a 400, as on the service.
    static func check(field: String, op: String, value: String) throws(ParseError) {
        let normalized = normalize(field)
        if normalized.hasPrefix("labels.") { return }
        switch normalized {
        case "display_name":
            guard ["=", "!=", ":"].contains(op) else {
                throw ParseError(message: "Unsupported operator \(op) for field display_name")
            }
        case "state":
            guard ["=", "!="].contains(op) else {
                throw ParseError(message: "Unsupported operator \(op) for field state")
            }
            // A misspelt state would otherwise match nothing, silently.
            guard VertexJob.allStates.contains(value) else {
                throw ParseError(message: "Invalid value for enum field state: \(value)")
            }
        case "create_time", "update_time", "start_time", "end_time":
            guard op != ":" else { throw ParseError(message: "Unsupported operator : for field \(normalized)") }
            guard Timestamp.date(value) != nil else {
                throw ParseError(message: "\(normalized) must be an RFC 3339 timestamp, got \"\(value)\"")
            }
        default:
            throw ParseError(message: "Unsupported field: \(field)")
        }
    }

    private static func normalize(_ field: String) -> String {
        switch field {
        case "displayName": "display_name"
        case "createTime": "create_time"
        case "updateTime": "update_time"
        case "startTime": "start_time"
        case "endTime": "end_time"
        default: field
        }
    }

    private static func evaluate(_ field: String, _ op: String, _ value: String, _ job: VertexJob) -> Bool {
        let field = normalize(field)
        if field.hasPrefix("labels.") {
            let key = String(field.dropFirst("labels.".count))
            let actual = job.labels[key]
            switch op {
            case ":": return value == "*" ? actual != nil : actual.map { glob(value, $0) } ?? false
            case "=": return actual == value
            case "!=": return actual != value
            default: return compare(actual, op, value)
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
        case "create_time", "update_time", "start_time", "end_time":
            let date: Date? =
                switch field {
                case "create_time": job.createTime
                case "update_time": job.updateTime
                case "start_time": job.startTime
                default: job.endTime
                }
            guard let date, let bound = Timestamp.date(value) else { return op == "!=" }
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

    private static func compare(_ actual: String?, _ op: String, _ value: String) -> Bool {
        guard let actual else { return false }
        switch op {
        case "<": return actual < value
        case "<=": return actual <= value
        case ">": return actual > value
        default: return actual >= value
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
            try VertexFilter.check(field: token.text, op: op.text, value: value.text)
            return .restriction(field: token.text, op: op.text, value: value.text)
        }
    }
}
