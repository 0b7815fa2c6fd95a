/// A Rego term as parsed (names not yet resolved).
indirect enum Term: Sendable {
    case value(RegoValue)
    case variable(String)
    /// `head.path[...]`: head is a variable, call or composite; path items are terms.
    case ref(Term, [Term])
    case array([Term])
    case set([Term])
    case object([(Term, Term)])
    /// Call of a function named by a dotted path (builtin or user function), at a location.
    case call([String], [Term], SourceLocation)
    case arrayCompr(Term, [Expr])
    case setCompr(Term, [Expr])
    case objectCompr(Term, Term, [Expr])

    /// For a plain variable or ref with only string-constant path, the dotted name.
    var dottedName: [String]? {
        switch self {
        case .variable(let v): return [v]
        case .ref(let h, let p):
            guard case .variable(let v) = h else { return nil }
            var out = [v]
            for t in p {
                guard case .value(.string(let s)) = t else { return nil }
                out.append(s)
            }
            return out
        default: return nil
        }
    }
}

/// One `with target as value` modifier.
struct WithModifier: Sendable {
    let target: [String]
    let value: Term
    let location: SourceLocation
}

/// A body expression.
struct Expr: Sendable {
    indirect enum Kind: Sendable {
        case term(Term)
        case unify(Term, Term)
        case assign(Term, Term)
        case not(Expr)
        case someDecl([String])
        case someIn(key: Term?, value: Term, collection: Term)
        case every(key: Term?, value: Term, domain: Term, body: [Expr])
    }

    var kind: Kind
    var with: [WithModifier]
    let location: SourceLocation
}

/// A parsed rule or function definition (one body; `else` branches chained).
struct RuleDecl: Sendable {
    enum Kind: Sendable { case complete, multiSet, multiObject, function }

    var kind: Kind
    var isDefault: Bool
    /// Head reference: name followed by path terms (e.g. `p.q[x]`).
    var head: [Term]
    var args: [Term]
    /// Set member for `contains` rules.
    var key: Term?
    /// Produced value (nil means `true`).
    var value: Term?
    var body: [Expr]
    var elseBranch: [ElseBranch]
    let location: SourceLocation
    var usesAssign: Bool
}

/// An `else` branch of a rule.
struct ElseBranch: Sendable {
    var value: Term?
    var body: [Expr]
    let location: SourceLocation
}

/// An `import` statement.
struct ImportDecl: Sendable {
    let path: [String]
    let alias: String?
    let location: SourceLocation
}

/// A parsed module.
struct ModuleAST: Sendable {
    let file: String
    let package: [String]
    let imports: [ImportDecl]
    let rules: [RuleDecl]
    let regoV1: Bool
}
