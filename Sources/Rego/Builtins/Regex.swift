import Foundation

/// regex.*, glob.*.
extension BuiltinRegistry {
    static func nsRange(_ s: String) -> NSRange { NSRange(s.startIndex..<s.endIndex, in: s) }

    static func substring(_ s: String, _ r: NSRange) -> String {
        guard r.location != NSNotFound, let range = Range(r, in: s) else { return "" }
        return String(s[range])
    }

    /// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`; unknown groups expand to "".
    static func expandTemplate(_ template: String, _ m: NSTextCheckingResult, _ s: String) -> String {
        var out = ""
        let t = Array(template.unicodeScalars)
        var i = 0
        func group(_ name: String) -> String {
            // `${-1}` parses as an Int too: range(at:) traps outside 0..<numberOfRanges.
            if let n = Int(name) { return n >= 0 && n < m.numberOfRanges ? substring(s, m.range(at: n)) : "" }
            return substring(s, m.range(withName: name))
        }
        while i < t.count {
            guard t[i] == "$", i + 1 < t.count else {
                out.unicodeScalars.append(t[i])
                i += 1
                continue
            }
            if t[i + 1] == "$" {
                out += "$"
                i += 2
                continue
            }
            if t[i + 1] == "{", let close = t[(i + 2)...].firstIndex(of: "}") {
                out += group(String(String.UnicodeScalarView(t[(i + 2)..<close])))
                i = close + 1
                continue
            }
            var j = i + 1
            while j < t.count, t[j].properties.isAlphabetic || ("0"..."9").contains(t[j]) || t[j] == "_" { j += 1 }
            if j == i + 1 {
                out += "$"
                i += 1
                continue
            }
            out += group(String(String.UnicodeScalarView(t[(i + 1)..<j])))
            i = j
        }
        return out
    }

    static func registerRegex(_ add: Adder) {
        add("regex.match", 2) { ctx, a in
            let re = try ctx.regexCache.regex(try string(a, 0))
            let s = try string(a, 1)
            return .bool(try ctx.firstMatch(re, in: s) != nil)
        }
        add("regex.is_valid", 1) { ctx, a in
            guard case .string(let p) = a[0] else { return .bool(false) }
            return .bool((try? ctx.regexCache.regex(p)) != nil)
        }
        add("regex.find_n", 3) { ctx, a in
            let re = try ctx.regexCache.regex(try string(a, 0))
            let s = try string(a, 1)
            let n = try int(a, 2)
            var out: [RegoValue] = []
            for m in try ctx.matches(re, in: s, limit: n) {
                if n >= 0 && out.count >= n { break }
                out.append(.string(substring(s, m.range)))
            }
            return .array(out)
        }
        add("regex.find_all_string_submatch_n", 3) { ctx, a in
            let re = try ctx.regexCache.regex(try string(a, 0))
            let s = try string(a, 1)
            let n = try int(a, 2)
            var out: [RegoValue] = []
            for m in try ctx.matches(re, in: s, limit: n) {
                if n >= 0 && out.count >= n { break }
                out.append(.array((0..<m.numberOfRanges).map { .string(substring(s, m.range(at: $0))) }))
            }
            return .array(out)
        }
        add("regex.split", 2) { ctx, a in
            let re = try ctx.regexCache.regex(try string(a, 0))
            let s = try string(a, 1)
            var out: [RegoValue] = []
            var last = s.startIndex
            for m in try ctx.matches(re, in: s) {
                guard let r = Range(m.range, in: s) else { continue }
                if r.isEmpty && (r.lowerBound == s.startIndex || r.lowerBound == s.endIndex) { continue }
                out.append(.string(String(s[last..<r.lowerBound])))
                last = r.upperBound
            }
            out.append(.string(String(s[last...])))
            return .array(out)
        }
        add("regex.replace", 3) { ctx, a in
            let re = try ctx.regexCache.regex(try string(a, 1))
            let s = try string(a, 0)
            let repl = try string(a, 2)
            // Go expands $1 / ${1}; NSRegularExpression uses $1 as well. Escape backslashes.
            var out = ""
            var last = s.startIndex
            for m in try ctx.matches(re, in: s) {
                guard let r = Range(m.range, in: s) else { continue }
                out += s[last..<r.lowerBound]
                out += expandTemplate(repl, m, s)
                last = r.upperBound
            }
            out += s[last...]
            return .string(out)
        }
        add("regex.template_match", 4) { ctx, a in
            let pattern = try string(a, 0), s = try string(a, 1), open = try string(a, 2), close = try string(a, 3)
            // Build a regex: literal text quoted, delimited parts used as regex.
            var re = "^"
            var rest = Substring(pattern)
            while let o = rest.range(of: open) {
                re += NSRegularExpression.escapedPattern(for: String(rest[..<o.lowerBound]))
                let after = rest[o.upperBound...]
                guard let c = after.range(of: close) else { throw BuiltinError.failure("unbalanced delimiters") }
                re += "(?:" + RegexTranslator.translate(String(after[..<c.lowerBound])) + ")"
                rest = after[c.upperBound...]
            }
            re += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
            let r = try ctx.regexCache.regex(re)
            return .bool(try ctx.firstMatch(r, in: s) != nil)
        }
        add("regex.globs_match", 2) { _, a in
            _ = try string(a, 0)
            _ = try string(a, 1)
            throw BuiltinError.failure("regex.globs_match is not supported")
        }
        add("glob.quote_meta", 1) { _, a in
            var out = ""
            for c in try string(a, 0) {
                if "*?\\[]{}".contains(c) { out.append("\\") }
                out.append(c)
            }
            return .string(out)
        }
        add("glob.match", 3) { ctx, a in
            let pattern = try string(a, 0)
            let s = try string(a, 2)
            var delims: [String]
            switch a[1] {
            case .null: delims = []
            case .array(let xs):
                delims = try xs.map {
                    guard case .string(let d) = $0 else { throw BuiltinError.type("operand 2 must be array of strings") }
                    return d
                }
                if xs.isEmpty { delims = ["."] }
            default: throw BuiltinError.operand(2, "array", a[1])
            }
            let re = try GlobCompiler.regex(pattern, delimiters: delims)
            let r = try ctx.regexCache.regex(re)
            return .bool(try ctx.firstMatch(r, in: s) != nil)
        }
    }
}

/// Translates gobwas/glob patterns to regular expressions.
enum GlobCompiler {
    static func regex(_ pattern: String, delimiters: [String]) throws -> String {
        let sep =
            delimiters.isEmpty
            ? "" : "[^" + delimiters.map { NSRegularExpression.escapedPattern(for: $0).replacingOccurrences(of: "]", with: "\\]") }.joined() + "]"
        let any = delimiters.isEmpty ? "[\\s\\S]" : sep
        var out = "^"
        let chars = Array(pattern)
        var i = 0
        var braceDepth = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                i += 1
                guard i < chars.count else { throw BuiltinError.failure("unexpected end of input") }
                out += NSRegularExpression.escapedPattern(for: String(chars[i]))
            case "*":
                if i + 1 < chars.count, chars[i + 1] == "*" {
                    out += "[\\s\\S]*"
                    i += 1
                } else {
                    out += any + "*"
                }
            case "?": out += any
            case "[":
                var j = i + 1
                var cls = "["
                if j < chars.count, chars[j] == "!" {
                    cls += "^"
                    j += 1
                }
                while j < chars.count, chars[j] != "]" {
                    if chars[j] == "\\" {
                        cls += "\\\\"
                        j += 1
                        if j < chars.count { cls += String(chars[j]) }
                    } else {
                        cls.append(chars[j])
                    }
                    j += 1
                }
                guard j < chars.count else { throw BuiltinError.failure("unexpected end of input") }
                out += cls + "]"
                i = j
            case "{":
                braceDepth += 1
                out += "(?:"
            case "}":
                guard braceDepth > 0 else {
                    out += "\\}"
                    break
                }
                braceDepth -= 1
                out += ")"
            case ",":
                out += braceDepth > 0 ? "|" : ","
            default:
                out += NSRegularExpression.escapedPattern(for: String(c))
            }
            i += 1
        }
        if braceDepth > 0 { throw BuiltinError.failure("unexpected end of input") }
        return out + "$"
    }
}
