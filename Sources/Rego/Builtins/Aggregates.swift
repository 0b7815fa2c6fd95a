/// count, sum, product, max, min, sort.
extension BuiltinRegistry {
    static func registerAggregates(_ add: Adder) {
        add("count", 1) { _, a in
            switch a[0] {
            case .array(let x): return .int(x.count)
            case .set(let s): return .int(s.count)
            case .object(let o): return .int(o.count)
            case .string(let s): return .int(s.unicodeScalars.count)
            default: throw BuiltinError.operand(1, "one of {array, object, set, string}", a[0])
            }
        }
        @Sendable func numbers(_ a: [RegoValue]) throws -> [RegoNumber] {
            guard let xs = elements(a[0]) else { throw BuiltinError.operand(1, "one of {array, set}", a[0]) }
            return try xs.map {
                guard case .number(let n) = $0 else {
                    throw BuiltinError.type("operand 1 must be array of numbers but got array containing \($0.typeName)")
                }
                return n
            }
        }
        add("sum", 1) { _, a in .number(try finite(try numbers(a).reduce(RegoNumber.int(0), +))) }
        add("product", 1) { _, a in .number(try finite(try numbers(a).reduce(RegoNumber.int(1), *))) }
        add("max", 1) { _, a in
            guard let xs = elements(a[0]) else { throw BuiltinError.operand(1, "one of {array, set}", a[0]) }
            return xs.max()
        }
        add("min", 1) { _, a in
            guard let xs = elements(a[0]) else { throw BuiltinError.operand(1, "one of {array, set}", a[0]) }
            return xs.min()
        }
        add("sort", 1) { _, a in
            guard let xs = elements(a[0]) else { throw BuiltinError.operand(1, "one of {array, set}", a[0]) }
            return .array(xs.sorted())
        }
    }

    static func registerTypes(_ add: Adder) {
        add("is_number", 1) { _, a in
            if case .number = a[0] { return .bool(true) }
            return .bool(false)
        }
        add("is_string", 1) { _, a in
            if case .string = a[0] { return .bool(true) }
            return .bool(false)
        }
        add("is_boolean", 1) { _, a in
            if case .bool = a[0] { return .bool(true) }
            return .bool(false)
        }
        add("is_array", 1) { _, a in
            if case .array = a[0] { return .bool(true) }
            return .bool(false)
        }
        add("is_set", 1) { _, a in
            if case .set = a[0] { return .bool(true) }
            return .bool(false)
        }
        add("is_object", 1) { _, a in
            if case .object = a[0] { return .bool(true) }
            return .bool(false)
        }
        add("is_null", 1) { _, a in
            if case .null = a[0] { return .bool(true) }
            return .bool(false)
        }
        add("type_name", 1) { _, a in .string(a[0].typeName) }
        add("to_number", 1) { _, a in
            switch a[0] {
            case .null: return .int(0)
            case .bool(let b): return .int(b ? 1 : 0)
            case .number: return a[0]
            case .string(let s):
                let lower = s.lowercased()
                if ["inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"].contains(lower) {
                    throw BuiltinError.type("operand 1 must be valid number string but got \(s)")
                }
                // Go's ParseFloat takes no hexadecimal here (Swift's Double("0x10") would be 16).
                guard s.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true,
                    !s.contains(where: { $0 == "x" || $0 == "X" }),
                    let n = RegoNumber(literal: s.hasPrefix("+") ? String(s.dropFirst()) : s)
                        ?? Double(s).flatMap({ $0.isFinite ? RegoNumber.make($0) : nil })
                else { throw BuiltinError.failure("strconv.ParseFloat: parsing \(RegoValue.string(s).jsonText): invalid syntax") }
                return .number(n)
            default: throw BuiltinError.operand(1, "one of {boolean, null, number, string}", a[0])
            }
        }
    }
}
