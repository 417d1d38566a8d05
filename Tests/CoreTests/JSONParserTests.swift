import Foundation
import LaunchWatchCore
import Testing

@Suite("JSONParser")
struct JSONParserTests {
    /// The syntax error parsing `bytes` throws, or nil when it parses.
    private func syntaxError(_ bytes: [UInt8]) -> JSONParser.SyntaxError? {
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func syntaxError(_ text: String) -> JSONParser.SyntaxError? {
        syntaxError(Array(text.utf8))
    }

    @Test(
        "parses every kind of value",
        arguments: [
            ("null", JSONValue.null),
            ("true", .bool(true)),
            ("false", .bool(false)),
            ("0", .number(0)),
            ("-0.5", .number(-0.5)),
            ("1.5e3", .number(1500)),
            ("2E-2", .number(0.02)),
            ("\"text\"", .string("text")),
            ("[]", .array([])),
            ("{}", .object([])),
            (" [1, \"a\", null, [true]] ", .array([.number(1), .string("a"), .null, .array([.bool(true)])])),
            ("{\"a\": {\"b\": [1]}}", .object([("a", .object([("b", .array([.number(1)]))]))])),
        ])
    func parsesValidDocuments(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("keeps object keys in document order")
    func keepsKeyOrder() throws {
        let value = try JSONParser.parse(#"{"zeta": 1, "alpha": 2, "mid": 3, "beta": 4}"#)
        guard case .object(let members) = value else {
            Issue.record("expected an object, got \(value)")
            return
        }
        #expect(members.map(\.key) == ["zeta", "alpha", "mid", "beta"])
        #expect(value.jsonText == #"{"zeta":1,"alpha":2,"mid":3,"beta":4}"#)
    }

    @Test("accepts a UTF-8 byte order mark")
    func acceptsByteOrderMark() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.number(1)]))
    }

    @Test("rejects a duplicate key and says where the second one is")
    func rejectsDuplicateKeys() throws {
        let text = """
            {
              "stages": [],
              "name": "a",
              "stages": []
            }
            """
        let error = try #require(syntaxError(text))
        #expect(error.message == #"duplicate key "stages""#)
        #expect(error.line == 4)
        #expect(error.column == 3)
        #expect(error.path == JSONPath())
    }

    @Test("names the object that holds a duplicate key")
    func duplicateKeyPathNamesTheObject() throws {
        let error = try #require(syntaxError(#"{"providers": [{"id": "a"}, {"id": "b", "id": "c"}]}"#))
        #expect(error.path == JSONPath([.key("providers"), .index(1)]))
        #expect(error.path.description == "providers[1]")
        #expect(error.message.contains("duplicate key \"id\""))
    }

    @Test("counts columns in characters, not bytes")
    func columnsCountCharacters() throws {
        let error = try #require(syntaxError("{\"é\": 1,\n  \"ü\": 2, \"ü\": 3}"))
        #expect(error.line == 2)
        #expect(error.column == 11)
    }

    @Test(
        "rejects invalid UTF-8",
        arguments: [
            ([0x22, 0xFF, 0x22], "invalid UTF-8 byte 0xFF"),
            ([0x22, 0xC0, 0x80, 0x22], "invalid UTF-8 byte 0xC0"),
            ([0x22, 0xE0, 0x80, 0x80, 0x22], "invalid UTF-8 sequence"),
            ([0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 sequence"),
            ([0x22, 0xC3, 0x28, 0x22], "invalid UTF-8 sequence"),
            ([0x22, 0xE2, 0x82], "truncated UTF-8 sequence"),
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], "invalid UTF-8 byte 0xF5"),
        ] as [([UInt8], String)])
    func rejectsInvalidUTF8(bytes: [UInt8], message: String) throws {
        let error = try #require(syntaxError(bytes))
        #expect(error.message == message)
        #expect(error.line == 1)
        #expect(error.column == 2)
    }

    @Test("reads multi-byte UTF-8 characters")
    func readsMultiByteCharacters() throws {
        #expect(try JSONParser.parse(#"["é", "→", "😀"]"#) == .array([.string("é"), .string("→"), .string("😀")]))
    }

    @Test("accepts nesting up to the limit and rejects one level more")
    func limitsNestingDepth() throws {
        let limit = JSONParser.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try JSONParser.parse(deepest) }

        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let error = try #require(syntaxError(tooDeep))
        #expect(error.message == "nesting is deeper than \(limit) levels")
        #expect(error.column == limit + 1)
    }

    @Test("survives hostile nesting without crashing")
    func survivesHostileNesting() throws {
        let error = try #require(syntaxError(String(repeating: "{\"a\":", count: 100_000)))
        #expect(error.message.contains("nesting is deeper"))
    }

    @Test(
        "rejects text after the document",
        arguments: ["{} x", "{}{}", "[1] ,", "1 2", "null null", "\"a\"\"b\""])
    func rejectsTrailingText(text: String) throws {
        let error = try #require(syntaxError(text))
        #expect(error.message == "unexpected text after the end of the JSON document")
    }

    @Test("allows whitespace after the document")
    func allowsTrailingWhitespace() throws {
        #expect(try JSONParser.parse("{}\n\t \r\n") == .object([]))
    }

    @Test(
        "rejects malformed numbers",
        arguments: [
            ("01", "a number must not start with a leading zero"),
            ("-01", "a number must not start with a leading zero"),
            ("[00]", "a number must not start with a leading zero"),
            ("-", "a number needs digits"),
            ("-x", "a number needs digits"),
            ("1.", "a decimal point must be followed by digits"),
            ("1.e5", "a decimal point must be followed by digits"),
            ("1e", "an exponent must have digits"),
            ("1e+", "an exponent must have digits"),
            ("1e999", "the number 1e999 is out of range"),
            ("-1e400", "the number -1e400 is out of range"),
            (".5", "expected a value, found '.'"),
            ("+1", "expected a value, found '+'"),
        ])
    func rejectsMalformedNumbers(text: String, message: String) throws {
        let error = try #require(syntaxError(text))
        #expect(error.message == message)
    }

    @Test("reads a leading-zero error at the number's first digit")
    func leadingZeroColumn() throws {
        let error = try #require(syntaxError(#"{"every": 007}"#))
        #expect(error.column == 11)
        #expect(error.path.description == "every")
    }

    @Test(
        "decodes escapes",
        arguments: [
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
            (#""\u00e9\u00E9""#, "éé"),
            (#""\u0000""#, "\u{0}"),
            (#""\ud83d\ude00""#, "😀"),
            (#""a\uD834\uDD1Eb""#, "a𝄞b"),
        ])
    func decodesEscapes(text: String, expected: String) throws {
        #expect(try JSONParser.parse(text) == .string(expected))
    }

    @Test("quotes control characters as four lowercase hex digits, read back as the same string")
    func quotesControlCharacters() throws {
        let text = "a\u{0}\u{1}\u{1f}\u{7f}\n"
        #expect(JSONValue.quoted(text) == #""a\u0000\u0001\u001f\#u{7f}\n""#)
        #expect(try JSONParser.parse(JSONValue.quoted(text)) == .string(text))
    }

    @Test(
        "rejects bad escapes and unpaired surrogates",
        arguments: [
            (#""\x""#, "invalid escape \\'x'"),
            (#""\u12""#, "a \\u escape needs four hex digits"),
            (#""\u12G4""#, "a \\u escape needs four hex digits"),
            (#""\ud83d""#, "a high surrogate \\u escape must be followed by a low one"),
            (#""\ud83d\u0041""#, "a high surrogate \\u escape must be followed by a low one"),
            (#""\ud83dx""#, "a high surrogate \\u escape must be followed by a low one"),
            (#""\ude00""#, "a lone low surrogate \\u escape"),
        ])
    func rejectsBadEscapes(text: String, message: String) throws {
        let error = try #require(syntaxError(text))
        #expect(error.message == message)
    }

    @Test(
        "rejects unescaped control characters and unclosed strings",
        arguments: [
            ("\"a\nb\"", "a control character must be escaped inside a string"),
            ("\"a\tb\"", "a control character must be escaped inside a string"),
            ("\"abc", "a string is not closed before the file ends"),
            ("\"abc\\", "a string is not closed before the file ends"),
        ])
    func rejectsBadStrings(text: String, message: String) throws {
        let error = try #require(syntaxError(text))
        #expect(error.message == message)
    }

    @Test(
        "explains structural mistakes",
        arguments: [
            ("", "expected a value but the file ended"),
            ("{", "expected a quoted key, found the end of the file"),
            ("{\"a\" 1}", "expected ':' after key \"a\", found '1'"),
            ("{\"a\": 1 \"b\": 2}", "expected ',' or '}', found '\"'"),
            ("{\"a\": 1,}", "expected a quoted key, found '}'"),
            ("{a: 1}", "expected a quoted key, found 'a'"),
            ("[1, 2", "expected ',' or ']' but the file ended"),
            ("[1,]", "expected a value, found ']'"),
            ("[tru]", "expected a value, found 't'"),
            ("nul", "expected a value, found 'n'"),
            ("{\"a\": 1", "expected ',' or '}' but the file ended"),
        ])
    func explainsStructuralMistakes(text: String, message: String) throws {
        let error = try #require(syntaxError(text))
        #expect(error.message == message)
    }

    @Test("describes an error with its line and column")
    func describesErrorLocation() throws {
        let error = try #require(syntaxError("{\n  \"a\": 1,\n  \"b\": ]\n}"))
        #expect(error.description == "line 3, column 8: expected a value, found ']'")
        #expect(error.path.description == "b")
    }
}
