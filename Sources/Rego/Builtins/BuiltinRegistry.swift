/// The table of standard builtins, built once.
enum BuiltinRegistry {
    static let standard: [String: Builtin] = {
        var table: [String: Builtin] = [:]
        func add(_ name: String, _ arity: Int, _ fn: @escaping BuiltinImplementation) {
            table[name] = Builtin(name: name, arity: arity, implementation: fn)
        }
        registerOperators(add)
        registerAggregates(add)
        registerStrings(add)
        registerCollections(add)
        registerTypes(add)
        registerEncoding(add)
        registerRegex(add)
        registerTime(add)
        registerNet(add)
        registerUnits(add)
        registerMisc(add)
        return table
    }()

    typealias Adder = (String, Int, @escaping BuiltinImplementation) -> Void

    // MARK: Argument helpers

    static func string(_ args: [RegoValue], _ i: Int) throws -> String {
        guard case .string(let s) = args[i] else { throw BuiltinError.operand(i + 1, "string", args[i]) }
        return s
    }

    static func number(_ args: [RegoValue], _ i: Int) throws -> RegoNumber {
        guard case .number(let n) = args[i] else { throw BuiltinError.operand(i + 1, "number", args[i]) }
        return n
    }

    static func int(_ args: [RegoValue], _ i: Int) throws -> Int {
        let n = try number(args, i)
        guard let v = n.intValue, n.isInteger else {
            throw BuiltinError.type("operand \(i + 1) must be integer number but got floating-point number")
        }
        return v
    }

    static func object(_ args: [RegoValue], _ i: Int) throws -> RegoObject {
        guard case .object(let o) = args[i] else { throw BuiltinError.operand(i + 1, "object", args[i]) }
        return o
    }

    static func array(_ args: [RegoValue], _ i: Int) throws -> [RegoValue] {
        guard case .array(let a) = args[i] else { throw BuiltinError.operand(i + 1, "array", args[i]) }
        return a
    }

    static func set(_ args: [RegoValue], _ i: Int) throws -> RegoSet {
        guard case .set(let s) = args[i] else { throw BuiltinError.operand(i + 1, "set", args[i]) }
        return s
    }

    /// Elements of an array or set.
    static func elements(_ v: RegoValue) -> [RegoValue]? {
        switch v {
        case .array(let a): return a
        case .set(let s): return s.sorted
        default: return nil
        }
    }

    /// `n`, or an error when float64 arithmetic overflowed to ±infinity (OPA would keep an arbitrary-precision
    /// result; an infinity is no Rego number: it prints as `inf`, which is not JSON).
    static func finite(_ n: RegoNumber) throws -> RegoNumber {
        if case .float(let d) = n, !d.isFinite { throw BuiltinError.failure("number too large") }
        return n
    }

    // MARK: Operators

    static func registerOperators(_ add: Adder) {
        add("equal", 2) { _, a in .bool(a[0] == a[1]) }
        add("neq", 2) { _, a in .bool(a[0] != a[1]) }
        add("lt", 2) { _, a in .bool(a[0] < a[1]) }
        add("lte", 2) { _, a in .bool(a[0] <= a[1]) }
        add("gt", 2) { _, a in .bool(a[0] > a[1]) }
        add("gte", 2) { _, a in .bool(a[0] >= a[1]) }
        add("plus", 2) { _, a in .number(try finite(try number(a, 0) + number(a, 1))) }
        add("mul", 2) { _, a in .number(try finite(try number(a, 0) * number(a, 1))) }
        add("minus", 2) { _, a in
            if case .set(let x) = a[0] {
                return .set(RegoSet(x.storage.subtracting(try set(a, 1).storage)))
            }
            if case .number(let x) = a[0] { return .number(try finite(x - (try number(a, 1)))) }
            if case .set = a[1] { throw BuiltinError.operand(1, "set", a[0]) }
            if case .number = a[1] { throw BuiltinError.operand(1, "number", a[0]) }
            throw BuiltinError.operand(1, "one of {number, set}", a[0])
        }
        add("div", 2) { _, a in
            let x = try number(a, 0), y = try number(a, 1)
            guard let r = RegoNumber.divide(x, y) else { throw BuiltinError.failure("divide by zero") }
            return .number(try finite(r))
        }
        add("rem", 2) { _, a in
            let x = try number(a, 0), y = try number(a, 1)
            guard x.isInteger, y.isInteger else { throw BuiltinError.failure("modulo on floating-point number") }
            guard let r = RegoNumber.remainder(x, y) else { throw BuiltinError.failure("modulo by zero") }
            return .number(r)
        }
        add("and", 2) { _, a in .set(RegoSet(try set(a, 0).storage.intersection(try set(a, 1).storage))) }
        add("or", 2) { _, a in .set(RegoSet(try set(a, 0).storage.union(try set(a, 1).storage))) }
        add("internal.member_2", 2) { _, a in
            switch a[1] {
            case .array(let xs): return .bool(xs.contains(a[0]))
            case .set(let s): return .bool(s.storage.contains(a[0]))
            case .object(let o): return .bool(o.storage.values.contains(a[0]))
            default: return .bool(false)
            }
        }
        add("internal.member_3", 3) { _, a in
            switch a[2] {
            case .array(let xs):
                guard case .number(let n) = a[0], n.isInteger, let i = n.intValue, i >= 0, i < xs.count else { return .bool(false) }
                return .bool(xs[i] == a[1])
            case .object(let o): return .bool(o[a[0]] == a[1])
            case .set(let s): return .bool(a[0] == a[1] && s.storage.contains(a[0]))
            default: return .bool(false)
            }
        }
        add("abs", 1) { _, a in
            let n = try number(a, 0)
            return .number(n < .int(0) ? -n : n)
        }
        add("round", 1) { _, a in
            let n = try number(a, 0)
            if n.isExactInteger { return .number(n) }
            return .number(RegoNumber.make(n.doubleValue.rounded(.toNearestOrAwayFromZero)))
        }
        add("ceil", 1) { _, a in
            let n = try number(a, 0)
            return n.isExactInteger ? .number(n) : .number(RegoNumber.make(n.doubleValue.rounded(.up)))
        }
        add("floor", 1) { _, a in
            let n = try number(a, 0)
            return n.isExactInteger ? .number(n) : .number(RegoNumber.make(n.doubleValue.rounded(.down)))
        }
        add("numbers.range", 2) { _, a in
            let x = try int(a, 0), y = try int(a, 1)
            return .array(try steppedRange(from: x, to: y, step: 1))
        }
        add("numbers.range_step", 3) { _, a in
            let x = try int(a, 0), y = try int(a, 1)
            let sn = try number(a, 2)
            guard sn.isInteger else { throw BuiltinError.type("operand 3 must be integer number but got floating-point number") }
            guard sn > .int(0) else { throw BuiltinError.failure("step must be a positive integer") }
            // A step beyond Int.max passes any int64 bound after the first element.
            return .array(try steppedRange(from: x, to: y, step: sn.intValue ?? Int.max))
        }
    }

    /// `from, from ± step, …` up to and including `to`, counting down when `to < from`; at most a million elements.
    ///
    /// Hand-written rather than `stride(from:through:by:)`, whose iterator computes `last + step` after the last
    /// element and traps when that passes `Int.max` or `Int.min`; here the next value is checked before use.
    static func steppedRange(from x: Int, to y: Int, step: Int) throws -> [RegoValue] {
        // The distance between two Ints always fits in UInt (wrapping subtraction, read unsigned).
        let span = x <= y ? UInt(bitPattern: y &- x) : UInt(bitPattern: x &- y)
        guard span / UInt(step) < 1_000_000 else { throw BuiltinError.failure("range too large") }
        var out: [RegoValue] = []
        var v = x
        while x <= y ? v <= y : v >= y {
            out.append(.int(v))
            let (next, overflow) = x <= y ? v.addingReportingOverflow(step) : v.subtractingReportingOverflow(step)
            if overflow { break }
            v = next
        }
        return out
    }
}
