import Foundation

/// time.* builtins.
extension BuiltinRegistry {
    /// Timestamp argument: a number, or `[ns, tz]` / `[ns, tz, layout]`.
    static func timeArg(_ v: RegoValue, _ i: Int) throws -> (Int, TimeZone?, String?) {
        var nsv = v
        var zone: TimeZone? = nil
        var layout: String? = nil
        if case .array(let xs) = v {
            // OPA reads the first three elements and ignores the rest.
            guard xs.count >= 1 else { throw BuiltinError.type("operand \(i) must be array of size 2 or 3") }
            nsv = xs[0]
            if xs.count > 1 {
                guard case .string(let tz) = xs[1] else { throw BuiltinError.type("operand \(i) timezone must be a string") }
                zone = try TimeBuiltins.zone(tz)
            }
            if xs.count > 2 {
                guard case .string(let l) = xs[2] else { throw BuiltinError.type("operand \(i) layout must be a string") }
                layout = l
            }
        }
        guard case .number(let n) = nsv else { throw BuiltinError.operand(i, "number", nsv) }
        // Like OPA: any integer that fits in int64 nanoseconds (CivilTime handles the whole range), else an error.
        guard n.isInteger, let ns = n.intValue else { throw BuiltinError.failure("timestamp too big") }
        return (ns, zone, layout)
    }

    static func registerTime(_ add: Adder) {
        add("time.now_ns", 0) { ctx, _ in .int(ctx.nowNanoseconds) }
        add("time.parse_rfc3339_ns", 1) { _, a in
            .int(try GoTimeLayout.parse(layout: GoTimeLayout.rfc3339Nano, value: try string(a, 0), rfc3339: true))
        }
        add("time.parse_ns", 2) { _, a in
            .int(try GoTimeLayout.parse(layout: GoTimeLayout.named(try string(a, 0)), value: try string(a, 1), rfc3339: false))
        }
        add("time.parse_duration_ns", 1) { _, a in .int(try TimeBuiltins.parseDuration(try string(a, 0))) }
        add("time.clock", 1) { _, a in
            let (ns, z, _) = try timeArg(a[0], 1)
            let c = CivilTime(ns: ns, zone: z)
            return .array([.int(c.hour), .int(c.minute), .int(c.second)])
        }
        add("time.date", 1) { _, a in
            let (ns, z, _) = try timeArg(a[0], 1)
            let c = CivilTime(ns: ns, zone: z)
            return .array([.int(c.year), .int(c.month), .int(c.day)])
        }
        add("time.weekday", 1) { _, a in
            let (ns, z, _) = try timeArg(a[0], 1)
            return .string(CivilTime.weekdays[CivilTime(ns: ns, zone: z).weekday])
        }
        add("time.add_date", 4) { _, a in
            let (ns, z, _) = try timeArg(a[0], 1)
            let y = try int(a, 1), m = try int(a, 2), d = try int(a, 3)
            // Any delta beyond these bounds leaves the int64 range (±292 years) whatever the start; the bounds also
            // keep the calendar arithmetic of CivilTime.days far from overflow.
            guard y.magnitude < 1_000_000, m.magnitude < 12_000_000, d.magnitude < 400_000_000 else {
                throw BuiltinError.failure("time outside of valid range")
            }
            var c = CivilTime(ns: ns, zone: z)
            let days = CivilTime.days(year: c.year + y, month: c.month + m, day: c.day + d)
            (c.year, c.month, c.day) = CivilTime.civil(days: days)
            guard let r = c.nanoseconds else { throw BuiltinError.failure("time outside of valid range") }
            return .int(r)
        }
        add("time.diff", 2) { _, a in
            let (n1, z1, _) = try timeArg(a[0], 1)
            let (n2, z2, _) = try timeArg(a[1], 2)
            var t1 = CivilTime(ns: n1, zone: z1)
            var t2 = CivilTime(ns: n2, zone: z1)
            if n1 > n2 { swap(&t1, &t2) }
            _ = z2
            var year = t2.year - t1.year, month = t2.month - t1.month, day = t2.day - t1.day
            var hour = t2.hour - t1.hour, minute = t2.minute - t1.minute, second = t2.second - t1.second
            if second < 0 {
                second += 60
                minute -= 1
            }
            if minute < 0 {
                minute += 60
                hour -= 1
            }
            if hour < 0 {
                hour += 24
                day -= 1
            }
            if day < 0 {
                let (_, _, d32) = CivilTime.civil(days: CivilTime.days(year: t1.year, month: t1.month, day: 32))
                day += 32 - d32
                month -= 1
            }
            if month < 0 {
                month += 12
                year -= 1
            }
            return .array([.int(year), .int(month), .int(day), .int(hour), .int(minute), .int(second)])
        }
        add("time.format", 1) { _, a in
            let (ns, z, layout) = try timeArg(a[0], 1)
            return .string(
                GoTimeLayout.format(CivilTime(ns: ns, zone: z), layout: GoTimeLayout.named(layout.flatMap { $0.isEmpty ? nil : $0 } ?? "RFC3339Nano"))
            )
        }
    }
}

/// Time helpers exposed for runners (e.g. `test.sleep`).
public enum TimeBuiltins {
    static func zone(_ name: String) throws -> TimeZone? {
        if name == "" || name == "UTC" { return nil }
        if name == "Local" { return TimeZone.current }
        guard let z = TimeZone(identifier: name) else { throw BuiltinError.failure("unknown time zone \(name)") }
        return z
    }

    /// Parses a Go duration string (`1h2m3.5s`, `10ms`) into nanoseconds, exactly as Go's `time.ParseDuration`:
    /// integer arithmetic on `UInt64` with every overflow reported as `time: invalid duration`.
    public static func parseDuration(_ s: String) throws -> Int {
        let quoted = RegoValue.string(s).jsonText
        let invalid = BuiltinError.failure("time: invalid duration \(quoted)")
        var rest = Substring(s).utf8[...]
        var neg = false
        if let c = rest.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            neg = c == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        if rest.elementsEqual("0".utf8) { return 0 }
        guard !rest.isEmpty else { throw invalid }
        let limit: UInt64 = 1 << 63
        var total: UInt64 = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        while let first = rest.first {
            guard first == UInt8(ascii: ".") || isDigit(first) else { throw invalid }
            // Integer part: leadingInt, an error once the value passes 2^63.
            var v: UInt64 = 0
            var pre = false
            while let c = rest.first, isDigit(c) {
                guard v <= limit / 10 else { throw invalid }
                v = v * 10 + UInt64(c - 48)
                guard v <= limit else { throw invalid }
                rest = rest.dropFirst()
                pre = true
            }
            // Fraction: leadingFraction, which stops gaining precision instead of failing.
            var f: UInt64 = 0
            var scale = 1.0
            var post = false
            if rest.first == UInt8(ascii: ".") {
                rest = rest.dropFirst()
                var overflow = false
                while let c = rest.first, isDigit(c) {
                    rest = rest.dropFirst()
                    post = true
                    if overflow { continue }
                    if f > (limit - 1) / 10 {
                        overflow = true
                        continue
                    }
                    let y = f * 10 + UInt64(c - 48)
                    if y > limit {
                        overflow = true
                        continue
                    }
                    f = y
                    scale *= 10
                }
            }
            guard pre || post else { throw invalid }
            let unitBytes = rest.prefix { !($0 == UInt8(ascii: ".") || isDigit($0)) }
            guard !unitBytes.isEmpty else { throw BuiltinError.failure("time: missing unit in duration \(quoted)") }
            rest = rest.dropFirst(unitBytes.count)
            let unitText = String(decoding: unitBytes, as: UTF8.self)
            guard let unit = durationUnits[unitText] else {
                throw BuiltinError.failure("time: unknown unit \(RegoValue.string(unitText).jsonText) in duration \(quoted)")
            }
            guard v <= limit / unit else { throw invalid }
            v *= unit
            if f > 0 {
                // f * unit / scale <= 3.6e12 (ns per hour), so the conversion to UInt64 is in range.
                v += UInt64(Double(f) * (Double(unit) / scale))
                guard v <= limit else { throw invalid }
            }
            total += v  // both <= 2^63: no UInt64 overflow
            guard total <= limit else { throw invalid }
        }
        if neg { return total == limit ? Int.min : -Int(total) }
        guard total < limit else { throw invalid }
        return Int(total)
    }

    static let durationUnits: [String: UInt64] = [
        "ns": 1, "us": 1_000, "\u{00B5}s": 1_000, "\u{03BC}s": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000,
        "h": 3_600_000_000_000, "d": 86_400_000_000_000, "w": 604_800_000_000_000,  // OPA v1 adds days and weeks to Go's units
    ]
}
