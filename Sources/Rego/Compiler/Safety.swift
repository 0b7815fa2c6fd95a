/// Safety analysis: orders body expressions so every variable is bound before it is read,
/// and reports `rego_unsafe_var_error` when no order exists.
struct Safety {
    let layout: FrameLayout

    struct Usage {
        var needs: Set<Int> = []
        var outputs: Set<Int> = []
        mutating func merge(_ o: Usage) {
            needs.formUnion(o.needs)
            outputs.formUnion(o.outputs)
        }
    }

    /// Variables a term reads (`needs`) and binds by iteration (`outputs`, ref index variables).
    func read(_ t: CTerm) -> Usage {
        var u = Usage()
        switch t {
        case .const, .input: break
        case .local(let s): u.needs.insert(s)
        case .data(let ref): for p in ref.path { u.merge(index(p)) }
        case .ref(let h, let path):
            u.merge(read(h))
            for p in path { u.merge(index(p)) }
        case .array(let xs), .set(let xs): for x in xs { u.merge(read(x)) }
        case .object(let kvs):
            for (k, v) in kvs {
                u.merge(read(k))
                u.merge(read(v))
            }
        case .call(let c):
            for (i, a) in c.args.enumerated() {
                if c.hasOutput && i == c.args.count - 1 { u.merge(pattern(a)) } else { u.merge(read(a)) }
            }
        case .arrayCompr(let h, let b, let locals), .setCompr(let h, let b, let locals):
            u.needs = free([h], b, locals)
        case .objectCompr(let k, let v, let b, let locals):
            u.needs = free([k, v], b, locals)
        }
        return u
    }

    func index(_ t: CTerm) -> Usage {
        if case .local(let s) = t { return Usage(needs: [], outputs: [s]) }
        if case .array = t { return pattern(t) }
        if case .object = t { return pattern(t) }
        return read(t)
    }

    /// Variables of a unification pattern: plain variables are outputs.
    func pattern(_ t: CTerm) -> Usage {
        switch t {
        case .local(let s): return Usage(needs: [], outputs: [s])
        case .array(let xs):
            var u = Usage()
            for x in xs { u.merge(pattern(x)) }
            return u
        case .object(let kvs):
            var u = Usage()
            for (k, v) in kvs {
                u.merge(read(k))
                u.merge(pattern(v))
            }
            return u
        default: return read(t)
        }
    }

    /// Outer variables referenced by a nested body.
    func free(_ heads: [CTerm], _ body: [CExpr], _ locals: [Int]) -> Set<Int> {
        var all = Set<Int>()
        for h in heads { allVars(h, &all) }
        for e in body { allVars(e, &all) }
        return all.subtracting(locals)
    }

    func allVars(_ e: CExpr, _ acc: inout Set<Int>) {
        switch e.kind {
        case .term(let t): allVars(t, &acc)
        case .unify(let a, let b):
            allVars(a, &acc)
            allVars(b, &acc)
        case .not(let inner): allVars(inner, &acc)
        case .noop: break
        case .someIn(let k, let v, let c):
            if let k { allVars(k, &acc) }
            allVars(v, &acc)
            allVars(c, &acc)
        case .every(let k, let v, let d, let b, let l):
            allVars(d, &acc)
            acc.formUnion(free([v] + (k.map { [$0] } ?? []), b, l))
        }
        for w in e.with { allVars(w.value, &acc) }
    }

    func allVars(_ t: CTerm, _ acc: inout Set<Int>) {
        switch t {
        case .const, .input: break
        case .local(let s): acc.insert(s)
        case .data(let ref): for x in ref.path { allVars(x, &acc) }
        case .ref(let h, let p):
            allVars(h, &acc)
            for x in p { allVars(x, &acc) }
        case .array(let xs), .set(let xs): for x in xs { allVars(x, &acc) }
        case .object(let kvs):
            for (k, v) in kvs {
                allVars(k, &acc)
                allVars(v, &acc)
            }
        case .call(let c): for a in c.args { allVars(a, &acc) }
        case .arrayCompr(let h, let b, let l), .setCompr(let h, let b, let l):
            acc.formUnion(free([h], b, l))
        case .objectCompr(let k, let v, let b, let l):
            acc.formUnion(free([k, v], b, l))
        }
    }

    /// Whether both sides of a unification can be matched given `bound`.
    func unifiable(_ a: CTerm, _ b: CTerm, _ bound: Set<Int>) -> Bool {
        let pa = pattern(a), pb = pattern(b)
        if pa.needs.isSubset(of: bound) && pa.outputs.subtracting(bound).isEmpty && pb.needs.isSubset(of: bound) { return true }
        if pb.needs.isSubset(of: bound) && pb.outputs.subtracting(bound).isEmpty && pa.needs.isSubset(of: bound) { return true }
        if case .array(let xs) = a, case .array(let ys) = b, xs.count == ys.count {
            return zip(xs, ys).allSatisfy { unifiable($0, $1, bound) }
        }
        if case .array(let xs) = a, case .const(.array(let ys)) = b, xs.count == ys.count {
            return zip(xs, ys).allSatisfy { unifiable($0, .const($1), bound) }
        }
        if case .array = b, case .const(.array) = a { return unifiable(b, a, bound) }
        if case .object(let xs) = a, case .object(let ys) = b, xs.count == ys.count {
            var ok = true
            for (k, v) in xs {
                guard case .const(let kc) = k,
                    let other = ys.first(where: {
                        if case .const(let c) = $0.0 { return c == kc }
                        return false
                    })
                else {
                    ok = false
                    break
                }
                if !unifiable(v, other.1, bound) {
                    ok = false
                    break
                }
            }
            if ok { return true }
        }
        // A call or ref on one side evaluates to values once its inputs are bound.
        func evaluable(_ t: CTerm) -> Bool {
            switch t {
            case .call, .ref, .data, .input, .const, .arrayCompr, .setCompr, .objectCompr: return read(t).needs.isSubset(of: bound)
            default: return false
            }
        }
        if evaluable(a), pb.needs.isSubset(of: bound) { return true }
        if evaluable(b), pa.needs.isSubset(of: bound) { return true }
        return false
    }

    /// Returns (needs, outputs) for an expression, or nil needs when it can never be ready.
    func usage(_ e: CExpr, _ bound: Set<Int>) -> (ready: Bool, needs: Set<Int>, outputs: Set<Int>) {
        var needs = Set<Int>()
        for w in e.with { needs.formUnion(read(w.value).needs) }
        switch e.kind {
        case .noop: return (needs.isSubset(of: bound), needs, [])
        case .term(let t):
            let u = read(t)
            needs.formUnion(u.needs)
            return (needs.isSubset(of: bound), needs, u.outputs)
        case .unify(let a, let b):
            let pa = pattern(a), pb = pattern(b)
            needs.formUnion(pa.needs)
            needs.formUnion(pb.needs)
            let ok = needs.isSubset(of: bound) && unifiable(a, b, bound)
            var missing = needs
            if needs.isSubset(of: bound) && !ok { missing.formUnion(pa.outputs.union(pb.outputs)) }
            return (ok, missing, pa.outputs.union(pb.outputs))
        case .not(let inner):
            let iu = usage(inner, bound)
            needs.formUnion(iu.needs.union(iu.outputs).filter { !layout.wildcards.contains($0) })
            return (needs.isSubset(of: bound), needs, [])
        case .someIn(let k, let v, let c):
            let uc = read(c)
            needs.formUnion(uc.needs)
            var outs = uc.outputs
            let pv = pattern(v)
            needs.formUnion(pv.needs)
            outs.formUnion(pv.outputs)
            if let k {
                let pk = pattern(k)
                needs.formUnion(pk.needs)
                outs.formUnion(pk.outputs)
            }
            return (needs.isSubset(of: bound), needs, outs)
        case .every(let k, let v, let d, let b, let locals):
            needs.formUnion(read(d).needs)
            var heads = [v]
            if let k { heads.append(k) }
            needs.formUnion(free(heads, b, locals))
            return (needs.isSubset(of: bound), needs, [])
        }
    }

    /// Orders `body` given initially bound slots; returns the ordered body and the slots bound after it.
    func order(_ body: [CExpr], bound initial: Set<Int>) throws -> ([CExpr], Set<Int>) {
        var remaining = body
        var bound = initial
        var out: [CExpr] = []
        while !remaining.isEmpty {
            var placed = false
            for i in remaining.indices {
                let u = usage(remaining[i], bound)
                if u.ready {
                    let e = try orderNested(remaining[i], bound)
                    out.append(e)
                    bound.formUnion(u.outputs)
                    remaining.remove(at: i)
                    placed = true
                    break
                }
            }
            if !placed {
                let e = remaining[0]
                let u = usage(e, bound)
                let missing = u.needs.subtracting(bound).union(u.outputs.subtracting(bound))
                let names = missing.filter { !layout.wildcards.contains($0) }.map { layout.names[$0] }.sorted()
                let name = names.first ?? missing.map { layout.names[$0] }.sorted().first ?? "_"
                throw RegoError(code: .unsafeVar, message: "var \(name) is unsafe", location: e.location)
            }
        }
        return (out, bound)
    }

    /// Orders bodies nested in an expression (comprehensions, every, not).
    func orderNested(_ e: CExpr, _ bound: Set<Int>) throws -> CExpr {
        let kind: CExpr.Kind
        switch e.kind {
        case .term(let t): kind = .term(try orderNested(t, bound))
        case .unify(let a, let b): kind = .unify(try orderNested(a, bound), try orderNested(b, bound))
        case .not(let inner): kind = .not(try orderNested(inner, bound))
        case .noop: kind = .noop
        case .someIn(let k, let v, let c): kind = .someIn(key: k, value: v, collection: try orderNested(c, bound))
        case .every(let k, let v, let d, let b, let locals):
            var inner = bound
            if let k { inner.formUnion(pattern(k).outputs) }
            inner.formUnion(pattern(v).outputs)
            let (ob, _) = try order(b, bound: inner)
            kind = .every(key: k, value: v, domain: try orderNested(d, bound), body: ob, locals: locals)
        }
        return CExpr(kind: kind, with: e.with, location: e.location)
    }

    func orderNested(_ t: CTerm, _ bound: Set<Int>) throws -> CTerm {
        switch t {
        case .arrayCompr(let h, let b, let l):
            let (ob, after) = try order(b, bound: bound)
            try checkHead([h], after, b.first?.location)
            return .arrayCompr(h, ob, locals: l)
        case .setCompr(let h, let b, let l):
            let (ob, after) = try order(b, bound: bound)
            try checkHead([h], after, b.first?.location)
            return .setCompr(h, ob, locals: l)
        case .objectCompr(let k, let v, let b, let l):
            let (ob, after) = try order(b, bound: bound)
            try checkHead([k, v], after, b.first?.location)
            return .objectCompr(k, v, ob, locals: l)
        case .call(let c):
            let args = try c.args.map { try orderNested($0, bound) }
            return .call(CallSite(target: c.target, args: args, location: c.location, overrideKey: c.overrideKey, hasOutput: c.hasOutput))
        case .array(let xs): return .array(try xs.map { try orderNested($0, bound) })
        case .set(let xs): return .set(try xs.map { try orderNested($0, bound) })
        case .object(let kvs): return .object(try kvs.map { (try orderNested($0.0, bound), try orderNested($0.1, bound)) })
        case .ref(let h, let p): return .ref(try orderNested(h, bound), try p.map { try orderNested($0, bound) })
        case .data(let ref):
            if ref.path.allSatisfy(\.isConst) { return t }
            return .data(DataRefRegistry.make(try ref.path.map { try orderNested($0, bound) }))
        default: return t
        }
    }

    /// Reports unsafe variables in a rule head or comprehension head.
    func checkHead(_ terms: [CTerm], _ bound: Set<Int>, _ loc: SourceLocation?) throws {
        for t in terms {
            let u = read(t)
            let missing = u.needs.subtracting(bound)
            if let s = missing.sorted().first {
                throw RegoError(code: .unsafeVar, message: "var \(layout.names[s]) is unsafe", location: loc)
            }
        }
    }
}
