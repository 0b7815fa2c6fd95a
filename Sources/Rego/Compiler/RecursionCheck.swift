/// Detects recursive rule definitions (`rego_recursion_error`).
struct RecursionCheck {
    let groups: [RuleGroup]

    func run() throws {
        var edges: [Int: Set<Int>] = [:]
        for g in groups {
            var refs: [[String]] = []
            for r in g.rules + (g.defaultValue.map { [$0] } ?? []) {
                var acc: [[String]] = []
                for e in r.body { collect(e, &acc) }
                for k in r.keys { collect(k, &acc) }
                collect(r.value, &acc)
                for a in r.args { collect(a, &acc) }
                for (v, b) in r.elseBranches {
                    collect(v, &acc)
                    for e in b { collect(e, &acc) }
                }
                refs += acc
            }
            var targets = Set<Int>()
            for p in refs where !p.isEmpty {
                for h in groups where h.path.starts(with: p) || p.starts(with: h.path) { targets.insert(h.id) }
            }
            edges[g.id] = targets
        }
        var state = [Int](repeating: 0, count: groups.count)
        var stack: [Int] = []
        func visit(_ n: Int) throws {
            state[n] = 1
            stack.append(n)
            for m in (edges[n] ?? []).sorted() {
                if state[m] == 1 {
                    let cycle = stack[stack.lastIndex(of: m)!...].map { "data." + groups[$0].path.joined(separator: ".") }
                    let g = groups[m]
                    throw RegoError(
                        code: .recursion,
                        message: "rule data.\(g.path.joined(separator: ".")) is recursive: \((cycle + [cycle[0]]).joined(separator: " -> "))",
                        location: g.rules.first?.location ?? g.defaultValue?.location)
                }
                if state[m] == 0 { try visit(m) }
            }
            stack.removeLast()
            state[n] = 2
        }
        for g in groups where state[g.id] == 0 { try visit(g.id) }
    }

    func collect(_ e: CExpr, _ acc: inout [[String]]) {
        switch e.kind {
        case .term(let t): collect(t, &acc)
        case .unify(let a, let b):
            collect(a, &acc)
            collect(b, &acc)
        case .not(let i): collect(i, &acc)
        case .noop: break
        case .someIn(let k, let v, let c):
            if let k { collect(k, &acc) }
            collect(v, &acc)
            collect(c, &acc)
        case .every(let k, let v, let d, let b, _):
            if let k { collect(k, &acc) }
            collect(v, &acc)
            collect(d, &acc)
            for x in b { collect(x, &acc) }
        }
        for w in e.with {
            collect(w.value, &acc)
            if case .function(let p)? = w.replacement { acc.append(p) }
        }
    }

    func collect(_ t: CTerm, _ acc: inout [[String]]) {
        switch t {
        case .const, .local, .input: break
        case .data(let ref):
            let path = ref.path
            var prefix: [String] = []
            for p in path {
                guard case .const(.string(let s)) = p else { break }
                prefix.append(s)
            }
            acc.append(prefix)
            for p in path { collect(p, &acc) }
        case .ref(let h, let p):
            collect(h, &acc)
            for x in p { collect(x, &acc) }
        case .array(let xs), .set(let xs): for x in xs { collect(x, &acc) }
        case .object(let kvs):
            for (k, v) in kvs {
                collect(k, &acc)
                collect(v, &acc)
            }
        case .call(let c):
            if case .function(let p) = c.target { acc.append(p) }
            for a in c.args { collect(a, &acc) }
        case .arrayCompr(let h, let b, _), .setCompr(let h, let b, _):
            collect(h, &acc)
            for e in b { collect(e, &acc) }
        case .objectCompr(let k, let v, let b, _):
            collect(k, &acc)
            collect(v, &acc)
            for e in b { collect(e, &acc) }
        }
    }
}
