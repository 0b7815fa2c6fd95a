/// Reads a JSON text (RFC 8259) into a ``JSONValue`` in one pass over its bytes: the request bodies' parser.
///
/// Why not `JSONDecoder`: decoding the untyped ``JSONValue`` through `Codable` tries each JSON type in turn, and every
/// wrong guess throws a `DecodingError` with its coding path and description; that was 1.8 % of the whole machine's
/// time under load for a body of seven members (BENCHMARKS.md). This reader looks at the next byte instead.
///
/// It is strict, so a body means one thing to jitsudo and to anyone who reads it after: exactly one value with only
/// JSON whitespace around it; strings of valid UTF-8 without raw control characters, escapes as RFC 8259 lists them
/// (a `\u` surrogate only as a pair); numbers as its grammar spells them, whole numbers that fit 64 bits as
/// ``JSONValue/integer(_:)``, others as a finite ``JSONValue/double(_:)``; objects without a repeated member name
/// (parsers disagree on which of two wins, so neither does); at most `maximumDepth` levels of arrays and objects.
/// Anything else is refused with what and where, and nothing is returned.
public struct JSONValueParser {
    /// Why a text was refused: a message naming the byte offset, or nesting past the limit.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalid(String, offset: Int)
        case tooDeep(limit: Int)

        public var description: String {
            switch self {
            case .invalid(let reason, let offset): "\(reason) at byte \(offset)"
            case .tooDeep(let limit): "JSON nested more than \(limit) levels deep"
            }
        }
    }

    /// Parses `bytes` as one JSON value.
    public static func parse(_ bytes: some Collection<UInt8>, maximumDepth: Int) throws(Failure) -> JSONValue {
        let parsed: Result<JSONValue, Failure>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(Failure) in try parseContiguous(buffer, maximumDepth: maximumDepth) }
        }
        if let parsed { return try parsed.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer throws(Failure) in try parseContiguous(buffer, maximumDepth: maximumDepth) }
    }

    private static func parseContiguous(_ buffer: UnsafeBufferPointer<UInt8>, maximumDepth: Int) throws(Failure) -> JSONValue {
        var parser = JSONValueParser(bytes: buffer, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.offset == buffer.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let maximumDepth: Int
    private var offset = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    private func failure(_ reason: String) -> Failure { .invalid(reason, offset: offset) }

    private var next: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    private mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - offset >= count,
            UnsafeBufferPointer(start: literal.utf8Start, count: count).elementsEqual(bytes[offset..<offset + count])
        else { throw failure("unexpected character") }
        offset += count
        return value
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard let byte = next else { throw failure("unexpected end of the text") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep(limit: maximumDepth) }
        offset += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if next == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            guard next == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
            let nameOffset = offset
            let name = try string()
            skipWhitespace()
            guard next == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
            offset += 1
            skipWhitespace()
            let member = try value(depth: depth)
            guard members.updateValue(member, forKey: name) == nil else {
                throw Failure.invalid("the member \"\(name.prefix(40))\" appears twice", offset: nameOffset)
            }
            skipWhitespace()
            switch next {
            case UInt8(ascii: ","):
                offset += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                offset += 1
                return .object(members)
            default: throw failure("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep(limit: maximumDepth) }
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if next == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth))
            skipWhitespace()
            switch next {
            case UInt8(ascii: ","):
                offset += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                offset += 1
                return .array(elements)
            default: throw failure("expected ',' or ']' in an array")
            }
        }
    }

    /// A string from its opening quote: runs without escapes are copied as they are, escapes decoded, and the whole
    /// checked as UTF-8 once.
    private mutating func string() throws(Failure) -> String {
        offset += 1
        let start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: bytes[start..<offset])
                offset += 1
                return try validated(run, from: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("a control character inside a string must be escaped") }
            offset += 1
        }
        var decoded = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return try decoded.withUnsafeBufferPointer { run throws(Failure) in try validated(run, from: start) }
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case ..<0x20:
                throw failure("a control character inside a string must be escaped")
            default:
                decoded.append(byte)
                offset += 1
            }
        }
        throw failure("unterminated string")
    }

    private func validated(_ run: UnsafeBufferPointer<UInt8>, from start: Int) throws(Failure) -> String {
        guard let text = String(validating: run, as: UTF8.self) else { throw Failure.invalid("a string is not valid UTF-8", offset: start) }
        return text
    }

    /// One escape sequence from its backslash, appended as UTF-8.
    private mutating func escape(into decoded: inout [UInt8]) throws(Failure) {
        guard offset + 1 < bytes.count else { throw failure("unterminated string") }
        let letter = bytes[offset + 1]
        offset += 2
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(letter)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hexUnit()
            var scalarValue = UInt32(unit)
            switch unit {
            case 0xD800...0xDBFF:
                guard bytes.count - offset >= 2, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                    throw failure("a \\u escape of a high surrogate must be followed by its low surrogate")
                }
                offset += 2
                let low = try hexUnit()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("a \\u escape of a high surrogate must be followed by its low surrogate") }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw failure("a \\u escape of a low surrogate without its high surrogate")
            default: break
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw failure("an invalid \\u escape") }
            UTF8.encode(scalar) { decoded.append($0) }
        default:
            throw Failure.invalid("an invalid escape sequence", offset: offset - 2)
        }
    }

    /// The four hexadecimal digits of a `\u` escape.
    private mutating func hexUnit() throws(Failure) -> UInt16 {
        guard bytes.count - offset >= 4 else { throw failure("a \\u escape needs four hexadecimal digits") }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hexadecimal digits")
            }
            unit = unit << 4 | UInt16(digit)
            offset += 1
        }
        return unit
    }

    /// A number as RFC 8259 spells it: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?.
    private mutating func number() throws(Failure) -> JSONValue {
        let start = offset
        if next == UInt8(ascii: "-") { offset += 1 }
        guard let first = next, isDigit(first) else { throw failure("a number needs a digit") }
        offset += 1
        if first == UInt8(ascii: "0") {
            if let following = next, isDigit(following) { throw failure("a number must not start with 0") }
        } else {
            skipDigits()
        }
        var whole = true
        if next == UInt8(ascii: ".") {
            whole = false
            offset += 1
            guard let digit = next, isDigit(digit) else { throw failure("a number needs a digit after '.'") }
            skipDigits()
        }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            whole = false
            offset += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { offset += 1 }
            guard let digit = next, isDigit(digit) else { throw failure("a number needs a digit in its exponent") }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        if whole, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else {
            throw Failure.invalid("the number \(text.prefix(40)) is out of range", offset: start)
        }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = next, isDigit(byte) { offset += 1 }
    }
}
