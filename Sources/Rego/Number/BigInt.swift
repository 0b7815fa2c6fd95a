/// A small arbitrary-precision signed integer (base 10^9 limbs, little endian).
///
/// Only what Rego needs: parsing, printing, comparison, addition, subtraction and multiplication.
struct BigInt: Hashable, Sendable {
    static let base: UInt64 = 1_000_000_000
    /// Magnitude limbs, least significant first, no trailing zero limbs (zero is `[]`).
    var limbs: [UInt32]
    var negative: Bool

    init(limbs: [UInt32], negative: Bool) {
        var l = limbs
        while let last = l.last, last == 0 { l.removeLast() }
        self.limbs = l
        self.negative = l.isEmpty ? false : negative
    }

    init(_ value: Int) {
        var m = value.magnitude
        var l: [UInt32] = []
        while m > 0 {
            l.append(UInt32(m % UInt(Self.base)))
            m /= UInt(Self.base)
        }
        self.init(limbs: l, negative: value < 0)
    }

    /// Parses optional sign followed by decimal digits.
    init?(decimal text: Substring) {
        var s = text
        var neg = false
        if s.first == "-" {
            neg = true
            s = s.dropFirst()
        } else if s.first == "+" {
            s = s.dropFirst()
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = Array(s.utf8)
        var l: [UInt32] = []
        var end = digits.count
        while end > 0 {
            let start = max(0, end - 9)
            var v: UInt32 = 0
            for d in digits[start..<end] { v = v * 10 + UInt32(d - 48) }
            l.append(v)
            end = start
        }
        self.init(limbs: l, negative: neg)
    }

    var isZero: Bool { limbs.isEmpty }

    /// The value as `Int` when it fits.
    var intValue: Int? {
        // Accumulate the magnitude as UInt so that -2^63 (whose magnitude is not an Int) converts too.
        var r: UInt = 0
        for limb in limbs.reversed() {
            let (m, o1) = r.multipliedReportingOverflow(by: UInt(Self.base))
            if o1 { return nil }
            let (a, o2) = m.addingReportingOverflow(UInt(limb))
            if o2 { return nil }
            r = a
        }
        if negative { return r <= Int.min.magnitude ? Int(truncatingIfNeeded: 0 &- r) : nil }
        return Int(exactly: r)
    }

    var doubleValue: Double {
        var r = 0.0
        for limb in limbs.reversed() { r = r * Double(Self.base) + Double(limb) }
        return negative ? -r : r
    }

    var description: String {
        guard let top = limbs.last else { return "0" }
        var s = negative ? "-" : ""
        s += String(top)
        for limb in limbs.dropLast().reversed() {
            let part = String(limb)
            s += String(repeating: "0", count: 9 - part.count) + part
        }
        return s
    }

    static func compareMagnitude(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        var i = a.count - 1
        while i >= 0 {
            if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            i -= 1
        }
        return 0
    }

    static func compare(_ a: BigInt, _ b: BigInt) -> Int {
        if a.negative != b.negative { return a.negative ? -1 : 1 }
        let c = compareMagnitude(a.limbs, b.limbs)
        return a.negative ? -c : c
    }

    static func addMagnitude(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var r: [UInt32] = []
        r.reserveCapacity(max(a.count, b.count) + 1)
        var carry: UInt64 = 0
        for i in 0..<max(a.count, b.count) {
            let s = UInt64(i < a.count ? a[i] : 0) + UInt64(i < b.count ? b[i] : 0) + carry
            r.append(UInt32(s % base))
            carry = s / base
        }
        if carry > 0 { r.append(UInt32(carry)) }
        return r
    }

    /// a - b where |a| >= |b|.
    static func subMagnitude(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var r: [UInt32] = []
        var borrow: Int64 = 0
        for i in 0..<a.count {
            var d = Int64(a[i]) - Int64(i < b.count ? b[i] : 0) - borrow
            if d < 0 {
                d += Int64(base)
                borrow = 1
            } else {
                borrow = 0
            }
            r.append(UInt32(d))
        }
        return r
    }

    static func + (a: BigInt, b: BigInt) -> BigInt {
        if a.negative == b.negative { return BigInt(limbs: addMagnitude(a.limbs, b.limbs), negative: a.negative) }
        let c = compareMagnitude(a.limbs, b.limbs)
        if c == 0 { return BigInt(limbs: [], negative: false) }
        if c > 0 { return BigInt(limbs: subMagnitude(a.limbs, b.limbs), negative: a.negative) }
        return BigInt(limbs: subMagnitude(b.limbs, a.limbs), negative: b.negative)
    }

    static prefix func - (a: BigInt) -> BigInt { BigInt(limbs: a.limbs, negative: !a.negative) }

    static func - (a: BigInt, b: BigInt) -> BigInt { a + (-b) }

    static func * (a: BigInt, b: BigInt) -> BigInt {
        if a.isZero || b.isZero { return BigInt(limbs: [], negative: false) }
        var r = [UInt64](repeating: 0, count: a.limbs.count + b.limbs.count + 1)
        for i in 0..<a.limbs.count {
            var carry: UInt64 = 0
            for j in 0..<b.limbs.count {
                let cur = r[i + j] + UInt64(a.limbs[i]) * UInt64(b.limbs[j]) + carry
                r[i + j] = cur % base
                carry = cur / base
            }
            var k = i + b.limbs.count
            while carry > 0 {
                let cur = r[k] + carry
                r[k] = cur % base
                carry = cur / base
                k += 1
            }
        }
        return BigInt(limbs: r.map { UInt32($0) }, negative: a.negative != b.negative)
    }

    /// Division by a small positive divisor, returning quotient and remainder (`d == 0` yields `(0, 0)`;
    /// callers check for zero first and report it as their own error).
    func divided(bySmall d: UInt32) -> (BigInt, UInt32) {
        guard d > 0 else { return (BigInt(limbs: [], negative: false), 0) }
        var r: UInt64 = 0
        var q = [UInt32](repeating: 0, count: limbs.count)
        var i = limbs.count - 1
        while i >= 0 {
            let cur = r * Self.base + UInt64(limbs[i])
            q[i] = UInt32(cur / UInt64(d))
            r = cur % UInt64(d)
            i -= 1
        }
        return (BigInt(limbs: q, negative: negative), UInt32(r))
    }

    /// Digits in `radix` (2...36), lowercase, with a leading `-` when negative.
    func text(radix: UInt32) -> String {
        guard radix >= 2, radix <= 36 else { return description }
        if isZero { return "0" }
        var digits: [Character] = []
        var rest = BigInt(limbs: limbs, negative: false)
        while !rest.isZero {
            let (q, r) = rest.divided(bySmall: radix)
            digits.append(Character(String(r, radix: Int(radix))))
            rest = q
        }
        return (negative ? "-" : "") + String(digits.reversed())
    }
}
