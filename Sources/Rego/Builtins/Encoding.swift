import Foundation

/// json.*, base64*, hex.*, urlquery.*, yaml.is_valid.
extension BuiltinRegistry {
    static func registerEncoding(_ add: Adder) {
        add("json.marshal", 1) { _, a in .string(a[0].jsonText) }
        add("json.marshal_with_options", 2) { _, a in
            let opts = try object(a, 1)
            var prefix = "", indent = "\t", pretty = false
            for (k, v) in opts.sortedEntries {
                guard case .string(let ks) = k else { throw BuiltinError.type("operand 2 must be object with string keys") }
                switch ks {
                case "prefix":
                    guard case .string(let p) = v else { throw BuiltinError.type("operand 2 prefix must be string") }
                    prefix = p
                    pretty = true
                case "indent":
                    guard case .string(let p) = v else { throw BuiltinError.type("operand 2 indent must be string") }
                    indent = p
                    pretty = true
                case "pretty":
                    guard case .bool(let b) = v else { throw BuiltinError.type("operand 2 pretty must be boolean") }
                    pretty = b
                default: throw BuiltinError.type("object contained unknown key \(RegoValue.string(ks).jsonText)")
                }
            }
            if !pretty { return .string(a[0].jsonText) }
            var out = prefix
            prettyJSON(a[0], prefix: prefix, indent: indent, level: 0, into: &out)
            return .string(out)
        }
        add("json.unmarshal", 1) { _, a in
            do { return try RegoValue(jsonText: try string(a, 0)) } catch let e as RegoError { throw BuiltinError.failure(e.message) }
        }
        add("json.is_valid", 1) { _, a in
            guard case .string(let s) = a[0] else { return .bool(false) }
            return .bool((try? RegoValue(jsonText: s)) != nil)
        }
        add("base64.encode", 1) { _, a in .string(Data(try string(a, 0).utf8).base64EncodedString()) }
        add("base64.decode", 1) { _, a in
            let s = try string(a, 0)
            guard let d = Data(base64Encoded: padBase64(s)) else {
                throw BuiltinError.failure("illegal base64 data at input byte \(badBase64Index(s))")
            }
            return .string(String(decoding: d, as: UTF8.self))
        }
        add("base64.is_valid", 1) { _, a in
            guard case .string(let s) = a[0] else { return .bool(false) }  // OPA: any non-string is simply not valid
            return .bool(Data(base64Encoded: s) != nil)
        }
        add("base64url.encode", 1) { _, a in
            .string(
                Data(try string(a, 0).utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
        }
        add("base64url.encode_no_pad", 1) { _, a in
            .string(
                Data(try string(a, 0).utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: ""))
        }
        add("base64url.decode", 1) { _, a in
            let s = try string(a, 0).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            guard let d = Data(base64Encoded: padBase64(s)) else { throw BuiltinError.failure("illegal base64 data") }
            return .string(String(decoding: d, as: UTF8.self))
        }
        add("hex.encode", 1) { _, a in .string(try string(a, 0).utf8.map { String(format: "%02x", $0) }.joined()) }
        add("hex.decode", 1) { _, a in
            let s = Array(try string(a, 0).unicodeScalars)
            var bytes: [UInt8] = []
            var i = 0
            while i < s.count {
                guard let hi = s[i].properties.numericType != nil || s[i].isASCII ? hexValue(s[i]) : nil else {
                    throw BuiltinError.failure("encoding/hex: invalid byte: U+\(String(format: "%04X", s[i].value)) \(quoteRune(s[i]))")
                }
                guard i + 1 < s.count else { throw BuiltinError.failure("encoding/hex: odd length hex string") }
                guard let lo = hexValue(s[i + 1]) else {
                    throw BuiltinError.failure("encoding/hex: invalid byte: U+\(String(format: "%04X", s[i + 1].value)) \(quoteRune(s[i + 1]))")
                }
                bytes.append(hi << 4 | lo)
                i += 2
            }
            return .string(String(decoding: bytes, as: UTF8.self))
        }
        add("urlquery.encode", 1) { _, a in .string(queryEscape(try string(a, 0))) }
        add("urlquery.decode", 1) { _, a in
            guard let s = queryUnescape(try string(a, 0)) else { throw BuiltinError.failure("invalid URL escape") }
            return .string(s)
        }
        add("urlquery.encode_object", 1) { _, a in
            var parts: [String] = []
            for (k, v) in try object(a, 0).sortedEntries {
                guard case .string(let ks) = k else { throw BuiltinError.type("operand 1 must be object with string keys") }
                switch v {
                case .string(let s): parts.append("\(queryEscape(ks))=\(queryEscape(s))")
                case .array, .set:
                    for x in elements(v) ?? [] {
                        guard case .string(let s) = x else { throw BuiltinError.type("operand 1 values must be strings") }
                        parts.append("\(queryEscape(ks))=\(queryEscape(s))")
                    }
                default: throw BuiltinError.type("operand 1 values must be strings, arrays or sets")
                }
            }
            return .string(parts.joined(separator: "&"))
        }
        add("urlquery.decode_object", 1) { _, a in
            var out: [RegoValue: [RegoValue]] = [:]
            var order: [RegoValue] = []
            for part in try string(a, 0).split(separator: "&", omittingEmptySubsequences: true) {
                let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let k = queryUnescape(String(kv[0])), let v = queryUnescape(kv.count > 1 ? String(kv[1]) : "") else {
                    throw BuiltinError.failure("invalid URL escape")
                }
                if out[.string(k)] == nil { order.append(.string(k)) }
                out[.string(k), default: []].append(.string(v))
            }
            var o = RegoObject()
            for k in order { o[k] = .array(out[k] ?? []) }
            return .object(o)
        }
        add("yaml.is_valid", 1) { _, a in
            guard case .string(let s) = a[0] else { return .bool(false) }
            return .bool(YAMLCheck.isPlausible(s))
        }
    }

    static func badBase64Index(_ s: String) -> Int {
        for (i, c) in s.enumerated() where !(c.isASCII && (c.isLetter || c.isNumber || c == "+" || c == "/" || c == "=")) { return i }
        return max(0, s.count - 1)
    }

    static func padBase64(_ s: String) -> String {
        let r = s.count % 4
        return r == 0 ? s : s + String(repeating: "=", count: 4 - r)
    }

    static func hexValue(_ u: Unicode.Scalar) -> UInt8? {
        switch u.value {
        case 48...57: return UInt8(u.value - 48)
        case 97...102: return UInt8(u.value - 87)
        case 65...70: return UInt8(u.value - 55)
        default: return nil
        }
    }

    static func quoteRune(_ u: Unicode.Scalar) -> String { "'\(Character(u))'" }

    static func queryEscape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: " "): out += "+"
            default: out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    static func queryUnescape(_ s: String) -> String? {
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "%") {
                guard i + 2 < u.count, let h = hexValue(Unicode.Scalar(u[i + 1])), let l = hexValue(Unicode.Scalar(u[i + 2])) else { return nil }
                bytes.append(h << 4 | l)
                i += 3
            } else if u[i] == UInt8(ascii: "+") {
                bytes.append(0x20)
                i += 1
            } else {
                bytes.append(u[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func prettyJSON(_ v: RegoValue, prefix: String, indent: String, level: Int, into out: inout String) {
        let nl = "\n" + prefix + String(repeating: indent, count: level)
        let nl1 = "\n" + prefix + String(repeating: indent, count: level + 1)
        switch v {
        case .array, .set:
            let xs = elements(v) ?? []
            if xs.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (i, x) in xs.enumerated() {
                out += (i > 0 ? "," : "") + nl1
                prettyJSON(x, prefix: prefix, indent: indent, level: level + 1, into: &out)
            }
            out += nl + "]"
        case .object(let o):
            if o.count == 0 {
                out += "{}"
                return
            }
            out += "{"
            for (i, e) in o.sortedEntries.enumerated() {
                out += (i > 0 ? "," : "") + nl1
                if case .string(let s) = e.key {
                    RegoValue.writeJSONString(s, into: &out)
                } else {
                    RegoValue.writeJSONString(e.key.jsonText, into: &out)
                }
                out += ": "
                prettyJSON(e.value, prefix: prefix, indent: indent, level: level + 1, into: &out)
            }
            out += nl + "}"
        default: out += v.jsonText
        }
    }
}

/// A light YAML plausibility check: balanced flow collections and quotes, no tabs in indentation.
enum YAMLCheck {
    static func isPlausible(_ s: String) -> Bool {
        var stack: [Character] = []
        var quote: Character? = nil
        for line in s.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\t") { return false }
            for c in line {
                if let q = quote {
                    if c == q { quote = nil }
                    continue
                }
                switch c {
                case "\"", "'": if !stack.isEmpty { quote = c }
                case "{", "[": stack.append(c)
                case "}": if stack.popLast() != "{" { return false }
                case "]": if stack.popLast() != "[" { return false }
                case "#": break
                default: break
                }
            }
        }
        return stack.isEmpty && quote == nil
    }
}
