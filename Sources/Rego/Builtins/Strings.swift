import Foundation

/// String builtins.
extension BuiltinRegistry {
    static func stringList(_ v: RegoValue, _ i: Int, _ what: String = "one of {string, set, array}") throws -> [String] {
        switch v {
        case .string(let s): return [s]
        case .array, .set:
            return try (elements(v) ?? []).map {
                guard case .string(let s) = $0 else {
                    throw BuiltinError.type("operand \(i) must be array of strings but got array containing \($0.typeName)")
                }
                return s
            }
        default: throw BuiltinError.operand(i, what, v)
        }
    }

    static func registerStrings(_ add: Adder) {
        add("concat", 2) { _, a in
            let sep = try string(a, 0)
            guard let xs = elements(a[1]) else { throw BuiltinError.operand(2, "one of {array, set}", a[1]) }
            return .string(
                try xs.map {
                    guard case .string(let s) = $0 else {
                        throw BuiltinError.type("operand 2 must be array of strings but got array containing \($0.typeName)")
                    }
                    return s
                }.joined(separator: sep))
        }
        add("contains", 2) { _, a in
            let s = try string(a, 0), t = try string(a, 1)
            return .bool(t.isEmpty || s.contains(t))
        }
        add("startswith", 2) { _, a in .bool(try string(a, 0).utf8.starts(with: try string(a, 1).utf8)) }
        add("endswith", 2) { _, a in .bool(try string(a, 0).utf8.reversed().starts(with: try string(a, 1).utf8.reversed())) }
        add("lower", 1) { _, a in .string(mapScalars(try string(a, 0), upper: false)) }
        add("upper", 1) { _, a in .string(mapScalars(try string(a, 0), upper: true)) }
        add("split", 2) { _, a in
            let s = try string(a, 0), sep = try string(a, 1)
            if sep.isEmpty { return .array(s.map { .string(String($0)) }) }
            return .array(s.components(separatedBy: sep).map { .string($0) })
        }
        add("replace", 3) { _, a in
            let s = try string(a, 0), old = try string(a, 1), new = try string(a, 2)
            if old.isEmpty {
                // Go inserts `new` before every rune and at the end.
                var out = new
                for u in s.unicodeScalars {
                    out.unicodeScalars.append(u)
                    out += new
                }
                return .string(out)
            }
            return .string(s.replacingOccurrences(of: old, with: new))
        }
        add("strings.replace_n", 2) { _, a in
            let patterns = try object(a, 0)
            var s = try string(a, 1)
            var pairs: [(String, String)] = []
            for (k, v) in patterns.sortedEntries {
                guard case .string(let ks) = k else { throw BuiltinError.type("operand 1 non-string key found in pattern object") }
                guard case .string(let vs) = v else { throw BuiltinError.type("operand 1 non-string value found in pattern object") }
                pairs.append((ks, vs))
            }
            // Go's strings.NewReplacer: at each position, the first matching old string in argument order wins.
            // Matching is on Unicode scalars (Go compares bytes): `starts(with:)` has just seen `o.count` scalars,
            // so advancing by that many stays in bounds.
            let scalars = s.unicodeScalars
            var out = String.UnicodeScalarView()
            var i = scalars.startIndex
            outer: while i < scalars.endIndex {
                for (o, n) in pairs where !o.isEmpty && scalars[i...].starts(with: o.unicodeScalars) {
                    out.append(contentsOf: n.unicodeScalars)
                    i = scalars.index(i, offsetBy: o.unicodeScalars.count)
                    continue outer
                }
                out.append(scalars[i])
                i = scalars.index(after: i)
            }
            s = String(out)
            return .string(s)
        }
        add("strings.reverse", 1) { _, a in
            var out = String.UnicodeScalarView()
            out.append(contentsOf: try string(a, 0).unicodeScalars.reversed())
            return .string(String(out))
        }
        add("strings.count", 2) { _, a in
            let s = try string(a, 0), sub = try string(a, 1)
            if sub.isEmpty { return .int(s.unicodeScalars.count + 1) }
            return .int(s.components(separatedBy: sub).count - 1)
        }
        add("strings.any_prefix_match", 2) { _, a in
            let xs = try stringList(a[0], 1), ps = try stringList(a[1], 2)
            return .bool(xs.contains { x in ps.contains { x.utf8.starts(with: $0.utf8) } })
        }
        add("strings.any_suffix_match", 2) { _, a in
            let xs = try stringList(a[0], 1), ps = try stringList(a[1], 2)
            return .bool(xs.contains { x in ps.contains { x.utf8.reversed().starts(with: $0.utf8.reversed()) } })
        }
        add("trim", 2) { _, a in
            let s = try string(a, 0), cut = Set(try string(a, 1).unicodeScalars)
            return .string(trimScalars(s, cut, left: true, right: true))
        }
        add("trim_left", 2) { _, a in .string(trimScalars(try string(a, 0), Set(try string(a, 1).unicodeScalars), left: true, right: false)) }
        add("trim_right", 2) { _, a in .string(trimScalars(try string(a, 0), Set(try string(a, 1).unicodeScalars), left: false, right: true)) }
        add("trim_prefix", 2) { _, a in
            let s = try string(a, 0), p = try string(a, 1)
            // Byte-wise like Go (String.hasPrefix compares canonically equivalent characters).
            guard s.utf8.starts(with: p.utf8) else { return .string(s) }
            return .string(String(decoding: s.utf8.dropFirst(p.utf8.count), as: UTF8.self))
        }
        add("trim_suffix", 2) { _, a in
            let s = try string(a, 0), p = try string(a, 1)
            guard s.utf8.reversed().starts(with: p.utf8.reversed()) else { return .string(s) }
            return .string(String(decoding: s.utf8.dropLast(p.utf8.count), as: UTF8.self))
        }
        add("trim_space", 1) { _, a in .string(try string(a, 0).trimmingCharacters(in: .whitespacesAndNewlines)) }
        add("indexof", 2) { _, a in
            let s = Array(try string(a, 0).unicodeScalars), t = Array(try string(a, 1).unicodeScalars)
            guard !t.isEmpty else { throw BuiltinError.failure("empty search character") }
            if t.count > s.count { return .int(-1) }
            for i in 0...(s.count - t.count) where Array(s[i..<i + t.count]) == t { return .int(i) }
            return .int(-1)
        }
        add("indexof_n", 2) { _, a in
            let s = Array(try string(a, 0).unicodeScalars), t = Array(try string(a, 1).unicodeScalars)
            guard !t.isEmpty else { throw BuiltinError.failure("empty search character") }
            var out: [RegoValue] = []
            if t.count <= s.count {
                for i in 0...(s.count - t.count) where Array(s[i..<i + t.count]) == t { out.append(.int(i)) }
            }
            return .array(out)
        }
        add("substring", 3) { _, a in
            let s = Array(try string(a, 0).unicodeScalars)
            let start = try int(a, 1), len = try int(a, 2)
            if start < 0 { throw BuiltinError.failure("negative offset") }
            if start >= s.count { return .string("") }
            let end = len < 0 ? s.count : min(s.count, start.addingReportingOverflow(len).overflow ? s.count : start + len)
            var out = String.UnicodeScalarView()
            out.append(contentsOf: s[start..<end])
            return .string(String(out))
        }
        add("format_int", 2) { _, a in
            let n = try number(a, 0)
            let base = try int(a, 1)
            guard [2, 8, 10, 16].contains(base) else { throw BuiltinError.failure("operand 2 must be one of {2, 8, 10, 16}") }
            // OPA truncates toward zero and formats the exact (big) integer in any base.
            let whole = n.isExactInteger ? n : RegoNumber.make(n.doubleValue.rounded(.towardZero))
            if let v = whole.intValue { return .string(String(v, radix: base)) }
            guard let b = whole.bigValue else { throw BuiltinError.failure("number too large") }
            return .string(b.text(radix: UInt32(base)))
        }
        add("sprintf", 2) { _, a in
            let f = try string(a, 0)
            let xs = try array(a, 1)
            return .string(Sprintf.format(f, xs))
        }
    }

    /// Go's per-rune case mapping: no multi-character expansions (`ß` stays `ß`).
    static func mapScalars(_ s: String, upper: Bool) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return upper ? s.uppercased() : s.lowercased() }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let mapped = Array((upper ? u.properties.uppercaseMapping : u.properties.lowercaseMapping).unicodeScalars)
            if mapped.count == 1 { out.append(mapped[0]) } else if !upper, let first = mapped.first { out.append(first) } else { out.append(u) }
        }
        return String(out)
    }

    static func trimScalars(_ s: String, _ cut: Set<Unicode.Scalar>, left: Bool, right: Bool) -> String {
        var scalars = Array(s.unicodeScalars)
        if right { while let l = scalars.last, cut.contains(l) { scalars.removeLast() } }
        var start = 0
        if left { while start < scalars.count, cut.contains(scalars[start]) { start += 1 } }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start...])
        return String(out)
    }
}
