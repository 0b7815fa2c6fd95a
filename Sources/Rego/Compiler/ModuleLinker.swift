/// Groups rules by path, resolves and orders their bodies, checks recursion and builds the document tree.
struct ModuleLinker {
    let modules: [ModuleAST]
    let builtins: [String: Builtin]

    struct Pending {
        var kind: RuleGroup.Kind
        var decls: [(RuleDecl, ModuleAST, keys: [Term])] = []
        var defaults: [(RuleDecl, ModuleAST)] = []
    }

    func link() throws -> RegoPolicySet {
        var pending: [[String]: Pending] = [:]
        var order: [[String]] = []
        var packageRules: [[String]: Set<String>] = [:]
        for m in modules {
            for r in m.rules {
                guard case .variable(let name) = r.head[0] else { continue }
                packageRules[m.package, default: []].insert(name)
                var path = m.package + [name]
                var keys: [Term] = []
                var groundDone = false
                for t in r.head.dropFirst() {
                    if !groundDone, case .value(.string(let s)) = t, r.kind != .multiObject || true {
                        path.append(s)
                    } else {
                        groundDone = true
                        keys.append(t)
                    }
                }
                var kind: RuleGroup.Kind
                switch r.kind {
                case .complete: kind = .complete
                case .function: kind = .function
                case .multiSet:
                    kind = .multiSet
                    if !keys.isEmpty { kind = .multiObject }
                case .multiObject: kind = keys.isEmpty ? .complete : .multiObject
                }
                if kind == .multiObject, r.kind == .multiObject, keys.isEmpty { kind = .complete }
                if r.kind == .multiSet, let k = r.key { keys.append(k) }
                if pending[path] == nil { order.append(path) }
                var entry = pending[path] ?? Pending(kind: kind)
                if entry.kind != kind {
                    throw RegoError(code: .type, message: "conflicting rules data.\(path.joined(separator: ".")) found", location: r.location)
                }
                if r.isDefault {
                    if !entry.defaults.isEmpty {
                        throw RegoError(
                            code: .type, message: "multiple default rules data.\(path.joined(separator: ".")) found", location: r.location)
                    }
                    entry.defaults.append((r, m))
                } else {
                    entry.decls.append((r, m, keys))
                }
                pending[path] = entry
            }
        }
        let functions = Set(pending.filter { $0.value.kind == .function }.map(\.key))
        var arity: [[String]: Int] = [:]
        for (path, p) in pending where p.kind == .function { arity[path] = (p.decls.first?.0 ?? p.defaults.first?.0)?.args.count ?? 0 }
        var groups: [RuleGroup] = []
        for path in order {
            guard let p = pending[path] else { continue }
            var compiled: [CRule] = []
            for (decl, m, keys) in p.decls {
                compiled.append(
                    try compileRule(
                        decl, module: m, keys: keys, kind: p.kind, packageRules: packageRules[m.package] ?? [], functions: functions,
                        arity: arity, setLeaf: decl.kind == .multiSet && p.kind == .multiObject))
            }
            var def: CRule? = nil
            if let (d, m) = p.defaults.first {
                def = try compileRule(
                    d, module: m, keys: [], kind: p.kind, packageRules: packageRules[m.package] ?? [], functions: functions, arity: arity)
            }
            groups.append(RuleGroup(id: groups.count, path: path, kind: p.kind, rules: compiled, defaultValue: def))
        }
        try RecursionCheck(groups: groups).run()
        let root = ModuleLinker.buildTree(groups, packages: modules.map(\.package), prefix: [])
        return RegoPolicySet(root: root, groupCount: groups.count, builtins: builtins, functions: functions, functionArity: arity, groups: groups)
    }

    static func buildTree(_ groups: [RuleGroup], packages: [[String]], prefix: [String]) -> DataNode {
        var here: [RuleGroup] = []
        var byChild: [String: [RuleGroup]] = [:]
        var pkgChild: [String: [[String]]] = [:]
        for g in groups {
            if g.path.count == prefix.count { here.append(g) } else { byChild[g.path[prefix.count], default: []].append(g) }
        }
        for p in packages where p.count > prefix.count && p.starts(with: prefix) { pkgChild[p[prefix.count], default: []].append(p) }
        var children: [String: DataNode] = [:]
        for k in Set(byChild.keys).union(pkgChild.keys) {
            children[k] = buildTree(byChild[k] ?? [], packages: pkgChild[k] ?? [], prefix: prefix + [k])
        }
        return DataNode(children: children, groups: here)
    }

    func compileRule(
        _ r: RuleDecl, module m: ModuleAST, keys: [Term], kind: RuleGroup.Kind, packageRules: Set<String>,
        functions: Set<[String]>, arity: [[String]: Int], setLeaf: Bool = false
    ) throws -> CRule {
        var imports: [String: [String]] = [:]
        for i in m.imports where i.path[0] == "data" || i.path[0] == "input" {
            imports[i.alias ?? i.path.last!] = i.path
        }
        var resolver = Resolver(
            package: m.package, imports: imports, packageRules: packageRules, functions: functions,
            builtins: builtins, file: m.file)
        resolver.functionArity = arity
        let layout = FrameLayout()
        let argScope = Scope(parent: nil, frame: layout)
        var argNames: [String] = []
        for a in r.args { Resolver.collectNames(a, into: &argNames) }
        for n in argNames where n != "_" && argScope.names[n] == nil { argScope.declare(n) }
        let args = try r.args.map { try resolver.resolve($0, scope: argScope) }
        let safety = Safety(layout: layout)
        var argBound = Set<Int>()
        for a in args { argBound.formUnion(safety.pattern(a).outputs) }

        func branch(value: Term?, body: [Expr], loc: SourceLocation) throws -> (CTerm, [CExpr], [CTerm]) {
            var extra = keys
            if let value { extra.append(value) }
            let scope = resolver.openScope(body, extra: extra, parent: argScope, frame: layout)
            let cbody = try resolver.resolveBody(body, scope: scope)
            let ckeys = try keys.map { try resolver.resolve($0, scope: scope) }
            let cvalue = try value.map { try resolver.resolve($0, scope: scope) } ?? .const(.bool(true))
            let (ordered, bound) = try safety.order(cbody, bound: argBound)
            try safety.checkHead(ckeys + [cvalue], bound, loc)
            let okeys = try ckeys.map { try safety.orderNested($0, bound) }
            let ovalue = try safety.orderNested(cvalue, bound)
            return (ovalue, ordered, okeys)
        }
        let (value, body, ckeys) = try branch(value: r.value, body: r.body, loc: r.location)
        var elses: [(value: CTerm, body: [CExpr])] = []
        for e in r.elseBranch {
            let (v, b, _) = try branch(value: e.value, body: e.body, loc: e.location)
            elses.append((v, b))
        }
        return CRule(
            args: args, keys: ckeys, value: value, body: body, elseBranches: elses, slotCount: layout.names.count, location: r.location,
            setLeaf: setLeaf)
    }
}
