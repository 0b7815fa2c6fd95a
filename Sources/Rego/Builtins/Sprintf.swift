import Foundation

/// Go-style `fmt.Sprintf` for the verbs Rego policies use: %v %s %d %f %e %g %x %X %o %b %q %t %%.
enum Sprintf {
    static func format(_ f: String, _ args: [RegoValue]) -> String {
        var out = ""
        var chars = Array(f)
        var i = 0
        var argi = 0
        chars.append("\0")
        while i < chars.count - 1 {
            let c = chars[i]
            if c != "%" {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            var flags = ""
            while "+-# 0".contains(chars[i]) && chars[i] != "\0" {
                flags.append(chars[i])
                i += 1
            }
            var width = ""
            while chars[i].isNumber {
                width.append(chars[i])
                i += 1
            }
            var prec: String? = nil
            if chars[i] == "." {
                i += 1
                var p = ""
                while chars[i].isNumber {
                    p.append(chars[i])
                    i += 1
                }
                prec = p
            }
            let verb = chars[i]
            i += 1
            if verb == "%" {
                out.append("%")
                continue
            }
            guard argi < args.count else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            let arg = args[argi]
            argi += 1
            var s: String
            // Go sees int64 for integers that fit, *big.Int (which formats itself) for larger ones, float64 otherwise.
            if case .number(.big(let b)) = arg, "sdv".contains(verb) {
                out += b.value.description
                continue
            }
            let isInt: Bool = { if case .number(let n) = arg { return n.isExactInteger } else { return false } }()
            let isFloat: Bool = { if case .number(let n) = arg { return !n.isExactInteger } else { return false } }()
            switch verb {
            case "v": s = display(arg)
            case "s": s = isInt || isFloat ? bad(verb, arg) : display(arg)
            case "d":
                if isInt, case .number(let n) = arg { s = n.description } else { s = bad(verb, arg) }
            case "f", "F", "e", "E", "g", "G":
                if isFloat, case .number(let n) = arg {
                    let p =
                        prec.map { ".\($0.isEmpty ? "0" : String($0.prefix(3)))" }
                        ?? (verb == "f" || verb == "F" || verb == "e" || verb == "E" ? ".6" : "")
                    if verb == "g" || verb == "G", prec == nil {
                        s = RegoNumber.formatDouble(n.doubleValue)
                    } else {
                        s = String(format: "%\(p)\(verb)", n.doubleValue)
                    }
                } else {
                    s = bad(verb, arg)
                }
            case "x", "X":
                if isInt, case .number(let n) = arg, let v = n.intValue {
                    s = String(v, radix: 16, uppercase: verb == "X")
                } else if !isInt && !isFloat {
                    s = display(arg).utf8.map { String(format: verb == "x" ? "%02x" : "%02X", $0) }.joined()
                } else {
                    s = bad(verb, arg)
                }
            case "o":
                if isInt, case .number(let n) = arg, let v = n.intValue { s = String(v, radix: 8) } else { s = bad(verb, arg) }
            case "b":
                if isInt, case .number(let n) = arg, let v = n.intValue { s = String(v, radix: 2) } else { s = bad(verb, arg) }
            case "q": s = isInt || isFloat ? bad(verb, arg) : RegoValue.string(display(arg)).jsonText
            default: s = bad(verb, arg)
            }
            if flags.contains("+"), case .number(let n) = arg, n >= .int(0), "dfeg".contains(verb) { s = "+" + s }
            if let w = Int(width.prefix(7)), s.count < w {
                let pad = String(repeating: flags.contains("0") && !flags.contains("-") ? "0" : " ", count: w - s.count)
                s = flags.contains("-") ? s + pad : pad + s
            }
            out += s
        }
        if argi < args.count {
            out += "%!(EXTRA " + args[argi...].map { "\(goType($0))=\(display($0))" }.joined(separator: ", ") + ")"
        }
        return out
    }

    /// Go's output for a verb that does not fit the operand; OPA passes non-numbers as strings.
    static func bad(_ verb: Character, _ v: RegoValue) -> String {
        if case .number(let n) = v {
            return n.isExactInteger ? "%!\(verb)(int64=\(n.description))" : "%!\(verb)(float64=\(n.description))"
        }
        return "%!\(verb)(string=\(display(v)))"
    }

    static func goType(_ v: RegoValue) -> String {
        switch v {
        case .number(let n): return n.isExactInteger ? "int64" : "float64"
        default: return "string"
        }
    }

    /// Go's `%v` of an OPA value: strings raw, everything else as Rego text.
    static func display(_ v: RegoValue) -> String {
        if case .string(let s) = v { return s }
        return regoText(v)
    }

    /// Rego literal text (sets as `{…}`, `set()` when empty).
    static func regoText(_ v: RegoValue) -> String {
        switch v {
        case .set(let s):
            if s.count == 0 { return "set()" }
            return "{" + s.sorted.map { regoText($0) }.joined(separator: ", ") + "}"
        case .array(let a): return "[" + a.map { regoText($0) }.joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.sortedEntries.map { "\(regoText($0.key)): \(regoText($0.value))" }.joined(separator: ", ") + "}"
        default: return v.jsonText
        }
    }
}
