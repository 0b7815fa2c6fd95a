/// An immutable, compiled set of Rego modules. Safe to share between tasks.
public final class RegoPolicySet: Sendable {
    let root: DataNode
    let groupCount: Int
    let builtins: [String: Builtin]
    let functions: Set<[String]>
    let functionGroups: [[String]: RuleGroup]
    let functionArity: [[String]: Int]
    let regexCache = RegexCache()

    init(root: DataNode, groupCount: Int, builtins: [String: Builtin], functions: Set<[String]>, functionArity: [[String]: Int], groups: [RuleGroup])
    {
        self.functionArity = functionArity
        self.root = root
        self.groupCount = groupCount
        self.builtins = builtins
        self.functions = functions
        var fg: [[String]: RuleGroup] = [:]
        for g in groups where g.kind == .function { fg[g.path] = g }
        self.functionGroups = fg
    }

    /// Compiles `query` (e.g. `data.jitsudo.eligibility.allow` or `x := data.p[_]`) against this set.
    ///
    /// - Throws: `RegoError` for syntax errors, unknown functions or unsafe variables in the query.
    public func prepare(query: String) throws -> PreparedQuery {
        let collector = DataRefRegistry.Collector()
        let prepared = try DataRefRegistry.$current.withValue(collector) { try prepareUnlinked(query: query) }
        for r in collector.refs { r.link(root) }
        return prepared
    }

    func prepareUnlinked(query: String) throws -> PreparedQuery {
        var parser = try Parser(file: "query", source: query)
        let exprs = try parser.parseQuery()
        var resolver = Resolver(package: [], imports: [:], packageRules: [], functions: functions, builtins: builtins, file: "query")
        resolver.functionArity = functionArity
        let layout = FrameLayout()
        let scope = resolver.openScope(exprs, extra: [], parent: nil, frame: layout)
        let body = try resolver.resolveBody(exprs, scope: scope)
        let (ordered, _) = try Safety(layout: layout).order(body, bound: [])
        var visible: [(String, Int)] = []
        for (name, slot) in scope.names where !name.hasPrefix("_") { visible.append((name, slot)) }
        visible.sort { $0.0 < $1.0 }
        var single: CTerm? = nil
        if exprs.count == 1, body.count == 1, case .term(let t) = body[0].kind, body[0].with.isEmpty { single = t }
        return PreparedQuery(policies: self, body: ordered, slotCount: layout.names.count, variables: visible, singleTerm: single)
    }
}

/// Limits and inputs of one evaluation.
public struct EvaluationOptions: Sendable {
    /// Value of `time.now_ns()` in nanoseconds since the epoch; `nil` captures the current time once per evaluation.
    public var now: Int?
    /// When true, builtin errors abort evaluation; otherwise the failing call is undefined.
    public var strictBuiltinErrors: Bool
    /// Maximum number of evaluated expressions (default 1,000,000).
    public var stepBudget: Int
    /// Wall-clock limit (default 250 ms).
    public var timeout: Duration
    /// Maximum nesting of rule and function evaluation (default 200).
    public var maxDepth: Int
    /// Builtins available only to this evaluation (must also be passed at compile time to be resolvable).
    public var extraBuiltins: [Builtin]

    /// Creates options with defaults suited to request-time decisions.
    public init(
        now: Int? = nil, strictBuiltinErrors: Bool = false, stepBudget: Int = 1_000_000, timeout: Duration = .milliseconds(250),
        maxDepth: Int = 200, extraBuiltins: [Builtin] = []
    ) {
        self.now = now
        self.strictBuiltinErrors = strictBuiltinErrors
        self.stepBudget = stepBudget
        self.timeout = timeout
        self.maxDepth = maxDepth
        self.extraBuiltins = extraBuiltins
    }
}

/// One solution of a query: user-visible variable names mapped to values.
public typealias ResultRow = [String: RegoValue]

/// A compiled query, reusable concurrently without recompilation.
public struct PreparedQuery: Sendable {
    let policies: RegoPolicySet
    let body: [CExpr]
    let slotCount: Int
    let variables: [(String, Int)]
    let singleTerm: CTerm?

    /// Names of the query's user-visible variables.
    public var variableNames: [String] { variables.map(\.0) }

    /// Evaluates the query and returns every solution.
    ///
    /// - Parameters:
    ///   - input: the `input` document; `nil` means undefined.
    ///   - data: the base `data` document (an object).
    /// - Throws: `RegoError` for conflicts, strict builtin errors and exceeded limits.
    public func evaluate(input: RegoValue?, data: RegoValue = .emptyObject, options: EvaluationOptions = EvaluationOptions()) throws -> [ResultRow] {
        let ev = Evaluator(policies: policies, input: input, data: data, options: options)
        let f = Frame(count: slotCount)
        var rows: [ResultRow] = []
        try ev.evalBody(body, 0, f) {
            var row: ResultRow = [:]
            for (name, slot) in variables { if let v = f.slots[slot] { row[name] = v } }
            rows.append(row)
        }
        return rows
    }

    /// Evaluates a single-term query (e.g. `data.pkg.allow`) and returns its value, or `nil` when undefined.
    /// With several solutions, the first is returned.
    public func evaluateValue(input: RegoValue?, data: RegoValue = .emptyObject, options: EvaluationOptions = EvaluationOptions()) throws
        -> RegoValue?
    {
        let ev = Evaluator(policies: policies, input: input, data: data, options: options)
        let f = Frame(count: slotCount)
        if let t = singleTerm {
            var out: RegoValue? = nil
            do {
                try ev.evalTerm(t, f) { v in
                    out = v
                    throw Halt()
                }
            } catch is Halt {}
            return out
        }
        var found = false
        do {
            try ev.evalBody(body, 0, f) {
                found = true
                throw Halt()
            }
        } catch is Halt {}
        return found ? .bool(true) : nil
    }
}
