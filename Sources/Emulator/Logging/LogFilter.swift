import Foundation
import LaunchWatchCore

/// The `filter` of `entries:list`, in the Logging query language — the part of it launch watching
/// uses, read as the service reads it:
///
/// - comparisons `FIELD OP VALUE` with `=`, `!=`, `<`, `<=`, `>`, `>=`, `:` (has: substring; `:*`
///   field present), `=~` and `!~` (regular expression); a value is a word (`ERROR`, `123`) or a
///   quoted string, or a parenthesised list (`resource.type = ("ml_job" OR "cloud_run_job")`);
/// - fields are paths into the entry: `timestamp`, `receiveTimestamp`, `insertId`, `severity`,
///   `logName`, `resource.type`, `resource.labels.KEY`, `labels.KEY`, `textPayload`,
///   `jsonPayload.PATH`; a segment with dots or slashes is quoted: `labels."run.googleapis.com/execution_name"`;
/// - `severity` compares by rank (DEFAULT < DEBUG < INFO < NOTICE < WARNING < ERROR < CRITICAL <
///   ALERT < EMERGENCY; names in any case, or the numbers 0...800); `timestamp` compares as a time
///   written in RFC 3339 with `Z`, `+00:00` or `+0000`;
/// - string comparisons ignore case, as the service documents; `<`/`>` on strings are by character
///   (numerically when both sides are numbers), so `insertId>"ID"` follows the listing order;
/// - a bare value (`"disk"`) is a global restriction: any string in the entry has it; `log_id("NAME")`;
/// - `NOT` (or `-`) binds tightest, then `OR`, then `AND`; whitespace between restrictions is an
///   `AND`; `AND`/`OR`/`NOT` are upper case. So `a OR NOT b AND NOT c OR d` is
///   `(a OR (NOT b)) AND ((NOT c) OR d)`, the example of the service's documentation.
///
/// A comparison on a field the entry does not have is false (`!=` included); use `NOT` to match an
/// absent field. Anything that does not parse is an error the route answers with 400.
indirect enum LogFilter {
    case all
    case and(LogFilter, LogFilter)
    case or(LogFilter, LogFilter)
    case not(LogFilter)
    case comparison(Comparison)
    /// A bare value: some string in the entry has it.
    case global(String)
    /// `log_id("NAME")`: the entry's log is NAME.
    case logID(String)

    struct Comparison {
        var path: [String]
        var op: Operator
        var value: String
        /// Whether the value was quoted (`:*` tests presence only when it was not).
        var quoted: Bool
        var regex: NSRegularExpression?
    }

    enum Operator: String {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case has = ":"
        case matches = "=~"
        case notMatches = "!~"
    }

    struct ParseError: Error {
        var message: String
    }

    /// The longest filter the service takes.
    static let maximumLength = 20_000

    static func parse(_ text: String) throws(ParseError) -> LogFilter {
        var parser = Parser(tokens: try tokenize(text), end: Self.position(of: text.count, in: text))
        if parser.tokens.isEmpty { return .all }
        let filter = try parser.sequence()
        if let extra = parser.peek { throw parser.syntaxError(at: extra) }
        return filter
    }

    // MARK: - Matching

    /// Whether `entry` (with `json`, its REST representation) passes the filter.
    func matches(_ entry: LogEntry, json: JSONValue) -> Bool {
        switch self {
        case .all: return true
        case .and(let a, let b): return a.matches(entry, json: json) && b.matches(entry, json: json)
        case .or(let a, let b): return a.matches(entry, json: json) || b.matches(entry, json: json)
        case .not(let a): return !a.matches(entry, json: json)
        case .global(let text): return Self.contains(json, text.lowercased())
        case .logID(let name):
            let encoded = name.addingPercentEncoding(
                withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_.")))
            return entry.spec.logName.hasSuffix("/logs/" + name)
                || encoded.map { entry.spec.logName.lowercased().hasSuffix("/logs/" + $0.lowercased()) } ?? false
        case .comparison(let comparison): return Self.evaluate(comparison, entry, json)
        }
    }

    private static func evaluate(_ comparison: Comparison, _ entry: LogEntry, _ json: JSONValue) -> Bool {
        let value = comparison.value
        switch comparison.path {
        case ["severity"]:
            let name = entry.severityName
            guard let actual = LogSeverity.rank(ofName: name), let wanted = LogSeverity.rank(ofFilterValue: value)
            else { return compareStrings(name, comparison) }
            return order(actual, wanted, comparison.op) ?? compareStrings(name, comparison)
        case ["timestamp"], ["receiveTimestamp"]:
            let actual = comparison.path == ["timestamp"] ? entry.timestampKey : LogTimestamp(entry.receiveTimestamp)
            guard let wanted = LogTimestamp.parse(value) else { return compareStrings(actual.text, comparison) }
            return order(actual, wanted, comparison.op) ?? compareStrings(actual.text, comparison)
        default:
            var current: JSONValue? = json
            for segment in comparison.path { current = current?[segment] }
            guard let found = current else { return false }
            return compare(found, comparison)
        }
    }

    /// The ordering operators on comparable values; `nil` for `:`, `=~` and `!~`.
    private static func order<T: Comparable>(_ actual: T, _ wanted: T, _ op: Operator) -> Bool? {
        switch op {
        case .equal: actual == wanted
        case .notEqual: actual != wanted
        case .less: actual < wanted
        case .lessOrEqual: actual <= wanted
        case .greater: actual > wanted
        case .greaterOrEqual: actual >= wanted
        case .has, .matches, .notMatches: nil
        }
    }

    private static func compare(_ found: JSONValue, _ comparison: Comparison) -> Bool {
        switch found {
        case .string(let text):
            return compareStrings(text, comparison)
        case .number(let number):
            if let wanted = Double(comparison.value), let result = order(number, wanted, comparison.op) {
                return result
            }
            return compareStrings(JSONValue.number(number).jsonText, comparison)
        case .bool(let flag):
            return compareStrings(flag ? "true" : "false", comparison)
        case .array(let items):
            return items.contains { compare($0, comparison) }
        case .object:
            guard comparison.op == .has else { return false }
            return (!comparison.quoted && comparison.value == "*") || contains(found, comparison.value.lowercased())
        case .null:
            return false
        }
    }

    private static func compareStrings(_ text: String, _ comparison: Comparison) -> Bool {
        let value = comparison.value
        switch comparison.op {
        case .equal: return text.lowercased() == value.lowercased()
        case .notEqual: return text.lowercased() != value.lowercased()
        case .has:
            return (!comparison.quoted && value == "*") || text.lowercased().contains(value.lowercased())
        case .matches, .notMatches:
            let range = NSRange(text.startIndex..., in: text)
            let found = comparison.regex?.firstMatch(in: text, range: range) != nil
            return comparison.op == .matches ? found : !found
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            if let a = Double(text), let b = Double(value) { return order(a, b, comparison.op) ?? false }
            return order(text, value, comparison.op) ?? false
        }
    }

    /// Whether some string in `value` has `lowercased` in it.
    private static func contains(_ value: JSONValue, _ lowercased: String) -> Bool {
        switch value {
        case .string(let text): return text.lowercased().contains(lowercased)
        case .number, .bool: return value.jsonText.contains(lowercased)
        case .array(let items): return items.contains { contains($0, lowercased) }
        case .object(let members): return members.contains { contains($0.value, lowercased) }
        case .null: return false
        }
    }

    // MARK: - Tokens

    struct Token {
        enum Kind: Equatable {
            /// A field path or a bare value; `segments` holds the path split at unquoted dots.
            case word
            case string
            case op
            case open
            case close
        }
        var kind: Kind
        var text: String
        var segments: [String] = []
        var line: Int
        var column: Int
        /// Whether whitespace follows the token (a function name is followed by `(` directly).
        var spaceAfter = true

        func isKeyword(_ keyword: String) -> Bool { kind == .word && text == keyword }
    }

    private static func position(of offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    private static let operatorCharacters: Set<Character> = ["=", "!", "<", ">", ":"]

    static func tokenize(_ text: String) throws(ParseError) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var index = 0
        var line = 1
        var lineStart = 0

        func quoted(from start: Int) throws(ParseError) -> (String, Int) {
            var value = ""
            var position = start + 1
            while position < characters.count {
                let character = characters[position]
                if character == "\\", position + 1 < characters.count {
                    let escaped = characters[position + 1]
                    switch escaped {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    default: value.append(escaped)
                    }
                    position += 2
                } else if character == "\"" {
                    return (value, position + 1)
                } else {
                    value.append(character)
                    position += 1
                }
            }
            throw ParseError(
                message: "Unparseable filter: unterminated string at line \(line), column \(start - lineStart + 1)")
        }

        while index < characters.count {
            let character = characters[index]
            let column = index - lineStart + 1
            if character.isWhitespace {
                if character == "\n" {
                    line += 1
                    lineStart = index + 1
                }
                index += 1
                continue
            }
            var token: Token
            if character == "(" || character == ")" {
                token = Token(
                    kind: character == "(" ? .open : .close, text: String(character), line: line, column: column)
                index += 1
            } else if character == "\"" {
                let (value, end) = try quoted(from: index)
                token = Token(kind: .string, text: value, line: line, column: column)
                index = end
            } else if operatorCharacters.contains(character) {
                let next = index + 1 < characters.count ? characters[index + 1] : " "
                var op = String(character)
                if (character == "!" || character == "<" || character == ">") && next == "=" {
                    op.append("=")
                } else if (character == "=" || character == "!") && next == "~" {
                    op.append("~")
                }
                guard op != "!" else {
                    throw ParseError(
                        message: "Unparseable filter: syntax error at line \(line), column \(column), token '!'")
                }
                token = Token(kind: .op, text: op, line: line, column: column)
                index += op.count
            } else {
                // A word: a path whose segments may be quoted (`labels."run.googleapis.com/x"`), or a value.
                var raw = ""
                var segments: [String] = []
                var segment = ""
                while index < characters.count {
                    let next = characters[index]
                    if next == "\"", raw.hasSuffix(".") {
                        let (value, end) = try quoted(from: index)
                        segment = value
                        raw += "\"" + value + "\""
                        index = end
                        continue
                    }
                    guard !next.isWhitespace, next != "(", next != ")", next != "\"", !operatorCharacters.contains(next)
                    else { break }
                    if next == "." {
                        segments.append(segment)
                        segment = ""
                    } else {
                        segment.append(next)
                    }
                    raw.append(next)
                    index += 1
                }
                segments.append(segment)
                token = Token(kind: .word, text: raw, segments: segments, line: line, column: column)
            }
            token.spaceAfter = index >= characters.count || characters[index].isWhitespace
            tokens.append(token)
        }
        return tokens
    }

    // MARK: - Parsing

    struct Parser {
        var tokens: [Token]
        var end: (line: Int, column: Int)
        var position = 0

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func next() -> Token? {
            defer { position += 1 }
            return peek
        }

        func syntaxError(at token: Token?) -> ParseError {
            guard let token else {
                return ParseError(
                    message:
                        "Unparseable filter: syntax error at line \(end.line), column \(end.column), unexpected end of filter"
                )
            }
            let shown = token.kind == .string ? "\"\(token.text)\"" : token.text
            return ParseError(
                message:
                    "Unparseable filter: syntax error at line \(token.line), column \(token.column), token '\(shown)'")
        }

        /// Restrictions joined by `AND` or by whitespace, up to `)` or the end.
        mutating func sequence() throws(ParseError) -> LogFilter {
            var result = try disjunction()
            while let token = peek, token.kind != .close {
                if token.isKeyword("AND") { position += 1 }
                result = .and(result, try disjunction())
            }
            return result
        }

        mutating func disjunction() throws(ParseError) -> LogFilter {
            var result = try unary()
            while peek?.isKeyword("OR") == true {
                position += 1
                result = .or(result, try unary())
            }
            return result
        }

        mutating func unary() throws(ParseError) -> LogFilter {
            if peek?.isKeyword("NOT") == true {
                position += 1
                return .not(try unary())
            }
            if let token = peek, token.kind == .word, token.text.hasPrefix("-") {
                if token.text == "-" {
                    position += 1
                } else {
                    tokens[position].text.removeFirst()
                    if !tokens[position].segments.isEmpty { tokens[position].segments[0].removeFirst() }
                }
                return .not(try unary())
            }
            return try primary()
        }

        mutating func primary() throws(ParseError) -> LogFilter {
            guard let token = next() else { throw syntaxError(at: nil) }
            switch token.kind {
            case .open:
                guard peek?.kind != .close else { throw syntaxError(at: peek) }
                let inner = try sequence()
                guard next()?.kind == .close else {
                    throw syntaxError(at: tokens.indices.contains(position - 1) ? tokens[position - 1] : nil)
                }
                return inner
            case .close, .op:
                throw syntaxError(at: token)
            case .string:
                if peek?.kind == .op { throw syntaxError(at: peek) }
                return .global(token.text)
            case .word:
                guard !["AND", "OR", "NOT"].contains(token.text) else { throw syntaxError(at: token) }
                if !token.spaceAfter, peek?.kind == .open {
                    return try function(token)
                }
                guard let op = peek, op.kind == .op else { return .global(token.text) }
                position += 1
                guard let comparisonOperator = Operator(rawValue: op.text) else { throw syntaxError(at: op) }
                guard token.segments.allSatisfy({ !$0.isEmpty }) else { throw syntaxError(at: token) }
                return try values(for: token.segments, comparisonOperator)
            }
        }

        /// The value of a comparison: one value, or a parenthesised list joined by `OR`/`AND`.
        mutating func values(for path: [String], _ op: Operator) throws(ParseError) -> LogFilter {
            guard let token = next() else { throw syntaxError(at: nil) }
            switch token.kind {
            case .word, .string:
                guard token.kind == .string || !["AND", "OR", "NOT"].contains(token.text) else {
                    throw syntaxError(at: token)
                }
                return .comparison(try comparison(path, op, token))
            case .open:
                var result: LogFilter = .comparison(try comparison(path, op, try listValue()))
                while let next = peek, next.kind != .close {
                    if next.isKeyword("OR") {
                        position += 1
                        result = .or(result, .comparison(try comparison(path, op, try listValue())))
                    } else {
                        if next.isKeyword("AND") { position += 1 }
                        result = .and(result, .comparison(try comparison(path, op, try listValue())))
                    }
                }
                guard next()?.kind == .close else { throw syntaxError(at: nil) }
                return result
            case .close, .op:
                throw syntaxError(at: token)
            }
        }

        private mutating func listValue() throws(ParseError) -> Token {
            guard let token = next() else { throw syntaxError(at: nil) }
            guard token.kind == .string || (token.kind == .word && !["AND", "OR", "NOT"].contains(token.text)) else {
                throw syntaxError(at: token)
            }
            return token
        }

        private func comparison(_ path: [String], _ op: Operator, _ value: Token) throws(ParseError) -> Comparison {
            var comparison = Comparison(path: path, op: op, value: value.text, quoted: value.kind == .string)
            switch op {
            case .matches, .notMatches:
                do {
                    comparison.regex = try NSRegularExpression(pattern: value.text)
                } catch {
                    throw ParseError(message: "Invalid regular expression in filter: \(value.text)")
                }
            case .has:
                break
            default:
                if path == ["severity"], LogSeverity.rank(ofFilterValue: value.text) == nil {
                    throw ParseError(
                        message:
                            "Invalid severity value \"\(value.text)\" at line \(value.line), column \(value.column); expected one of \(LogSeverity.names.joined(separator: ", "))"
                    )
                }
                if path == ["timestamp"] || path == ["receiveTimestamp"], LogTimestamp.parse(value.text) == nil {
                    throw ParseError(
                        message:
                            "Invalid timestamp value \"\(value.text)\" at line \(value.line), column \(value.column); expected RFC 3339 such as \"2025-11-17T10:00:00Z\""
                    )
                }
            }
            return comparison
        }

        private mutating func function(_ name: Token) throws(ParseError) -> LogFilter {
            position += 1  // (
            guard name.text == "log_id" else {
                throw ParseError(
                    message:
                        "Unparseable filter: unsupported function \(name.text) at line \(name.line), column \(name.column)"
                )
            }
            guard let argument = next(), argument.kind == .string else { throw syntaxError(at: tokens.last) }
            guard next()?.kind == .close else { throw syntaxError(at: nil) }
            return .logID(argument.text)
        }
    }
}
