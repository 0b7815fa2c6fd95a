public import Foundation

extension RegoValue {
    /// Parses JSON text exactly (numbers keep full precision).
    ///
    /// - Throws: `RegoError` with code `rego_parse_error`-like `json_parse_error` on malformed text or nesting deeper than `maxDepth`.
    public init(jsonText: String, maxDepth: Int = 1000) throws {
        var parser = JSONReader(bytes: Array(jsonText.utf8), maxDepth: maxDepth)
        self = try parser.parseDocument()
    }

    /// Parses JSON bytes exactly.
    public init(jsonData: Data, maxDepth: Int = 1000) throws {
        var parser = JSONReader(bytes: [UInt8](jsonData), maxDepth: maxDepth)
        self = try parser.parseDocument()
    }

    /// Deterministic JSON text: object keys in OPA order, sets as sorted arrays.
    public var jsonText: String {
        var out = ""
        RegoValue.writeJSON(self, into: &out)
        return out
    }

    static func writeJSON(_ v: RegoValue, into out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.description
        case .string(let s): writeJSONString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                writeJSON(e, into: &out)
            }
            out += "]"
        case .set(let s):
            out += "["
            for (i, e) in s.sorted.enumerated() {
                if i > 0 { out += "," }
                writeJSON(e, into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, e) in o.sortedEntries.enumerated() {
                if i > 0 { out += "," }
                if case .string(let s) = e.key { writeJSONString(s, into: &out) } else { writeJSONString(e.key.jsonText, into: &out) }
                out += ":"
                writeJSON(e.value, into: &out)
            }
            out += "}"
        }
    }

    static func writeJSONString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

/// A strict JSON reader producing `RegoValue`s with exact numbers and a nesting limit.
struct JSONReader {
    let bytes: [UInt8]
    let maxDepth: Int
    var pos = 0
    var depth = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func fail(_ message: String) -> RegoError {
        RegoError(code: .jsonParse, message: "\(message) at offset \(pos)")
    }

    mutating func parseDocument() throws -> RegoValue {
        skipSpace()
        let v = try parseValue()
        skipSpace()
        if pos != bytes.count { throw fail("unexpected trailing characters") }
        return v
    }

    mutating func skipSpace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 { pos += 1 }
    }

    mutating func literal(_ word: String, _ value: RegoValue) throws -> RegoValue {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { throw fail("invalid literal") }
        pos += w.count
        return value
    }

    mutating func parseValue() throws -> RegoValue {
        guard pos < bytes.count else { throw fail("unexpected end of JSON") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            depth += 1
            if depth > maxDepth { throw fail("JSON nesting exceeds \(maxDepth) levels") }
            defer { depth -= 1 }
            pos += 1
            var obj: [RegoValue: RegoValue] = [:]
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
                pos += 1
                return .object(RegoObject(obj))
            }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected object key") }
                let k = try parseString()
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                pos += 1
                skipSpace()
                obj[.string(k)] = try parseValue()
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end of JSON") }
                if bytes[pos] == UInt8(ascii: ",") {
                    pos += 1
                    continue
                }
                if bytes[pos] == UInt8(ascii: "}") {
                    pos += 1
                    return .object(RegoObject(obj))
                }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            depth += 1
            if depth > maxDepth { throw fail("JSON nesting exceeds \(maxDepth) levels") }
            defer { depth -= 1 }
            pos += 1
            var arr: [RegoValue] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
                pos += 1
                return .array(arr)
            }
            while true {
                skipSpace()
                arr.append(try parseValue())
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end of JSON") }
                if bytes[pos] == UInt8(ascii: ",") {
                    pos += 1
                    continue
                }
                if bytes[pos] == UInt8(ascii: "]") {
                    pos += 1
                    return .array(arr)
                }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try parseNumber()
        }
    }

    mutating func parseNumber() throws -> RegoValue {
        let start = pos
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        let digitsStart = pos
        while pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 57 { pos += 1 }
        if pos == digitsStart { throw fail("invalid number") }
        if bytes[digitsStart] == 48, pos - digitsStart > 1 { throw fail("invalid number") }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            let f = pos
            while pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 57 { pos += 1 }
            if pos == f { throw fail("invalid number") }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            let e = pos
            while pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 57 { pos += 1 }
            if pos == e { throw fail("invalid number") }
        }
        if pos - start > 4096 { throw fail("number literal too long") }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        guard let n = RegoNumber(literal: text) else { throw fail("number out of range") }
        return .number(n)
    }

    mutating func hex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail("invalid escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            pos += 1
            v <<= 4
            switch c {
            case 48...57: v |= UInt32(c - 48)
            case 97...102: v |= UInt32(c - 87)
            case 65...70: v |= UInt32(c - 55)
            default: throw fail("invalid escape")
            }
        }
        return v
    }

    mutating func parseString() throws -> String {
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw fail("unterminated string") }
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("control character in string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                continue
            }
            guard pos < bytes.count else { throw fail("unterminated string") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var cp = try hex4()
                if cp >= 0xD800, cp < 0xDC00, pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                    pos += 2
                    let lo = try hex4()
                    if lo >= 0xDC00, lo < 0xE000 { cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00) } else { cp = 0xFFFD }
                }
                let scalar = Unicode.Scalar(cp) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: throw fail("invalid escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
