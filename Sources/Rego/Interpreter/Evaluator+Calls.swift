/// Builtin and user-function calls, and `with` modifiers.
extension Evaluator {
    func evalCall(_ c: CallSite, _ f: Frame, _ k: (RegoValue) throws -> Void) throws {
        var target = c.target
        if !functionOverrides.isEmpty, let o = functionOverrides[c.overrideKey] {
            switch o {
            case .value(let v):
                let inputs = c.hasOutput ? Array(c.args.dropLast()) : c.args
                return try evalList(inputs, 0, [], f) { _ in
                    if c.hasOutput { try unifyValue(c.args[c.args.count - 1], v, f) { try k(.bool(true)) } } else { try k(v) }
                }
            case .target(let t):
                target = t
                // Inside the replacement, originals are visible again (mocks do not call other mocks).
                let saved = functionOverrides
                functionOverrides = [:]
                defer { functionOverrides = saved }
                return try evalTarget(target, c, f, k)
            }
        }
        try evalTarget(target, c, f, k)
    }

    func evalTarget(_ target: CallSite.Target, _ c: CallSite, _ f: Frame, _ k: (RegoValue) throws -> Void) throws {
        switch target {
        case .builtin(let b) where b.name == "walk" && c.hasOutput:
            // `walk(x, [path, value])` is a relation: one solution per node.
            try evalTerm(c.args[0], f) { root in
                try walkNodes(root, []) { path, value in
                    try unifyValue(c.args[1], .array([.array(path), value]), f) { try k(.bool(true)) }
                }
            }
        case .builtin(let b):
            let hasOutput = c.hasOutput
            let inputs = hasOutput ? Array(c.args.dropLast()) : c.args
            try evalList(inputs, 0, [], f) { args in
                guard let r = try callBuiltin(b, args, c.location) else { return }
                if hasOutput {
                    try unifyValue(c.args[c.args.count - 1], r, f) { try k(.bool(true)) }
                } else {
                    try k(r)
                }
            }
        case .function(let path):
            guard let g = policies.functionGroups[path] else { return }
            let hasOutput = c.hasOutput
            let inputs = hasOutput ? Array(c.args.dropLast()) : c.args
            try evalList(inputs, 0, [], f) { args in
                guard let r = try callFunction(g, args, c.location) else { return }
                if hasOutput {
                    try unifyValue(c.args[c.args.count - 1], r, f) { try k(.bool(true)) }
                } else {
                    try k(r)
                }
            }
        }
    }

    func walkNodes(_ v: RegoValue, _ path: [RegoValue], _ visit: ([RegoValue], RegoValue) throws -> Void) throws {
        try step(SourceLocation(file: "walk", row: 0, column: 0))
        try visit(path, v)
        switch v {
        case .array, .object, .set:
            try iterate(v) { key, child in try walkNodes(child, path + [key], visit) }
        default: break
        }
    }

    func callBuiltin(_ b: Builtin, _ args: [RegoValue], _ loc: SourceLocation) throws -> RegoValue? {
        do {
            return try b.implementation(context, args)
        } catch let e as BuiltinError {
            if context.strict {
                throw RegoError(code: e.isTypeError ? .evalType : .builtin, message: "\(b.name): \(e.message)", location: loc)
            }
            return nil
        } catch let e as RegoError {
            throw e
        }
    }

    func callFunction(_ g: RuleGroup, _ args: [RegoValue], _ loc: SourceLocation) throws -> RegoValue? {
        try enter(loc)
        defer { depth -= 1 }
        var result: RegoValue? = nil
        for rule in g.rules where rule.args.count == args.count {
            let f = Frame(count: rule.slotCount)
            var found = false
            func record(_ v: RegoValue) throws {
                found = true
                if let r = result, r != v {
                    throw RegoError(code: .conflict, message: "functions must not produce multiple outputs for same inputs", location: rule.location)
                }
                result = v
            }
            try unifyArray(rule.args, args, 0, f) {
                try evalBody(rule.body, 0, f) { try evalTerm(rule.value, f) { try record($0) } }
                if !found {
                    for (ev, eb) in rule.elseBranches {
                        try evalBody(eb, 0, f) { try evalTerm(ev, f) { try record($0) } }
                        if found { break }
                    }
                }
            }
        }
        if result == nil, let d = g.defaultValue {
            let f = Frame(count: d.slotCount)
            try evalTerm(d.value, f) { result = $0 }
        }
        return result
    }

    // MARK: with

    func evalWith(_ e: CExpr, _ f: Frame, _ k: () throws -> Void) throws {
        var newInput = input
        var newData = dataOverrides
        var newFuncs = functionOverrides
        for w in e.with {
            var value: RegoValue? = nil
            if w.replacement == nil || { if case .function = w.target { return false } else { return true } }() {
                try evalTerm(w.value, f) { v in if value == nil { value = v } }
            }
            switch w.target {
            case .input(let path):
                guard let v = value else { return }
                newInput = path.isEmpty ? v : Evaluator.upsert(newInput ?? .emptyObject, path, v)
            case .data(let path):
                guard let v = value else { return }
                newData.append((path, v))
            case .function(let key):
                if let r = w.replacement {
                    newFuncs[key] = .target(r)
                } else if let v = value {
                    newFuncs[key] = .value(v)
                } else {
                    return
                }
            }
        }
        let saved = (input, dataOverrides, functionOverrides, cache)
        input = newInput
        dataOverrides = newData
        functionOverrides = newFuncs
        cache = [CacheSlot](repeating: .empty, count: cache.count)
        var solutions: [[RegoValue?]] = []
        do {
            try evalPlain(e, f) { solutions.append(f.slots) }
        } catch {
            (input, dataOverrides, functionOverrides, cache) = saved
            throw error
        }
        (input, dataOverrides, functionOverrides, cache) = saved
        for s in solutions {
            let before = f.slots
            f.slots = s
            defer { f.slots = before }
            try k()
        }
    }
}
