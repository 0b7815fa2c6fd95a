import Foundation

/// time.* builtins.
extension BuiltinRegistry {
    /// Timestamp argument: a number, or `[ns, tz]` / `[ns, tz, layout]`.
    static func timeArg(_ v: RegoValue, _ i: Int) throws -> (Int, TimeZone?, String?) {
        var nsv = v
        var zone: TimeZone? = nil
        var layout: String? = nil
        if case .array(let xs) = v {
            guard xs.count >= 1, xs.count <= 3 else { throw BuiltinError.type("operand \(i) must be array of size 2 or 3") }
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
        guard n.isExactInteger || n.isInteger, let ns = n.intValue, abs(n.doubleValue) < 9.2e18 else { throw BuiltinError.failure("timestamp too big") }
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
            guard y.magnitude < 1_000_000, m.magnitude < 12_000_000, d.magnitude < 400_000_000 else { throw BuiltinError.failure("time outside of valid range") }
            var c = CivilTime(ns: ns, zone: z)
            c.year += y
            let days = CivilTime.days(year: c.year, month: c.month + m, day: c.day + d)
            let (yy, mm, dd) = CivilTime.civil(days: days)
            c.year = yy
            c.month = mm
            c.day = dd
            guard yy > 1677 && yy < 2262 || (yy == 1677 || yy == 2262), let r = c.nanoseconds else { throw BuiltinError.failure("time outside of valid range") }
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
            if second < 0 { second += 60; minute -= 1 }
            if minute < 0 { minute += 60; hour -= 1 }
            if hour < 0 { hour += 24; day -= 1 }
            if day < 0 {
                let (_, _, d32) = CivilTime.civil(days: CivilTime.days(year: t1.year, month: t1.month, day: 32))
                day += 32 - d32
                month -= 1
            }
            if month < 0 { month += 12; year -= 1 }
            return .array([.int(year), .int(month), .int(day), .int(hour), .int(minute), .int(second)])
        }
        add("time.format", 1) { _, a in
            let (ns, z, layout) = try timeArg(a[0], 1)
            return .string(GoTimeLayout.format(CivilTime(ns: ns, zone: z), layout: GoTimeLayout.named(layout ?? "RFC3339Nano")))
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

    /// Parses a Go duration string (`1h2m3.5s`, `10ms`) into nanoseconds.
    public static func parseDuration(_ s: String) throws -> Int {
        var rest = Substring(s)
        var neg = false
        if rest.first == "-" { neg = true; rest = rest.dropFirst() } else if rest.first == "+" { rest = rest.dropFirst() }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { throw BuiltinError.failure("time: invalid duration \(RegoValue.string(s).jsonText)") }
        var total = 0.0
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12)]
        while !rest.isEmpty {
            let num = rest.prefix { $0.isNumber || $0 == "." }
            guard !num.isEmpty, let v = Double(num) else { throw BuiltinError.failure("time: invalid duration \(RegoValue.string(s).jsonText)") }
            rest = rest.dropFirst(num.count)
            let unit = rest.prefix { !($0.isNumber || $0 == ".") }
            guard let u = units.first(where: { $0.0 == unit }) else {
                throw BuiltinError.failure(unit.isEmpty ? "time: missing unit in duration \(RegoValue.string(s).jsonText)" : "time: unknown unit \(RegoValue.string(String(unit)).jsonText) in duration \(RegoValue.string(s).jsonText)")
            }
            rest = rest.dropFirst(unit.count)
            total += v * u.1
        }
        guard total < 9.2e18 else { throw BuiltinError.failure("time: invalid duration \(RegoValue.string(s).jsonText)") }
        return Int(neg ? -total : total)
    }
}
