import Foundation

/// Backtracking evaluator over the resolved IR. One instance per evaluation (not shared across threads).
final class Evaluator {
    let policies: RegoPolicySet
    var input: RegoValue?
    var data: RegoValue
    let context: BuiltinContext
    var cache: [CacheSlot]
    var dataOverrides: [([String], RegoValue)] = []
    var functionOverrides: [String: FunctionOverride] = [:]
    let extraBuiltins: [String: Builtin]
    var steps = 0
    let stepBudget: Int
    let deadline: UInt64
    var depth = 0
    let maxDepth: Int
    var nesting = 0
    /// Maximum recursion of backtracking expressions (keeps the native stack bounded).
    let maxBodyNesting = 400

    init(policies: RegoPolicySet, input: RegoValue?, data: RegoValue, options: EvaluationOptions) {
        self.policies = policies
        self.input = input
        self.data = data
        let now = options.now ?? Evaluator.clockNanoseconds(Date())
        self.context = BuiltinContext(nowNanoseconds: now, strict: options.strictBuiltinErrors, regexCache: policies.regexCache)
        self.cache = [CacheSlot](repeating: .empty, count: policies.groupCount)
        self.stepBudget = options.stepBudget
        let timeout = options.timeout.components
        // Saturating: a huge configured timeout (Duration.seconds(Int64.max)) means "no deadline", not an overflow trap.
        let (whole, o1) = UInt64(max(0, timeout.seconds)).multipliedReportingOverflow(by: 1_000_000_000)
        let (ns, o2) = whole.addingReportingOverflow(UInt64(max(0, timeout.attoseconds / 1_000_000_000)))
        let (end, o3) = DispatchTime.now().uptimeNanoseconds.addingReportingOverflow(ns)
        self.deadline = o1 || o2 || o3 ? .max : end
        self.maxDepth = options.maxDepth
        var extras: [String: Builtin] = [:]
        for b in options.extraBuiltins { extras[b.name] = b }
        self.extraBuiltins = extras
        context.evaluator = nil
        context.deadline = self.deadline
    }

    /// `date` in nanoseconds since the epoch, clamped to int64 (a clock set past 2262 must not trap `Int(_:)`).
    static func clockNanoseconds(_ date: Date) -> Int {
        let ns = (date.timeIntervalSince1970 * 1_000_000_000).rounded(.towardZero)
        if let exact = Int(exactly: ns) { return exact }
        return ns < 0 ? Int.min : Int.max
    }

    @inline(__always)
    func step(_ loc: SourceLocation) throws {
        steps &+= 1
        if steps > stepBudget {
            throw RegoError(code: .budgetExceeded, message: "evaluation exceeded the step budget of \(stepBudget)", location: loc)
        }
        if steps & 1023 == 0, DispatchTime.now().uptimeNanoseconds > deadline {
            throw RegoError(code: .timeout, message: "evaluation exceeded its time limit", location: loc)
        }
    }

    func enter(_ loc: SourceLocation) throws {
        depth += 1
        if depth > maxDepth {
            throw RegoError(code: .depthExceeded, message: "evaluation exceeded the depth limit of \(maxDepth)", location: loc)
        }
    }

    // MARK: Bodies and expressions

    /// Evaluates `body` from `start`. Expressions with a single outcome (tests, assignments from
    /// single-valued terms) run in a loop; only expressions that may backtrack recurse, so long bodies
    /// do not grow the stack. Recursion is bounded by `maxBodyNesting`.
    func evalBody(_ body: [CExpr], _ start: Int, _ f: Frame, _ k: () throws -> Void) throws {
        var i = start
        var bound: [Int] = []
        defer { for s in bound { f.slots[s] = nil } }
        scan: while i < body.count {
            let e = body[i]
            guard e.with.isEmpty else { break scan }
            switch e.kind {
            case .term(let t):
                try step(e.location)
                switch try evalSimple(t, f) {
                case .value(let v):
                    if case .bool(false) = v { return }
                    i += 1
                case .undefined: return
                case .notSimple: break scan
                }
            case .unify(let a, let b):
                var target: Int? = nil
                var other = b
                if case .local(let s) = a, f.slots[s] == nil {
                    target = s
                } else if case .local(let s) = b, f.slots[s] == nil {
                    target = s
                    other = a
                }
                if let s = target {
                    try step(e.location)
                    switch try evalSimple(other, f) {
                    case .value(let v):
                        f.slots[s] = v
                        bound.append(s)
                        i += 1
                    case .undefined: return
                    case .notSimple: break scan
                    }
                } else {
                    try step(e.location)
                    let x = try evalSimple(a, f)
                    guard case .value(let va) = x else {
                        if case .undefined = x { return }
                        break scan
                    }
                    let y = try evalSimple(b, f)
                    guard case .value(let vb) = y else {
                        if case .undefined = y { return }
                        break scan
                    }
                    if va != vb { return }
                    i += 1
                }
            case .noop: i += 1
            default: break scan
            }
        }
        if i == body.count { return try k() }
        nesting += 1
        defer { nesting -= 1 }
        if nesting > maxBodyNesting {
            throw RegoError(code: .depthExceeded, message: "evaluation exceeded the nesting limit of \(maxBodyNesting)", location: body[i].location)
        }
        try evalExpr(body[i], f) { try evalBody(body, i + 1, f, k) }
    }

    func evalExpr(_ e: CExpr, _ f: Frame, _ k: () throws -> Void) throws {
        try step(e.location)
        if !e.with.isEmpty { return try evalWith(e, f, k) }
        try evalPlain(e, f, k)
    }

    func evalPlain(_ e: CExpr, _ f: Frame, _ k: () throws -> Void) throws {
        switch e.kind {
        case .term(let t):
            try evalTerm(t, f) { v in
                if case .bool(false) = v { return }
                try k()
            }
        case .unify(let a, let b): try unify(a, b, f, k)
        case .noop: try k()
        case .not(let inner):
            var found = false
            do {
                try evalExpr(inner, f) { throw Halt() }
            } catch is Halt { found = true }
            if !found { try k() }
        case .someIn(let key, let value, let coll):
            try evalTerm(coll, f) { c in
                try iterate(c) { kv, vv in
                    if let key {
                        try unifyValue(key, kv, f) { try unifyValue(value, vv, f, k) }
                    } else {
                        try unifyValue(value, vv, f, k)
                    }
                }
            }
        case .every(let key, let value, let domain, let body, _):
            var all = true
            var defined = false
            try evalTerm(domain, f) { d in
                defined = true
                switch d {
                case .array, .object, .set: break
                default: all = false
                }
                try iterate(d) { kv, vv in
                    guard all else { return }
                    var ok = false
                    do {
                        let run: () throws -> Void = { try self.evalBody(body, 0, f) { throw Halt() } }
                        if let key {
                            try unifyValue(key, kv, f) { try unifyValue(value, vv, f, run) }
                        } else {
                            try unifyValue(value, vv, f, run)
                        }
                    } catch is Halt { ok = true }
                    if !ok { all = false }
                }
            }
            if all && defined { try k() }
        }
    }

    /// Iterates (key, value) pairs of a collection in OPA order.
    func iterate(_ c: RegoValue, _ body: (RegoValue, RegoValue) throws -> Void) throws {
        switch c {
        case .array(let a): for (i, v) in a.enumerated() { try body(.int(i), v) }
        case .object(let o): for (k, v) in o.sortedEntries { try body(k, v) }
        case .set(let s): for v in s.sorted { try body(v, v) }
        default: break
        }
    }

    // MARK: Unification

    func canEval(_ t: CTerm, _ f: Frame) -> Bool {
        switch t {
        case .local(let s): return f.slots[s] != nil
        case .array(let xs), .set(let xs): return xs.allSatisfy { canEval($0, f) }
        case .object(let kvs): return kvs.allSatisfy { canEval($0.0, f) && canEval($0.1, f) }
        case .ref(let h, _): return canEval(h, f)
        default: return true
        }
    }

    func unify(_ a: CTerm, _ b: CTerm, _ f: Frame, _ k: () throws -> Void) throws {
        if case .array(let xs) = a, case .array(let ys) = b {
            guard xs.count == ys.count else { return }
            return try unifyPairs(xs, ys, 0, f, k)
        }
        if case .object(let xs) = a, case .object(let ys) = b, !canEval(a, f), !canEval(b, f) {
            guard xs.count == ys.count else { return }
            var left: [CTerm] = [], right: [CTerm] = []
            for (kx, vx) in xs {
                guard case .const(let kc) = kx,
                    let m = ys.first(where: {
                        if case .const(let c) = $0.0 { return c == kc }
                        return false
                    })
                else { return }
                left.append(vx)
                right.append(m.1)
            }
            return try unifyPairs(left, right, 0, f, k)
        }
        if canEval(b, f) {
            try evalTerm(b, f) { v in try unifyValue(a, v, f, k) }
        } else if canEval(a, f) {
            try evalTerm(a, f) { v in try unifyValue(b, v, f, k) }
        }
    }

    func unifyPairs(_ xs: [CTerm], _ ys: [CTerm], _ i: Int, _ f: Frame, _ k: () throws -> Void) throws {
        if i == xs.count { return try k() }
        try unify(xs[i], ys[i], f) { try unifyPairs(xs, ys, i + 1, f, k) }
    }

    func unifyValue(_ t: CTerm, _ v: RegoValue, _ f: Frame, _ k: () throws -> Void) throws {
        switch t {
        case .const(let c): if c == v { try k() }
        case .local(let s):
            if let cur = f.slots[s] {
                if cur == v { try k() }
            } else {
                f.slots[s] = v
                defer { f.slots[s] = nil }
                try k()
            }
        case .array(let ts):
            guard case .array(let vs) = v, vs.count == ts.count else { return }
            try unifyArray(ts, vs, 0, f, k)
        case .object(let kvs):
            guard case .object(let o) = v, o.count == kvs.count else { return }
            try unifyObject(kvs, o, 0, f, k)
        default:
            try evalTerm(t, f) { x in if x == v { try k() } }
        }
    }

    func unifyArray(_ ts: [CTerm], _ vs: [RegoValue], _ i: Int, _ f: Frame, _ k: () throws -> Void) throws {
        if i == ts.count { return try k() }
        try unifyValue(ts[i], vs[i], f) { try unifyArray(ts, vs, i + 1, f, k) }
    }

    func unifyObject(_ kvs: [(CTerm, CTerm)], _ o: RegoObject, _ i: Int, _ f: Frame, _ k: () throws -> Void) throws {
        if i == kvs.count { return try k() }
        try evalTerm(kvs[i].0, f) { key in
            guard let v = o[key] else { return }
            try unifyValue(kvs[i].1, v, f) { try unifyObject(kvs, o, i + 1, f, k) }
        }
    }

    // MARK: Terms

    func evalTerm(_ t: CTerm, _ f: Frame, _ k: (RegoValue) throws -> Void) throws {
        switch t {
        case .ref, .call, .data, .array, .object:
            switch try evalSimple(t, f) {
            case .value(let v): return try k(v)
            case .undefined: return
            case .notSimple: break
            }
        default: break
        }
        switch t {
        case .const(let v): try k(v)
        case .local(let s): if let v = f.slots[s] { try k(v) }
        case .input: if let i = input { try k(i) }
        case .data(let ref):
            if dataOverrides.isEmpty, let node = ref.node {
                var base: RegoValue? = data
                for s in ref.prefix {
                    guard let b = base else { break }
                    base = b[.string(s)]
                }
                try walkData(node, base, ref.prefix, ref.path, ref.consumed, f, k)
            } else {
                try walkData(policies.root, data, [], ref.path, 0, f, k)
            }
        case .ref(let h, let path):
            try evalTerm(h, f) { base in try walk(base, path, 0, f, k) }
        case .array(let ts):
            try evalList(ts, 0, [], f) { try k(.array($0)) }
        case .set(let ts):
            try evalList(ts, 0, [], f) { try k(.set(RegoSet(Set($0)))) }
        case .object(let kvs):
            let flat = kvs.flatMap { [$0.0, $0.1] }
            try evalList(flat, 0, [], f) { vals in
                var o: [RegoValue: RegoValue] = [:]
                var i = 0
                while i < vals.count {
                    o[vals[i]] = vals[i + 1]
                    i += 2
                }
                try k(.object(RegoObject(o)))
            }
        case .call(let c): try evalCall(c, f, k)
        case .arrayCompr(let h, let body, _):
            var out: [RegoValue] = []
            try evalBody(body, 0, f) { try evalTerm(h, f) { out.append($0) } }
            try k(.array(out))
        case .setCompr(let h, let body, _):
            var out = Set<RegoValue>()
            try evalBody(body, 0, f) { try evalTerm(h, f) { out.insert($0) } }
            try k(.set(RegoSet(out)))
        case .objectCompr(let kt, let vt, let body, _):
            var out: [RegoValue: RegoValue] = [:]
            try evalBody(body, 0, f) {
                try evalTerm(kt, f) { key in
                    try evalTerm(vt, f) { v in
                        if let existing = out[key], existing != v {
                            throw RegoError(code: .conflict, message: "object keys must be unique", location: body.first?.location)
                        }
                        out[key] = v
                    }
                }
            }
            try k(.object(RegoObject(out)))
        }
    }

    func evalList(_ ts: [CTerm], _ i: Int, _ acc: [RegoValue], _ f: Frame, _ k: ([RegoValue]) throws -> Void) throws {
        if i == ts.count { return try k(acc) }
        if case .const(let v) = ts[i] {
            var a = acc
            a.append(v)
            return try evalList(ts, i + 1, a, f, k)
        }
        try evalTerm(ts[i], f) { v in
            var a = acc
            a.append(v)
            try evalList(ts, i + 1, a, f, k)
        }
    }

    /// Applies path terms to a plain value, iterating over unbound variables.
    func walk(_ value: RegoValue, _ path: [CTerm], _ i: Int, _ f: Frame, coerceKeys: Bool = false, _ k: (RegoValue) throws -> Void) throws {
        if i == path.count { return try k(value) }
        let p = path[i]
        if case .const(let key) = p {
            if let child = value[key] {
                try walk(child, path, i + 1, f, coerceKeys: coerceKeys, k)
            } else if coerceKeys, case .object = value, let child = value[.string(key.jsonText)] {
                try walk(child, path, i + 1, f, coerceKeys: coerceKeys, k)
            }
            return
        }
        if case .local(let s) = p, f.slots[s] == nil {
            try iterate(value) { key, child in
                f.slots[s] = key
                defer { f.slots[s] = nil }
                try walk(child, path, i + 1, f, k)
            }
            return
        }
        if !canEval(p, f) {
            try iterate(value) { key, child in
                try unifyValue(p, key, f) { try walk(child, path, i + 1, f, k) }
            }
            return
        }
        try evalTerm(p, f) { key in
            if let child = value[key] {
                try walk(child, path, i + 1, f, coerceKeys: coerceKeys, k)
            } else if coerceKeys, case .object = value, let child = value[.string(key.jsonText)] {
                try walk(child, path, i + 1, f, coerceKeys: coerceKeys, k)
            }
        }
    }
}
