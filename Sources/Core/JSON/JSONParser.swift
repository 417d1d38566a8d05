/// A strict JSON (RFC 8259) parser that keeps object key order, rejects duplicate keys, invalid
/// UTF-8 and trailing garbage, limits nesting depth, and says where a syntax error is.
///
/// Foundation's `JSONSerialization` silently keeps the last of duplicate keys and loses key order;
/// a pipeline file must be read exactly as written, so launchwatch parses JSON itself.
public struct JSONParser {
    /// A syntax error: what is wrong and at which line and column (both 1-based).
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        /// The path of the object or array being read when the error was found.
        public var path: JSONPath

        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Nesting deeper than this is rejected instead of risking the stack.
    public static let maximumDepth = 256

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses one JSON document from UTF-8 bytes.
    public static func parse<Bytes: Sequence>(_ bytes: Bytes) throws(SyntaxError) -> JSONValue
    where Bytes.Element == UInt8 {
        var parser = JSONParser(bytes: Array(bytes))
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.position = 3 }
        parser.skipWhitespace()
        let value = try parser.parseValue(path: JSONPath())
        parser.skipWhitespace()
        if parser.position < parser.bytes.count {
            throw parser.error("unexpected text after the end of the JSON document", path: JSONPath())
        }
        return value
    }

    /// Parses one JSON document from a string.
    public static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private func error(_ message: String, path: JSONPath, at offset: Int? = nil) -> SyntaxError {
        let end = min(offset ?? position, bytes.count)
        var line = 1
        var column = 1
        var index = 0
        while index < end {
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[index] & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return SyntaxError(line: line, column: column, message: message, path: path)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func describeCurrent() -> String {
        guard position < bytes.count else { return "the end of the file" }
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private mutating func parseValue(path: JSONPath) throws(SyntaxError) -> JSONValue {
        guard position < bytes.count else { throw error("expected a value but the file ended", path: path) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(path: path)
        case UInt8(ascii: "["): return try parseArray(path: path)
        case UInt8(ascii: "\""): return .string(try parseString(path: path))
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true), path: path)
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false), path: path)
        case UInt8(ascii: "n"): return try parseLiteral("null", .null, path: path)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber(path: path)
        default: throw error("expected a value, found \(describeCurrent())", path: path)
        }
    }

    private mutating func parseLiteral(_ word: String, _ value: JSONValue, path: JSONPath) throws(SyntaxError)
        -> JSONValue
    {
        let expected = Array(word.utf8)
        guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected
        else { throw error("expected a value, found \(describeCurrent())", path: path) }
        position += expected.count
        return value
    }

    private mutating func enter(path: JSONPath) throws(SyntaxError) {
        depth += 1
        if depth > JSONParser.maximumDepth {
            throw error("nesting is deeper than \(JSONParser.maximumDepth) levels", path: path)
        }
    }

    private mutating func parseObject(path: JSONPath) throws(SyntaxError) -> JSONValue {
        try enter(path: path)
        defer { depth -= 1 }
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error("expected a quoted key, found \(describeCurrent())", path: path)
            }
            let keyStart = position
            let key = try parseString(path: path)
            guard seen.insert(key).inserted else {
                throw error("duplicate key \(JSONValue.quoted(key))", path: path, at: keyStart)
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after key \(JSONValue.quoted(key)), found \(describeCurrent())", path: path)
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(path: path.appending(key))
            members.append((key, value))
            skipWhitespace()
            guard position < bytes.count else { throw error("expected ',' or '}' but the file ended", path: path) }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            throw error("expected ',' or '}', found \(describeCurrent())", path: path)
        }
    }

    private mutating func parseArray(path: JSONPath) throws(SyntaxError) -> JSONValue {
        try enter(path: path)
        defer { depth -= 1 }
        position += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(values)
        }
        while true {
            skipWhitespace()
            values.append(try parseValue(path: path.appending(values.count)))
            skipWhitespace()
            guard position < bytes.count else { throw error("expected ',' or ']' but the file ended", path: path) }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(values)
            }
            throw error("expected ',' or ']', found \(describeCurrent())", path: path)
        }
    }

    private mutating func parseString(path: JSONPath) throws(SyntaxError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        while true {
            guard position < bytes.count else { throw error("a string is not closed before the file ends", path: path) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                position += 1
                scalars.append(try parseEscape(path: path))
            case 0x00..<0x20:
                throw error("a control character must be escaped inside a string", path: path)
            case 0x00..<0x80:
                scalars.append(Unicode.Scalar(byte))
                position += 1
            default:
                scalars.append(try parseUTF8Scalar(path: path))
            }
        }
    }

    private mutating func parseUTF8Scalar(path: JSONPath) throws(SyntaxError) -> Unicode.Scalar {
        let lead = bytes[position]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: throw error("invalid UTF-8 byte 0x\(String(lead, radix: 16, uppercase: true))", path: path)
        }
        guard position + length <= bytes.count else { throw error("truncated UTF-8 sequence", path: path) }
        for offset in 1..<length {
            let next = bytes[position + offset]
            guard next & 0xC0 == 0x80 else { throw error("invalid UTF-8 sequence", path: path) }
            value = value << 6 | UInt32(next & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else {
            throw error("invalid UTF-8 sequence", path: path)
        }
        position += length
        return scalar
    }

    private mutating func parseEscape(path: JSONPath) throws(SyntaxError) -> Unicode.Scalar {
        guard position < bytes.count else { throw error("a string is not closed before the file ends", path: path) }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4(path: path)
            if (0xD800..<0xDC00).contains(high) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("a high surrogate \\u escape must be followed by a low one", path: path) }
                position += 2
                let low = try parseHex4(path: path)
                guard (0xDC00..<0xE000).contains(low) else {
                    throw error("a high surrogate \\u escape must be followed by a low one", path: path)
                }
                let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                guard let scalar = Unicode.Scalar(combined) else { throw error("invalid \\u escape", path: path) }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else { throw error("a lone low surrogate \\u escape", path: path) }
            return scalar
        default:
            position -= 1
            throw error("invalid escape \\\(describeCurrent())", path: path)
        }
    }

    private mutating func parseHex4(path: JSONPath) throws(SyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits", path: path) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("a \\u escape needs four hex digits", path: path)
            }
            value = value * 16 + UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func parseNumber(path: JSONPath) throws(SyntaxError) -> JSONValue {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        func digits() -> Int {
            let begin = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                position += 1
            }
            return position - begin
        }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0 else { throw error("a number needs digits", path: path) }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw error("a number must not start with a leading zero", path: path, at: integerStart)
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw error("a decimal point must be followed by digits", path: path) }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits() > 0 else { throw error("an exponent must have digits", path: path) }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("the number \(text.prefix(40)) is out of range", path: path, at: start)
        }
        return .number(value)
    }
}
