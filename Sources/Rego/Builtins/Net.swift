import Foundation

/// net.cidr_* builtins.
extension BuiltinRegistry {
    /// An IP network: address bits in the low `width` bits of a UInt128.
    struct IPNet: Hashable {
        var addr: UInt128
        var prefix: Int
        var width: Int

        var mask: UInt128 {
            if prefix == 0 { return 0 }
            let all: UInt128 = width == 128 ? ~0 : (UInt128(1) << width) - 1
            return all & ~((UInt128(1) << (width - prefix)) - 1)
        }
        var network: UInt128 { addr & mask }
        var last: UInt128 { network | (~mask & (width == 128 ? ~0 : (UInt128(1) << width) - 1)) }

        func contains(_ o: IPNet) -> Bool {
            o.width == width && o.prefix >= prefix && (o.addr & mask) == network
        }

        var text: String { "\(BuiltinRegistry.formatIP(network, width))/\(prefix)" }
    }

    static func parseIP(_ s: String) -> (UInt128, Int)? {
        if s.contains(":") {
            var parts = s.components(separatedBy: "::")
            guard parts.count <= 2 else { return nil }
            func groups(_ t: String) -> [UInt16]? {
                if t.isEmpty { return [] }
                var out: [UInt16] = []
                let items = t.split(separator: ":", omittingEmptySubsequences: false)
                for (i, g) in items.enumerated() {
                    if i == items.count - 1, g.contains("."), let (v4, _) = parseIP(String(g)) {
                        out.append(UInt16(v4 >> 16))
                        out.append(UInt16(v4 & 0xFFFF))
                        continue
                    }
                    guard g.count >= 1, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                    out.append(v)
                }
                return out
            }
            guard let head = groups(parts[0]) else { return nil }
            var all = head
            if parts.count == 2 {
                guard let tail = groups(parts[1]), head.count + tail.count < 8 else { return nil }
                all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
            }
            parts = []
            guard all.count == 8 else { return nil }
            var v: UInt128 = 0
            for g in all { v = v << 16 | UInt128(g) }
            return (v, 128)
        }
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var v: UInt128 = 0
        for o in octets {
            guard !o.isEmpty, o.count <= 3, o.allSatisfy(\.isNumber), let n = UInt8(o) else { return nil }
            if o.count > 1 && o.hasPrefix("0") { return nil }
            v = v << 8 | UInt128(n)
        }
        return (v, 32)
    }

    static func formatIP(_ v: UInt128, _ width: Int) -> String {
        if width == 32 { return (0..<4).map { String((v >> (24 - $0 * 8)) & 0xFF) }.joined(separator: ".") }
        let groups = (0..<8).map { UInt16((v >> (112 - $0 * 16)) & 0xFFFF) }
        // Longest run of zero groups (length >= 2) becomes "::".
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8, groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 {
                    bestStart = i
                    bestLen = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        if bestStart < 0 { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
        let head = groups[..<bestStart].map { String($0, radix: 16) }.joined(separator: ":")
        let tail = groups[(bestStart + bestLen)...].map { String($0, radix: 16) }.joined(separator: ":")
        return head + "::" + tail
    }

    static func parseCIDR(_ s: String) throws -> IPNet {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        // Go's prefix length is ASCII digits only (Int("+8") would accept a sign).
        guard parts.count == 2, let (a, w) = parseIP(String(parts[0])), parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let p = Int(parts[1]), p >= 0, p <= w, !parts[1].isEmpty
        else {
            throw BuiltinError.failure("invalid CIDR address: \(s)")
        }
        return IPNet(addr: a, prefix: p, width: w)
    }

    /// A CIDR or a bare IP (as a host network).
    static func parseCIDROrIP(_ s: String) throws -> IPNet {
        if s.contains("/") { return try parseCIDR(s) }
        guard let (a, w) = parseIP(s) else { throw BuiltinError.failure("invalid CIDR address: \(s)") }
        return IPNet(addr: a, prefix: w, width: w)
    }

    static func registerNet(_ add: Adder) {
        add("net.cidr_contains", 2) { _, a in
            let net = try parseCIDR(try string(a, 0))
            let other = try parseCIDROrIP(try string(a, 1))
            return .bool(net.contains(other))
        }
        add("net.cidr_intersects", 2) { _, a in
            let x = try parseCIDR(try string(a, 0)), y = try parseCIDR(try string(a, 1))
            return .bool(x.width == y.width && (x.contains(y) || y.contains(x)))
        }
        add("net.cidr_is_valid", 1) { _, a in
            guard case .string(let s) = a[0] else { return .bool(false) }
            return .bool((try? parseCIDR(s)) != nil)
        }
        add("net.cidr_expand", 1) { _, a in
            let n = try parseCIDR(try string(a, 0))
            guard n.width - n.prefix <= 16 else { throw BuiltinError.failure("CIDR too large to expand") }
            var out = Set<RegoValue>()
            var v = n.network
            while true {
                out.insert(.string(formatIP(v, n.width)))
                if v == n.last { break }
                v += 1
            }
            return .set(RegoSet(out))
        }
        add("net.cidr_contains_matches", 2) { _, a in
            func items(_ v: RegoValue, _ op: Int) throws -> [(RegoValue, String)] {
                func cidrOf(_ x: RegoValue) throws -> String {
                    switch x {
                    case .string(let s): return s
                    case .array(let xs):
                        guard let f = xs.first, case .string(let s) = f else {
                            throw BuiltinError.failure("operand \(op): element must be string or non-empty array")
                        }
                        return s
                    default: throw BuiltinError.failure("operand \(op): element must be string or non-empty array")
                    }
                }
                switch v {
                case .string(let s): return [(v, s)]
                case .array(let xs): return try xs.enumerated().map { (.int($0.offset), try cidrOf($0.element)) }
                case .set(let s): return try s.sorted.map { ($0, try cidrOf($0)) }
                case .object(let o): return try o.sortedEntries.map { ($0.key, try cidrOf($0.value)) }
                default: throw BuiltinError.operand(op, "one of {string, array, set, object}", v)
                }
            }
            let cidrs = try items(a[0], 1), targets = try items(a[1], 2)
            var out = Set<RegoValue>()
            for (ck, c) in cidrs {
                let net = try parseCIDR(c)
                for (tk, t) in targets where net.contains(try parseCIDROrIP(t)) { out.insert(.array([ck, tk])) }
            }
            return .set(RegoSet(out))
        }
        add("net.cidr_merge", 1) { _, a in
            guard let xs = elements(a[0]) else { throw BuiltinError.operand(1, "one of {array, set}", a[0]) }
            var nets: [IPNet] = []
            for x in xs {
                guard case .string(let s) = x else { throw BuiltinError.type("operand 1 must be array of strings") }
                if s.contains("/") {
                    nets.append(try parseCIDR(s))
                } else if let (addr, w) = parseIP(s) {
                    if w == 128 { throw BuiltinError.failure("IPv6 invalid: needs prefix length") }
                    let first = addr >> 24
                    let p = first < 128 ? 8 : (first < 192 ? 16 : 24)
                    nets.append(IPNet(addr: addr, prefix: p, width: 32))
                } else {
                    throw BuiltinError.failure("invalid CIDR address: \(s)")
                }
            }
            var out = Set<RegoValue>()
            for width in [32, 128] {
                var list = nets.filter { $0.width == width }.map { IPNet(addr: $0.network, prefix: $0.prefix, width: width) }
                list.sort { $0.addr != $1.addr ? $0.addr < $1.addr : $0.prefix < $1.prefix }
                var changed = true
                while changed {
                    changed = false
                    var merged: [IPNet] = []
                    for n in list {
                        if let last = merged.last, last.contains(n) {
                            changed = changed || false
                            continue
                        }
                        if let last = merged.last, last.prefix == n.prefix, last.prefix > 0 {
                            let parent = IPNet(addr: last.addr, prefix: last.prefix - 1, width: width)
                            if parent.network == last.addr && parent.contains(n) {
                                merged[merged.count - 1] = parent
                                changed = true
                                continue
                            }
                        }
                        merged.append(n)
                    }
                    list = merged.sorted { $0.addr != $1.addr ? $0.addr < $1.addr : $0.prefix < $1.prefix }
                }
                for n in list { out.insert(.string(n.text)) }
            }
            return .set(RegoSet(out))
        }
    }
}
