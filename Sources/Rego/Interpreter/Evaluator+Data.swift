/// Virtual document lookup: base data merged with rule values, `with data` overrides applied.
extension Evaluator {
    func overrideAt(_ prefix: [String]) -> RegoValue? {
        var found: RegoValue? = nil
        for (p, v) in dataOverrides where p == prefix { found = v }
        return found
    }

    func hasOverride(under prefix: [String]) -> Bool {
        dataOverrides.contains { $0.0.count > prefix.count && $0.0.starts(with: prefix) }
    }

    func walkData(
        _ node: DataNode?, _ base: RegoValue?, _ prefix: [String], _ path: [CTerm], _ i: Int, _ f: Frame,
        _ k: (RegoValue) throws -> Void
    ) throws {
        if !dataOverrides.isEmpty {
            if let v = overrideAt(prefix) { return try walk(v, path, i, f, k) }
            if hasOverride(under: prefix) {
                if i < path.count, case .const(.string(let s)) = path[i] {
                    return try walkData(node?.children[s], base?[.string(s)], prefix + [s], path, i + 1, f, k)
                }
                if let v = try materialize(node, base, prefix) { try walk(v, path, i, f, k) }
                return
            }
        }
        guard let node else {
            if let base { try walk(base, path, i, f, coerceKeys: true, k) }
            return
        }
        if let g = node.valueGroup {
            if node.children.isEmpty {
                // Base documents win over rules at the same path (OPA's behaviour).
                if let base { return try walk(base, path, i, f, k) }
                if let v = try groupValue(g) { try walk(v, path, i, f, k) }
                return
            }
            if let v = try materialize(node, base, prefix) { try walk(v, path, i, f, k) }
            return
        }
        if i == path.count {
            if let v = try materialize(node, base, prefix) { try k(v) }
            return
        }
        let p = path[i]
        if case .local(let s) = p, f.slots[s] == nil {
            var keys = Set<RegoValue>(node.children.keys.map { RegoValue.string($0) })
            if case .object(let o)? = base { keys.formUnion(o.storage.keys) }
            for key in keys.sorted() {
                f.slots[s] = key
                defer { f.slots[s] = nil }
                if case .string(let name) = key, let child = node.children[name] {
                    try walkData(child, base?[key], dataOverrides.isEmpty ? prefix : prefix + [name], path, i + 1, f, k)
                } else if let b = base?[key] {
                    try walk(b, path, i + 1, f, coerceKeys: true, k)
                }
            }
            return
        }
        if !canEval(p, f) {
            if let v = try materialize(node, base, prefix) { try walk(v, path, i, f, k) }
            return
        }
        try evalTerm(p, f) { k0 in
            var key = k0
            if case .string = k0 {} else if case .object = base ?? .null, base?[k0] == nil { key = .string(k0.jsonText) }
            if case .string = k0 {} else if base == nil { key = .string(k0.jsonText) }
            if case .string(let name) = key, let child = node.children[name] {
                try walkData(child, base?[key], dataOverrides.isEmpty ? prefix : prefix + [name], path, i + 1, f, k)
            } else if let b = base?[key] {
                try walk(b, path, i + 1, f, coerceKeys: true, k)
            }
        }
    }

    /// The full value of a subtree (rules evaluated, functions skipped), or nil when undefined.
    func materialize(_ node: DataNode?, _ base: RegoValue?, _ prefix: [String]) throws -> RegoValue? {
        if let v = overrideAt(prefix) { return v }
        var result: RegoValue? = base
        if let node {
            if let g = node.valueGroup, let v = try groupValue(g) {
                if result == nil {
                    result = v
                } else if case .object(let bo)? = result, case .object(let vo) = v {
                    result = .object(Evaluator.merge(vo, bo))
                }
            }
            let ruleValue = result
            if !node.children.isEmpty || (node.groups.isEmpty && result == nil) {
                var obj: RegoObject
                if case .object(let o)? = result { obj = o } else if result == nil { obj = RegoObject() } else { return result }
                for (name, child) in node.children {
                    let key = RegoValue.string(name)
                    if child.valueGroup == nil && child.children.isEmpty && !child.groups.isEmpty && !hasOverride(under: prefix + [name])
                        && overrideAt(prefix + [name]) == nil
                    {
                        continue
                    }
                    let fromRules = ruleValue?[key]
                    if let cv = try materialize(child, base?[key], prefix + [name]) {
                        if let existing = fromRules {
                            obj[key] = try Evaluator.mergeRuleValues(existing, cv, node.valueGroup?.rules.first?.location)
                        } else {
                            obj[key] = cv
                        }
                    }
                }
                result = .object(obj)
            }
        }
        for (p, v) in dataOverrides where p.count > prefix.count && p.starts(with: prefix) {
            result = Evaluator.upsert(result ?? .emptyObject, Array(p[prefix.count...]), v)
        }
        return result
    }

    /// Merges values produced by rules at overlapping paths; differing leaves conflict.
    static func mergeRuleValues(_ a: RegoValue, _ b: RegoValue, _ loc: SourceLocation?) throws -> RegoValue {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            var out = x
            for (k, v) in y.storage { out[k] = try out[k].map { try mergeRuleValues($0, v, loc) } ?? v }
            return .object(out)
        case (.set(let x), .set(let y)): return .set(RegoSet(x.storage.union(y.storage)))
        default:
            if a == b { return a }
            throw RegoError(code: .conflict, message: "object keys must be unique", location: loc)
        }
    }

    static func merge(_ a: RegoObject, _ b: RegoObject) -> RegoObject {
        var out = a
        for (k, v) in b.storage {
            if case .object(let x)? = out[k], case .object(let y) = v { out[k] = .object(merge(x, y)) } else { out[k] = v }
        }
        return out
    }

    /// Sets `path` in `value` to `v`, creating objects as needed.
    static func upsert(_ value: RegoValue, _ path: [String], _ v: RegoValue) -> RegoValue {
        guard let first = path.first else { return v }
        var o: RegoObject
        if case .object(let x) = value { o = x } else { o = RegoObject() }
        let key = RegoValue.string(first)
        o[key] = upsert(o[key] ?? .emptyObject, Array(path.dropFirst()), v)
        return .object(o)
    }

    // MARK: Rule groups

    func groupValue(_ g: RuleGroup) throws -> RegoValue? {
        switch cache[g.id] {
        case .value(let v): return v
        case .undefined: return nil
        case .empty: break
        }
        try enter(g.rules.first?.location ?? SourceLocation(file: "", row: 0, column: 0))
        defer { depth -= 1 }
        let v: RegoValue?
        switch g.kind {
        case .complete: v = try evalComplete(g)
        case .multiSet: v = try evalMultiSet(g)
        case .multiObject: v = try evalMultiObject(g)
        case .function: v = nil
        }
        cache[g.id] = v.map { .value($0) } ?? .undefined
        return v
    }

    func evalComplete(_ g: RuleGroup) throws -> RegoValue? {
        var result: RegoValue? = nil
        for rule in g.rules {
            let f = Frame(count: rule.slotCount)
            var found = false
            func record(_ v: RegoValue) throws {
                found = true
                if let r = result, r != v {
                    throw RegoError(code: .conflict, message: "complete rules must not produce multiple outputs", location: rule.location)
                }
                result = v
            }
            try evalBody(rule.body, 0, f) { try evalTerm(rule.value, f) { try record($0) } }
            if !found {
                for (ev, eb) in rule.elseBranches {
                    try evalBody(eb, 0, f) { try evalTerm(ev, f) { try record($0) } }
                    if found { break }
                }
            }
        }
        if result == nil, let d = g.defaultValue {
            let f = Frame(count: d.slotCount)
            try evalTerm(d.value, f) { result = $0 }
        }
        return result
    }

    func evalMultiSet(_ g: RuleGroup) throws -> RegoValue? {
        var out = Set<RegoValue>()
        for rule in g.rules {
            let f = Frame(count: rule.slotCount)
            try evalBody(rule.body, 0, f) { try evalTerm(rule.keys[0], f) { out.insert($0) } }
        }
        return .set(RegoSet(out))
    }

    func evalMultiObject(_ g: RuleGroup) throws -> RegoValue? {
        var out = RegoValue.emptyObject
        for rule in g.rules {
            let f = Frame(count: rule.slotCount)
            try evalBody(rule.body, 0, f) {
                try evalList(rule.keys, 0, [], f) { keys in
                    if rule.setLeaf {
                        out = try Evaluator.insertMember(out, keys.dropLast(), keys[keys.count - 1], rule.location)
                        return
                    }
                    try evalTerm(rule.value, f) { v in
                        out = try Evaluator.insert(out, keys[...], v, rule.location)
                    }
                }
            }
        }
        return out
    }

    static func insertMember(_ into: RegoValue, _ keys: ArraySlice<RegoValue>, _ member: RegoValue, _ loc: SourceLocation) throws -> RegoValue {
        guard let first = keys.first else {
            if case .set(var s) = into {
                s.storage.insert(member)
                return .set(s)
            }
            if case .object(let o) = into, o.count == 0 { return .set(RegoSet([member])) }
            throw RegoError(code: .conflict, message: "object keys must be unique", location: loc)
        }
        guard case .object(var o) = into else { throw RegoError(code: .conflict, message: "object keys must be unique", location: loc) }
        o[first] = try insertMember(o[first] ?? (keys.count > 1 ? .emptyObject : .set(RegoSet())), keys.dropFirst(), member, loc)
        return .object(o)
    }

    static func insert(_ into: RegoValue, _ keys: ArraySlice<RegoValue>, _ v: RegoValue, _ loc: SourceLocation) throws -> RegoValue {
        guard let first = keys.first else { return v }
        guard case .object(var o) = into else {
            throw RegoError(code: .conflict, message: "object keys must be unique", location: loc)
        }
        if keys.count == 1 {
            if let existing = o[first], existing != v {
                throw RegoError(code: .conflict, message: "object keys must be unique", location: loc)
            }
            o[first] = v
        } else {
            o[first] = try insert(o[first] ?? .emptyObject, keys.dropFirst(), v, loc)
        }
        return .object(o)
    }
}
