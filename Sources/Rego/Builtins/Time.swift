extension BuiltinRegistry {
    static func registerTime(_ add: Adder) {}
}

/// Time helpers exposed for runners (e.g. `test.sleep`).
public enum TimeBuiltins {
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
        return Int(neg ? -total : total)
    }
}
