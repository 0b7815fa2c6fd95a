/// Resolves parsed terms to `CTerm`s: locals to slots, rule names to data paths, calls to builtins/functions.
struct Resolver {
    let package: [String]
    let imports: [String: [String]]
    /// Top-level names defined in the package (first segment of each rule head).
    let packageRules: Set<String>
    let functions: Set<[String]>
    /// Argument counts of user functions.
    var functionArity: [[String]: Int] = [:]
    let builtins: [String: Builtin]
    let file: String

    func error(_ code: RegoError.Code, _ message: String, _ loc: SourceLocation) -> RegoError {
        RegoError(code: code, message: message, location: loc)
    }

    /// Whether `name` refers to a global (rule, import, input, data) when not declared locally.
    func isGlobal(_ name: String) -> Bool {
        name == "input" || name == "data" || imports[name] != nil || packageRules.contains(name)
    }

    /// Collects variable names used in exprs outside nested comprehension/every scopes, and names declared by `:=`/some.
    static func collectNames(_ exprs: [Expr], into used: inout [String], declared: inout Set<String>) {
        for e in exprs { collectNames(e, into: &used, declared: &declared) }
    }

    static func collectNames(_ e: Expr, into used: inout [String], declared: inout Set<String>) {
        switch e.kind {
        case .term(let t): collectNames(t, into: &used)
        case .unify(let a, let b):
            collectNames(a, into: &used)
            collectNames(b, into: &used)
        case .assign(let a, let b):
            var lhs: [String] = []
            collectNames(a, into: &lhs)
            for n in lhs { declared.insert(n) }
            used += lhs
            collectNames(b, into: &used)
        case .not(let inner): collectNames(inner, into: &used, declared: &declared)
        case .someDecl(let names):
            for n in names { declared.insert(n) }
            used += names
        case .someIn(let k, let v, let c):
            var lhs: [String] = []
            if let k { collectNames(k, into: &lhs) }
            collectNames(v, into: &lhs)
            for n in lhs { declared.insert(n) }
            used += lhs
            collectNames(c, into: &used)
        case .every(_, _, let d, _): collectNames(d, into: &used)
        }
        for w in e.with where w.value.dottedName == nil { collectNames(w.value, into: &used) }
    }

    static func collectNames(_ t: Term, into used: inout [String]) {
        switch t {
        case .value: break
        case .variable(let v): used.append(v)
        case .ref(let h, let p):
            collectNames(h, into: &used)
            for x in p { collectNames(x, into: &used) }
        case .array(let xs), .set(let xs): for x in xs { collectNames(x, into: &used) }
        case .object(let kvs):
            for (k, v) in kvs {
                collectNames(k, into: &used)
                collectNames(v, into: &used)
            }
        case .call(_, let args, _): for a in args { collectNames(a, into: &used) }
        case .arrayCompr, .setCompr, .objectCompr: break
        }
    }

    /// Prepares a scope for `exprs` (plus extra head terms): declares its local names.
    func openScope(_ exprs: [Expr], extra: [Term], parent: Scope?, frame: FrameLayout) -> Scope {
        let scope = Scope(parent: parent, frame: frame)
        var used: [String] = []
        var declared: Set<String> = []
        Resolver.collectNames(exprs, into: &used, declared: &declared)
        for t in extra { Resolver.collectNames(t, into: &used) }
        for n in used where n != "_" && scope.names[n] == nil {
            if declared.contains(n) {
                scope.declare(n)
                continue
            }
            if parent?.lookup(n) != nil { continue }
            if isGlobal(n) { continue }
            scope.declare(n)
        }
        return scope
    }

    func resolveBody(_ exprs: [Expr], scope: Scope) throws -> [CExpr] {
        var out: [CExpr] = []
        var assigned: Set<String> = []
        for e in exprs { out.append(try resolveExpr(e, scope: scope, assigned: &assigned)) }
        return out
    }

    func resolveExpr(_ e: Expr, scope: Scope, assigned: inout Set<String>) throws -> CExpr {
        var withs: [CWith] = []
        for w in e.with { withs.append(try resolveWith(w, scope: scope)) }
        let kind: CExpr.Kind
        switch e.kind {
        case .term(let t): kind = .term(try resolve(t, scope: scope))
        case .unify(let a, let b): kind = .unify(try resolve(a, scope: scope), try resolve(b, scope: scope))
        case .assign(let a, let b):
            var names: [String] = []
            Resolver.collectNames(a, into: &names)
            for n in names where n != "_" {
                if assigned.contains(n) { throw error(.compile, "var \(n) assigned above", e.location) }
                assigned.insert(n)
            }
            if case .ref = a { throw error(.compile, "cannot assign to ref", e.location) }
            if case .call = a { throw error(.compile, "cannot assign to call", e.location) }
            kind = .unify(try resolve(a, scope: scope), try resolve(b, scope: scope))
        case .not(let inner):
            var a2 = assigned
            kind = .not(try resolveExpr(inner, scope: scope, assigned: &a2))
        case .someDecl: kind = .noop
        case .someIn(let k, let v, let c):
            kind = .someIn(
                key: try k.map { try resolve($0, scope: scope) }, value: try resolve(v, scope: scope),
                collection: try resolve(c, scope: scope))
        case .every(let k, let v, let d, let body):
            let domain = try resolve(d, scope: scope)
            var extra: [Term] = [v]
            if let k { extra.append(k) }
            let child = Scope(parent: scope, frame: scope.frame)
            var names: [String] = []
            for t in extra { Resolver.collectNames(t, into: &names) }
            for n in names where n != "_" { child.declare(n) }
            let bodyScope = openScope(body, extra: [], parent: child, frame: scope.frame)
            let ck = try k.map { try resolve($0, scope: child) }
            let cv = try resolve(v, scope: child)
            let cb = try resolveBody(body, scope: bodyScope)
            kind = .every(key: ck, value: cv, domain: domain, body: cb, locals: child.owned + bodyScope.owned)
        }
        return CExpr(kind: kind, with: withs, location: e.location)
    }

    func resolveWith(_ w: WithModifier, scope: Scope) throws -> CWith {
        var replacement: CallSite.Target? = nil
        if let name = w.value.dottedName, scope.lookup(name[0]) == nil, name[0] != "input" {
            replacement = functionTarget(name)
        }
        let value = replacement == nil ? try resolve(w.value, scope: scope) : .const(.null)
        let t = w.target
        if t[0] == "input" { return CWith(target: .input(Array(t.dropFirst())), value: value, replacement: replacement) }
        if t[0] == "data" {
            if functions.contains(Array(t.dropFirst())) {
                return CWith(target: .function("data." + t.dropFirst().joined(separator: ".")), value: value, replacement: replacement)
            }
            return CWith(target: .data(Array(t.dropFirst())), value: value, replacement: replacement)
        }
        if let target = functionTarget(t) {
            switch target {
            case .builtin(let b): return CWith(target: .function(b.name), value: value, replacement: replacement)
            case .function(let p): return CWith(target: .function("data." + p.joined(separator: ".")), value: value, replacement: replacement)
            }
        }
        if let imp = imports[t[0]] {
            let full = imp + t.dropFirst()
            if full[0] == "input" { return CWith(target: .input(Array(full.dropFirst())), value: value, replacement: replacement) }
            return CWith(target: .data(Array(full.dropFirst())), value: value, replacement: replacement)
        }
        throw error(.compile, "with keyword target must reference existing input, data, or a function", w.location)
    }

    /// Resolves a dotted call name to a user function or builtin.
    func functionTarget(_ name: [String]) -> CallSite.Target? {
        if name[0] == "data" {
            let p = Array(name.dropFirst())
            if functions.contains(p) { return .function(p) }
            return nil
        }
        if let imp = imports[name[0]], imp[0] == "data" {
            let p = Array(imp.dropFirst()) + name.dropFirst()
            if functions.contains(p) { return .function(p) }
        }
        let local = package + name
        if functions.contains(local) { return .function(local) }
        if let b = builtins[name.joined(separator: ".")] { return .builtin(b) }
        return nil
    }

    func resolve(_ t: Term, scope: Scope) throws -> CTerm {
        switch t {
        case .value(let v): return .const(v)
        case .variable(let name): return try resolveName(name, scope: scope)
        case .ref(let head, let path):
            let h = try resolve(head, scope: scope)
            var p: [CTerm] = []
            for x in path { p.append(try resolve(x, scope: scope)) }
            switch h {
            case .data(let hp): return .data(DataRefRegistry.make(hp.path + p))
            case .ref(let inner, let ip): return .ref(inner, ip + p)
            default: return .ref(h, p)
            }
        case .array(let xs): return try foldConst(.array(xs.map { try resolve($0, scope: scope) }))
        case .set(let xs): return try foldConst(.set(xs.map { try resolve($0, scope: scope) }))
        case .object(let kvs):
            return try foldConst(.object(kvs.map { (try resolve($0.0, scope: scope), try resolve($0.1, scope: scope)) }))
        case .call(let name, let args, let loc):
            let cargs = try args.map { try resolve($0, scope: scope) }
            if let local = scope.lookup(name[0]), name.count == 1 {
                _ = local
                throw error(.type, "undefined function \(name[0])", loc)
            }
            guard let target = functionTarget(name) else {
                if name.count == 1, packageRules.contains(name[0]) {
                    throw error(.type, "undefined function data.\((package + name).joined(separator: "."))", loc)
                }
                throw error(.type, "undefined function \(name.joined(separator: "."))", loc)
            }
            let key: String
            var hasOutput = false
            switch target {
            case .builtin(let b):
                key = b.name
                hasOutput = b.arity >= 0 && cargs.count == b.arity + 1
                if cargs.count != b.arity && cargs.count != b.arity + 1 && b.arity >= 0 {
                    throw error(.type, "\(b.name): arity mismatch: expected \(b.arity) argument(s), got \(cargs.count)", loc)
                }
            case .function(let p):
                key = "data." + p.joined(separator: ".")
                if let n = functionArity[p] { hasOutput = cargs.count == n + 1 }
            }
            return .call(CallSite(target: target, args: cargs, location: loc, overrideKey: key, hasOutput: hasOutput))
        case .arrayCompr(let head, let body):
            let s = openScope(body, extra: [head], parent: scope, frame: scope.frame)
            let b = try resolveBody(body, scope: s)
            return .arrayCompr(try resolve(head, scope: s), b, locals: s.owned)
        case .setCompr(let head, let body):
            let s = openScope(body, extra: [head], parent: scope, frame: scope.frame)
            let b = try resolveBody(body, scope: s)
            return .setCompr(try resolve(head, scope: s), b, locals: s.owned)
        case .objectCompr(let k, let v, let body):
            let s = openScope(body, extra: [k, v], parent: scope, frame: scope.frame)
            let b = try resolveBody(body, scope: s)
            return .objectCompr(try resolve(k, scope: s), try resolve(v, scope: s), b, locals: s.owned)
        }
    }

    func resolveName(_ name: String, scope: Scope) throws -> CTerm {
        if name == "_" { return .local(scope.wildcard()) }
        if let s = scope.lookup(name) { return .local(s) }
        if name == "input" { return .input }
        if name == "data" { return .data(DataRefRegistry.make([])) }
        if let imp = imports[name] {
            let rest = imp.dropFirst().map { CTerm.const(.string($0)) }
            return imp[0] == "input" ? (rest.isEmpty ? .input : .ref(.input, Array(rest))) : .data(DataRefRegistry.make(Array(rest)))
        }
        if packageRules.contains(name) { return .data(DataRefRegistry.make((package + [name]).map { .const(.string($0)) })) }
        return .local(scope.declare(name))
    }

    /// Turns composite literals whose members are all constants into constants.
    func foldConst(_ t: CTerm) throws -> CTerm {
        switch t {
        case .array(let xs):
            var vs: [RegoValue] = []
            for x in xs {
                guard case .const(let v) = x else { return t }
                vs.append(v)
            }
            return .const(.array(vs))
        case .set(let xs):
            var vs = Set<RegoValue>()
            for x in xs {
                guard case .const(let v) = x else { return t }
                vs.insert(v)
            }
            return .const(.set(RegoSet(vs)))
        case .object(let kvs):
            var o: [RegoValue: RegoValue] = [:]
            for (k, v) in kvs {
                guard case .const(let kv) = k, case .const(let vv) = v else { return t }
                o[kv] = vv
            }
            return .const(.object(RegoObject(o)))
        default: return t
        }
    }
}
