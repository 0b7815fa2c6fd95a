/// Objects, arrays and sets.
extension BuiltinRegistry {
    static func keysOf(_ v: RegoValue, _ i: Int) throws -> [RegoValue] {
        switch v {
        case .array(let a): return a
        case .set(let s): return Array(s.storage)
        case .object(let o): return Array(o.storage.keys)
        default: throw BuiltinError.operand(i, "one of {object, set, array}", v)
        }
    }

    static func unionObjects(_ a: RegoObject, _ b: RegoObject) -> RegoObject {
        var out = a
        for (k, v) in b.storage {
            if case .object(let x)? = out[k], case .object(let y) = v { out[k] = .object(unionObjects(x, y)) } else { out[k] = v }
        }
        return out
    }

    static func isSubset(_ sup: RegoValue, _ sub: RegoValue) -> Bool {
        switch (sup, sub) {
        case (.object(let a), .object(let b)):
            for (k, v) in b.storage {
                guard let av = a[k] else { return false }
                if av == v { continue }
                switch (av, v) {
                case (.object, .object), (.set, .set), (.array, .array), (.array, .set): if !isSubset(av, v) { return false }
                default: return false
                }
            }
            return true
        case (.set(let a), .set(let b)): return b.storage.isSubset(of: a.storage)
        case (.array(let a), .array(let b)):
            if b.isEmpty { return true }
            if b.count > a.count { return false }
            for start in 0...(a.count - b.count) where Array(a[start..<start + b.count]) == b { return true }
            return false
        case (.array(let a), .set(let b)): return b.storage.isSubset(of: Set(a))
        default: return false
        }
    }

    static func registerCollections(_ add: Adder) {
        add("object.get", 3) { _, a in
            let o = a[0]
            guard case .object = o else { throw BuiltinError.operand(1, "object", a[0]) }
            if case .array(let path) = a[1] {
                var cur = o
                for p in path {
                    guard let next = cur[p],
                        {
                            if case .set = cur { return false }
                            return true
                        }()
                    else { return a[2] }
                    cur = next
                }
                return cur
            }
            return o[a[1]] ?? a[2]
        }
        add("object.keys", 1) { _, a in .set(RegoSet(Set(try object(a, 0).storage.keys))) }
        add("object.remove", 2) { _, a in
            var o = try object(a, 0)
            for k in try keysOf(a[1], 2) { o[k] = nil }
            return .object(o)
        }
        add("object.filter", 2) { _, a in
            let o = try object(a, 0)
            var out = RegoObject()
            for k in try keysOf(a[1], 2) { if let v = o[k] { out[k] = v } }
            return .object(out)
        }
        add("object.union", 2) { _, a in .object(unionObjects(try object(a, 0), try object(a, 1))) }
        add("object.union_n", 1) { _, a in
            let xs = try array(a, 0)
            var out = RegoObject()
            for x in xs {
                guard case .object(let o) = x else {
                    throw BuiltinError.type("operand 1 must be array of objects but got array containing \(x.typeName)")
                }
                out = unionObjects(out, o)
            }
            return .object(out)
        }
        add("object.subset", 2) { _, a in
            switch (a[0], a[1]) {
            case (.object, .object), (.set, .set), (.array, .array), (.array, .set): return .bool(isSubset(a[0], a[1]))
            default:
                if case .object = a[0] { throw BuiltinError.operand(2, "object", a[1]) }
                if case .set = a[0] { throw BuiltinError.operand(2, "set", a[1]) }
                if case .array = a[0] { throw BuiltinError.operand(2, "one of {array, set}", a[1]) }
                throw BuiltinError.operand(1, "one of {object, set, array}", a[0])
            }
        }
        add("walk", 1) { _, _ in throw BuiltinError.failure("walk must be called with an output argument: walk(x, [path, value])") }
        add("array.concat", 2) { _, a in .array(try array(a, 0) + array(a, 1)) }
        add("array.reverse", 1) { _, a in .array(try array(a, 0).reversed()) }
        add("array.slice", 3) { _, a in
            let xs = try array(a, 0)
            var s = try int(a, 1), e = try int(a, 2)
            s = max(0, s)
            e = min(xs.count, e)
            if s >= e { return .array([]) }
            return .array(Array(xs[s..<e]))
        }
        add("array.flatten", 1) { _, a in
            .array(try array(a, 0).flatMap { if case .array(let inner) = $0 { return inner } else { return [$0] } })
        }
        add("union", 1) { _, a in
            let s = try set(a, 0)
            var out = Set<RegoValue>()
            for x in s.storage {
                guard case .set(let inner) = x else { throw BuiltinError.type("operand 1 must be set of sets but got set containing \(x.typeName)") }
                out.formUnion(inner.storage)
            }
            return .set(RegoSet(out))
        }
        add("intersection", 1) { _, a in
            let s = try set(a, 0)
            var out: Set<RegoValue>? = nil
            for x in s.storage {
                guard case .set(let inner) = x else { throw BuiltinError.type("operand 1 must be set of sets but got set containing \(x.typeName)") }
                out = out.map { $0.intersection(inner.storage) } ?? inner.storage
            }
            return .set(RegoSet(out ?? []))
        }
    }
}
