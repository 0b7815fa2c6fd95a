import Foundation

/// A Rego number: exact integers of any size, or binary floating point for fractions.
///
/// Integers that fit in `Int` use the fast `.int` case; larger integers stay exact in `.big`;
/// numbers with a fractional part are `.float`. Equality and ordering are by numeric value,
/// so `1 == 1.0`.
public enum RegoNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// An integer that fits in `Int`.
    case int(Int)
    /// An integer outside the range of `Int` (always normalised: never fits in `Int`).
    case big(BigIntBox)
    /// A non-integral or very large floating-point number.
    case float(Double)

    /// Opaque wrapper keeping the big-integer type internal.
    public struct BigIntBox: Sendable, Hashable {
        let value: BigInt
    }

    static func make(_ b: BigInt) -> RegoNumber {
        if let i = b.intValue { return .int(i) }
        return .big(BigIntBox(value: b))
    }

    static func make(_ d: Double) -> RegoNumber {
        if d.isFinite, d == d.rounded(), abs(d) < 9.0e15 { return .int(Int(d)) }
        return .float(d)
    }

    /// Parses a JSON or Rego number literal exactly.
    public init?(literal text: String) {
        let s = Substring(text)
        if !s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            if let i = Int(s) {
                self = .int(i)
                return
            }
            guard let b = BigInt(decimal: s) else { return nil }
            self = RegoNumber.make(b)
            return
        }
        guard let d = Double(s), d.isFinite else { return nil }
        // Integral values with an exponent (1e3) or trailing zeros (1.0) become exact integers when they can.
        if d == d.rounded(), abs(d) < 1e18 {
            if let b = RegoNumber.exactIntegral(s) {
                self = b
                return
            }
        }
        self = RegoNumber.make(d)
    }

    /// Exact conversion of literals like `1.0`, `1e3`, `12.50e2` that denote integers.
    private static func exactIntegral(_ s: Substring) -> RegoNumber? {
        var mantissa = s
        var exp = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = s[s.startIndex..<e]
            // The caller only gets here for |value| < 1e18, so any exponent outside ±4096 is not worth an exact path
            // (and keeps `exp - frac` below from overflowing on exponents near Int.min).
            guard let x = Int(s[s.index(after: e)...]), x.magnitude <= 4096 else { return nil }
            exp = x
        }
        var digits = ""
        var frac = 0
        var seenDot = false
        for c in mantissa {
            if c == "." {
                seenDot = true
                continue
            }
            digits.append(c)
            if seenDot { frac += 1 }
        }
        exp -= frac
        while exp < 0, digits.hasSuffix("0") {
            digits.removeLast()
            exp += 1
        }
        if exp < 0 { return nil }
        if exp > 30 { return nil }
        digits += String(repeating: "0", count: exp)
        guard let b = BigInt(decimal: Substring(digits)) else { return nil }
        return make(b)
    }

    /// The value as a `Double` (approximate for big integers).
    public var doubleValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .big(let b): return b.value.doubleValue
        case .float(let d): return d
        }
    }

    /// The value as `Int` when it is an integer that fits.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .big: return nil
        case .float(let d): return Int(exactly: d)  // nil for fractions, NaN, infinities and |d| >= 2^63
        }
    }

    /// Whether the number has no fractional part.
    public var isInteger: Bool {
        switch self {
        case .int, .big: return true
        case .float(let d): return d.isFinite && d == d.rounded()
        }
    }

    var bigValue: BigInt? {
        switch self {
        case .int(let i): return BigInt(i)
        case .big(let b): return b.value
        case .float(let d):
            guard d.isFinite, d == d.rounded() else { return nil }
            return BigInt(decimal: Substring(String(format: "%.0f", d)))
        }
    }

    /// Text as OPA prints it in JSON.
    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .big(let b): return b.value.description
        case .float(let d): return RegoNumber.formatDouble(d)
        }
    }

    static func formatDouble(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return String(d) }
        if d == d.rounded(), abs(d) < 1e21 { return String(format: "%.0f", d) }
        var s = "\(d)"
        if s.contains("e") {
            // Swift prints 1e-07; Go prints 1e-07 as well; normalise "e+" like Go.
            if !s.contains("e-") && !s.contains("e+") { s = s.replacingOccurrences(of: "e", with: "e+") }
        }
        return s
    }

    public static func == (a: RegoNumber, b: RegoNumber) -> Bool { compare(a, b) == 0 }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .int(let i): hasher.combine(i)
        case .big(let b): hasher.combine(b.value)
        case .float(let d):
            // Equal numbers hash alike: integral floats hash like the .int or .big they equal.
            if let i = intValue { hasher.combine(i) } else if let b = bigValue { hasher.combine(b) } else { hasher.combine(d) }
        }
    }

    public static func < (a: RegoNumber, b: RegoNumber) -> Bool { compare(a, b) < 0 }

    static func compare(_ a: RegoNumber, _ b: RegoNumber) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.big(let x), .big(let y)): return BigInt.compare(x.value, y.value)
        case (.big(let x), .int(let y)): return BigInt.compare(x.value, BigInt(y))
        case (.int(let x), .big(let y)): return BigInt.compare(BigInt(x), y.value)
        default:
            if let x = a.bigValue, let y = b.bigValue { return BigInt.compare(x, y) }
            let x = a.doubleValue, y = b.doubleValue
            return x < y ? -1 : (x == y ? 0 : 1)
        }
    }

    // MARK: Arithmetic

    static func + (a: RegoNumber, b: RegoNumber) -> RegoNumber {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.addingReportingOverflow(y)
            if !o { return .int(r) }
        }
        if a.isExactInteger, b.isExactInteger, let x = a.bigValue, let y = b.bigValue { return make(x + y) }
        return decimal(a, b, +) ?? make(a.doubleValue + b.doubleValue)
    }

    static func - (a: RegoNumber, b: RegoNumber) -> RegoNumber {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.subtractingReportingOverflow(y)
            if !o { return .int(r) }
        }
        if a.isExactInteger, b.isExactInteger, let x = a.bigValue, let y = b.bigValue { return make(x - y) }
        return decimal(a, b, -) ?? make(a.doubleValue - b.doubleValue)
    }

    static func * (a: RegoNumber, b: RegoNumber) -> RegoNumber {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if !o { return .int(r) }
        }
        if a.isExactInteger, b.isExactInteger, let x = a.bigValue, let y = b.bigValue { return make(x * y) }
        return decimal(a, b, *) ?? make(a.doubleValue * b.doubleValue)
    }

    /// OPA computes with extended precision and rounds the result to float64, so `0.1 + 0.2 == 0.3`.
    /// We compute on the shortest decimal forms and round once.
    static func decimal(_ a: RegoNumber, _ b: RegoNumber, _ op: (Decimal, Decimal) -> Decimal) -> RegoNumber? {
        guard let x = Decimal(string: a.description), let y = Decimal(string: b.description), a.doubleValue.isFinite, b.doubleValue.isFinite,
            abs(a.doubleValue) < 1e30, abs(b.doubleValue) < 1e30, abs(a.doubleValue) > 1e-30 || a.isZero, abs(b.doubleValue) > 1e-30 || b.isZero
        else { return nil }
        let r = op(x, y)
        guard let d = Double(r.description), d.isFinite else { return nil }
        return make(d)
    }

    /// Division; `nil` when dividing by zero.
    static func divide(_ a: RegoNumber, _ b: RegoNumber) -> RegoNumber? {
        if b.doubleValue == 0, b.isExactInteger || b.doubleValue == 0 { if b.isZero { return nil } }
        if case .int(let x) = a, case .int(let y) = b, y != 0, !(x == Int.min && y == -1), x % y == 0 { return .int(x / y) }
        if case .int(let x) = a, case .int(let y) = b, x == Int.min, y == -1 { return make(-BigInt(x)) }
        return make(a.doubleValue / b.doubleValue)
    }

    /// Remainder with the sign of the dividend; `nil` when `b` is zero or an operand is not an integer.
    static func remainder(_ a: RegoNumber, _ b: RegoNumber) -> RegoNumber? {
        if case .int(let x) = a, case .int(let y) = b {
            if y == 0 { return nil }
            if y == -1 { return .int(0) }
            return .int(x % y)
        }
        if let x = a.bigValue, let y = b.bigValue, let yi = y.intValue, yi > 0, yi < Int(UInt32.max), a.isExactInteger {
            let (_, r) = x.divided(bySmall: UInt32(yi))
            return .int(x.negative ? -Int(r) : Int(r))
        }
        let r = a.doubleValue.truncatingRemainder(dividingBy: b.doubleValue)
        return r.isFinite ? make(r) : nil
    }

    var isZero: Bool {
        switch self {
        case .int(let i): return i == 0
        case .big: return false
        case .float(let d): return d == 0
        }
    }

    var isExactInteger: Bool {
        switch self {
        case .int, .big: return true
        case .float: return false
        }
    }

    static prefix func - (a: RegoNumber) -> RegoNumber {
        switch a {
        case .int(let i): return i == Int.min ? make(-BigInt(i)) : .int(-i)
        case .big(let b): return make(-b.value)
        case .float(let d): return .float(-d)
        }
    }
}
