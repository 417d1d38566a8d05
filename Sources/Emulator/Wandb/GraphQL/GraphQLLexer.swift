import Foundation

/// Splits GraphQL text into tokens, skipping what the language ignores (white space, line
/// terminators, commas, `#` comments), and tracking line and column for error messages.
struct GraphQLLexer {
    struct Token: Sendable {
        enum Kind: Equatable, Sendable {
            case punctuator
            case name
            case int
            case float
            case string
            case end
        }

        var kind: Kind
        /// The punctuator or name as written, a number's digits, or a string's decoded value.
        var text: String
        var location: GraphQLDocument.Location

        /// How a syntax error names this token.
        var quoted: String {
            kind == .end ? "<EOF>" : "\"\(text)\""
        }
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    private var location: GraphQLDocument.Location {
        GraphQLDocument.Location(line: line, column: index - lineStart + 1)
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private func error(_ message: String, at location: GraphQLDocument.Location? = nil) -> GraphQLError {
        GraphQLError(message: "syntax error: \(message)", locations: [location ?? self.location])
    }

    /// Moves past a line terminator at the current position (`\n`, `\r\n` or `\r`).
    private mutating func consumeNewline() {
        if peek() == "\r", peek(1) == "\n" { index += 1 }
        index += 1
        line += 1
        lineStart = index
    }

    private mutating func skipIgnored() {
        while let scalar = peek() {
            switch scalar {
            case " ", "\t", ",", "\u{FEFF}":
                index += 1
            case "\n", "\r":
                consumeNewline()
            case "#":
                while let next = peek(), next != "\n", next != "\r" { index += 1 }
            default:
                return
            }
        }
    }

    /// The next token; `.end` at the end of the text.
    mutating func next() throws(GraphQLError) -> Token {
        skipIgnored()
        let start = location
        guard let scalar = peek() else { return Token(kind: .end, text: "", location: start) }
        switch scalar {
        case "!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}":
            index += 1
            return Token(kind: .punctuator, text: String(scalar), location: start)
        case ".":
            guard peek(1) == ".", peek(2) == "." else { throw error("unexpected \".\"", at: start) }
            index += 3
            return Token(kind: .punctuator, text: "...", location: start)
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" {
                return Token(kind: .string, text: try blockString(), location: start)
            }
            return Token(kind: .string, text: try string(), location: start)
        case "-", "0"..."9":
            return try number(start)
        default:
            guard Self.isNameStart(scalar) else {
                throw error("unexpected character \"\(scalar)\"", at: start)
            }
            var name = ""
            while let next = peek(), Self.isNameContinue(next) {
                name.unicodeScalars.append(next)
                index += 1
            }
            return Token(kind: .name, text: name, location: start)
        }
    }

    private static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
    }

    private static func isNameContinue(_ scalar: Unicode.Scalar) -> Bool {
        isNameStart(scalar) || ("0"..."9").contains(scalar)
    }

    private mutating func digits() -> String {
        var text = ""
        while let next = peek(), ("0"..."9").contains(next) {
            text.unicodeScalars.append(next)
            index += 1
        }
        return text
    }

    private mutating func number(_ start: GraphQLDocument.Location) throws(GraphQLError) -> Token {
        var text = ""
        if peek() == "-" {
            text = "-"
            index += 1
        }
        let integer = digits()
        guard !integer.isEmpty else { throw error("invalid number \"\(text)\"", at: start) }
        if integer.count > 1, integer.hasPrefix("0") {
            throw error("invalid number \"\(text + integer)\": leading zero", at: start)
        }
        text += integer
        var isFloat = false
        if peek() == ".", let after = peek(1), ("0"..."9").contains(after) {
            index += 1
            text += "." + digits()
            isFloat = true
        }
        if peek() == "e" || peek() == "E" {
            index += 1
            text += "e"
            if let sign = peek(), sign == "+" || sign == "-" {
                text.unicodeScalars.append(sign)
                index += 1
            }
            let exponent = digits()
            guard !exponent.isEmpty else { throw error("invalid number \"\(text)\"", at: start) }
            text += exponent
            isFloat = true
        }
        if let next = peek(), next == "." || Self.isNameStart(next) {
            throw error("invalid number \"\(text)\(next)\"", at: start)
        }
        return Token(kind: isFloat ? .float : .int, text: text, location: start)
    }

    private mutating func string() throws(GraphQLError) -> String {
        let start = location
        index += 1
        var value = ""
        while true {
            guard let scalar = peek() else { throw error("unterminated string", at: start) }
            switch scalar {
            case "\"":
                index += 1
                return value
            case "\n", "\r":
                throw error("unterminated string", at: start)
            case "\\":
                guard let escaped = peek(1) else { throw error("unterminated string", at: start) }
                index += 2
                switch escaped {
                case "\"": value += "\""
                case "\\": value += "\\"
                case "/": value += "/"
                case "b": value += "\u{8}"
                case "f": value += "\u{C}"
                case "n": value += "\n"
                case "r": value += "\r"
                case "t": value += "\t"
                case "u":
                    value.unicodeScalars.append(try unicodeEscape())
                default:
                    throw error("invalid escape sequence \"\\\(escaped)\"")
                }
            default:
                value.unicodeScalars.append(scalar)
                index += 1
            }
        }
    }

    /// The `XXXX` of `\uXXXX` (the `\u` already read), joining a UTF-16 surrogate pair.
    private mutating func unicodeEscape() throws(GraphQLError) -> Unicode.Scalar {
        func hex() throws(GraphQLError) -> UInt32 {
            guard index + 4 <= scalars.count,
                let value = UInt32(String(String.UnicodeScalarView(scalars[index..<index + 4])), radix: 16)
            else { throw error("invalid unicode escape sequence") }
            index += 4
            return value
        }
        let first = try hex()
        if (0xD800...0xDBFF).contains(first), peek() == "\\", peek(1) == "u" {
            index += 2
            let second = try hex()
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            if (0xDC00...0xDFFF).contains(second), let scalar = Unicode.Scalar(combined) { return scalar }
            throw error("invalid unicode escape sequence")
        }
        guard let scalar = Unicode.Scalar(first) else { throw error("invalid unicode escape sequence") }
        return scalar
    }

    /// A `"""block string"""`, with its common indentation and blank first and last lines removed.
    private mutating func blockString() throws(GraphQLError) -> String {
        let start = location
        index += 3
        var raw = ""
        while true {
            guard let scalar = peek() else { throw error("unterminated string", at: start) }
            if scalar == "\"", peek(1) == "\"", peek(2) == "\"" {
                index += 3
                return Self.dedent(raw)
            }
            if scalar == "\\", peek(1) == "\"", peek(2) == "\"", peek(3) == "\"" {
                raw += "\"\"\""
                index += 4
            } else if scalar == "\n" || scalar == "\r" {
                raw += "\n"
                consumeNewline()
            } else {
                raw.unicodeScalars.append(scalar)
                index += 1
            }
        }
    }

    private static func dedent(_ raw: String) -> String {
        var lines = raw.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func indentation(_ line: String) -> Int { line.prefix { $0 == " " || $0 == "\t" }.count }
        let common =
            lines.dropFirst().filter { indentation($0) < $0.count }.map(indentation).min() ?? 0
        for index in lines.indices.dropFirst() { lines[index] = String(lines[index].dropFirst(common)) }
        while let first = lines.first, first.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeFirst() }
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
