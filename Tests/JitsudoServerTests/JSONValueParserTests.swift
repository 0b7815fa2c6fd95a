import BoundedJSON
import Foundation
import JitsudoAPI
import PropertyBased
import Testing

/// The request bodies' parser reads what Foundation's decoder reads, as the same value, and refuses what RFC 8259
/// does not allow (and a repeated member name), saying what and where.
@Suite struct JSONValueParserTests {
    static func parse(_ text: String) throws(JSONValueParser.Failure) -> JSONValue {
        try JSONValueParser.parse(Array(text.utf8), maximumDepth: JSONNesting.defaultMaximumDepth)
    }

    static func foundation(_ text: String) throws -> JSONValue {
        try JSONDecoder().decodeBounded(JSONValue.self, from: Data(text.utf8))
    }

    /// Equal values, numbers by value (`1.0` is a double here and may be an integer for Foundation).
    static func same(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.integer(let a), .integer(let b)): a == b
        case (.integer(let a), .double(let b)), (.double(let b), .integer(let a)): Double(a) == b
        case (.double(let a), .double(let b)): a == b
        case (.array(let a), .array(let b)): a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (.object(let a), .object(let b)): a.count == b.count && a.allSatisfy { key, value in b[key].map { same(value, $0) } ?? false }
        default: left == right
        }
    }

    @Test(arguments: [
        #"{"provider":"mock","role":"admin","duration_seconds":3600,"reason":"INC-4421","break_glass":false,"metadata":{"ticket":"T-1"}}"#,
        " \t\r\n{ \"a\" : [ 1 , -2 , 3.5 , -0 , 0.25e2 , 1E-3 , 2e+2 , true , false , null , { } , [ ] ] } \n",
        #"{"escapes":"\"\\\/\b\f\n\r\t\u0000\u001F\u00e9\u2028\uD83D\uDD11 é 🔑","":"empty name"}"#,
        #"{"big":9223372036854775807,"small":-9223372036854775808,"over":9223372036854775808,"under":-9223372036854775809}"#,
        #"{"fraction":3600.0,"exponent":36e2,"tiny":5e-324,"huge":1.7976931348623157e308}"#,
        "[" + String(repeating: "1234567890", count: 30) + ", -0.0, 0e0, 1E+0, 1e-400, -1e-400, 0.000001e-300]",
        #"[[[[[[[[["deep"]]]]]]]]]"#, #""text""#, "42", "null", "true", #"{"a":{"b":{"c":[{"d":""}]}}}"#,
    ])
    func readsWhatFoundationReadsAsTheSameValue(_ text: String) throws {
        let parsed = try Self.parse(text)
        let expected = try Self.foundation(text)
        #expect(Self.same(parsed, expected), "\(parsed) against \(expected)")
    }

    @Test func numbersAreWholeWhenTheyAreWrittenWholeAndFit() throws {
        #expect(try Self.parse("3600") == .integer(3600))
        #expect(try Self.parse("-9223372036854775808") == .integer(.min))
        #expect(try Self.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try Self.parse("3600.0") == .double(3600))
        #expect(try Self.parse("1e2") == .double(100))
    }

    @Test func escapesDecodeToTheirCharacters() throws {
        #expect(try Self.parse(#""\uD83D\uDD11\u00E9\n""#) == .string("🔑é\n"))
        #expect(try Self.parse(#""a\/b""#) == .string("a/b"))
    }

    /// Each text, and what the parser says is wrong where.
    @Test(arguments: [
        ("", "unexpected end of the text at byte 0"),
        ("{", "expected a member name in quotes at byte 1"),
        (#"{"a":1,}"#, "expected a member name in quotes at byte 7"),
        (#"{"a" 1}"#, "expected ':' after a member name at byte 5"),
        (#"{"a":1 "b":2}"#, "expected ',' or '}' in an object at byte 7"),
        ("[1,]", "unexpected character at byte 3"),
        ("[1 2]", "expected ',' or ']' in an array at byte 3"),
        ("{} {}", "unexpected text after the JSON value at byte 3"),
        ("tru", "unexpected character at byte 0"),
        ("True", "unexpected character at byte 0"),
        ("NaN", "unexpected character at byte 0"),
        ("+1", "unexpected character at byte 0"),
        ("01", "a number must not start with 0 at byte 1"),
        ("1.", "a number needs a digit after '.' at byte 2"),
        (".5", "unexpected character at byte 0"),
        ("1e", "a number needs a digit in its exponent at byte 2"),
        ("-", "a number needs a digit at byte 1"),
        ("1e400", "the number 1e400 is out of range at byte 0"),
        ("\"a\tb\"", "a control character inside a string must be escaped at byte 2"),
        (#""\x""#, "an invalid escape sequence at byte 1"),
        (#""\u12""#, #"a \u escape needs four hexadecimal digits at byte 3"#),
        (#""\uD83D""#, #"a \u escape of a high surrogate must be followed by its low surrogate at byte 7"#),
        (#""\uD83D\u0041""#, #"a \u escape of a high surrogate must be followed by its low surrogate at byte 13"#),
        (#""\uDD11""#, #"a \u escape of a low surrogate without its high surrogate at byte 7"#),
        (#""open"#, "unterminated string at byte 5"),
        ("{\"a\":1,\"a\":2}", #"the member "a" appears twice at byte 7"#),
        ("\u{FEFF}{}", "unexpected character at byte 0"),
        ("[1]\u{0}", "unexpected text after the JSON value at byte 3"),
    ])
    func refusesWhatJSONDoesNotAllow(_ text: String, _ message: String) {
        let failure = #expect(throws: JSONValueParser.Failure.self) { try Self.parse(text) }
        #expect(failure?.description == message)
    }

    @Test func refusesInvalidUTF8InAString() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONValueParser.Failure.invalid("a string is not valid UTF-8", offset: 6)) {
            try JSONValueParser.parse(bytes, maximumDepth: 8)
        }
        let overlong: [UInt8] = [UInt8(ascii: "\""), 0xC0, 0xAF, UInt8(ascii: "\"")]
        #expect(throws: JSONValueParser.Failure.self) { try JSONValueParser.parse(overlong, maximumDepth: 8) }
    }

    /// The nesting limit counts arrays and objects alike, and the 513 levels that once killed Foundation's scanner
    /// are refused at the limit.
    @Test func nestingStopsAtTheLimit() throws {
        let limit = JSONNesting.defaultMaximumDepth
        #expect(throws: Never.self) { try Self.parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)) }
        #expect(throws: JSONValueParser.Failure.tooDeep(limit: limit)) {
            try Self.parse(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
        }
        #expect(throws: JSONValueParser.Failure.tooDeep(limit: limit)) { try Self.parse(String(repeating: "[", count: 513)) }
        #expect(throws: JSONValueParser.Failure.tooDeep(limit: limit)) {
            try Self.parse(String(repeating: #"{"a":"#, count: 512) + "[")
        }
    }

    /// Generated documents (every escape, number form and nesting shape) read as Foundation reads them.
    @Test func generatedDocumentsReadAsFoundationReadsThem() throws {
        var random = Xoshiro(seed: (8259, 0, 0, 1))  // the same documents on every run
        for _ in 0..<400 {
            let text = Self.document(&random, depth: 0)
            let parsed = try Self.parse(text)
            #expect(Self.same(parsed, try Self.foundation(text)), "\(text)")
        }
    }

    static let numbers = ["0", "-0", "7", "-12", "3600", "1.5", "-0.125", "1e3", "2E-2", "6.02e+23", "9223372036854775807", "18446744073709551616"]
    static let strings = [
        #""""#, #""plain""#, #""\"\\\/\b\f\n\r\t""#, #""\u0041\u00e9\u4E2D\uD834\uDD1E""#, "\"é 中 𝄞\"", #""a\u0000b""#,
    ]

    static func document(_ random: inout Xoshiro, depth: Int) -> String {
        let space = [" ", "", "\n", "\t", "\r\n"].randomElement(using: &random)!
        switch Int.random(in: 0...(depth > 4 ? 3 : 5), using: &random) {
        case 0: return numbers.randomElement(using: &random)!
        case 1: return strings.randomElement(using: &random)!
        case 2: return ["true", "false", "null"].randomElement(using: &random)!
        case 3: return space + numbers.randomElement(using: &random)! + space
        case 4:
            let elements = (0..<Int.random(in: 0...4, using: &random)).map { _ in document(&random, depth: depth + 1) }
            return "[" + space + elements.joined(separator: space + "," + space) + space + "]"
        default:
            let members = (0..<Int.random(in: 0...4, using: &random)).map { index in
                "\"k\(index)\(["", "\\u00e9", "\\n"].randomElement(using: &random)!)\"" + space + ":" + space + document(&random, depth: depth + 1)
            }
            return "{" + space + members.joined(separator: "," + space) + space + "}"
        }
    }
}
