/// Recursive-descent parser for Rego modules and queries with a nesting limit.
struct Parser {
    let file: String
    let tokens: [Token]
    var pos = 0
    var depth = 0
    let maxDepth: Int
    /// Set when the module imports `rego.v1` (bodies then need `if`).
    var requireIf = false
    /// False while parsing the head of a possible comprehension, where `|` separates the body.
    var pipeAllowed = true

    init(file: String, source: String, maxDepth: Int = 500) throws {
        var lexer = Lexer(file: file, source: source)
        self.tokens = try lexer.tokenize()
        self.file = file
        self.maxDepth = maxDepth
    }

    var tok: Token { tokens[pos] }
    var next: Token { tokens[min(pos + 1, tokens.count - 1)] }

    func loc(_ t: Token) -> SourceLocation { SourceLocation(file: file, row: t.row, column: t.column) }

    func error(_ message: String, at t: Token? = nil) -> RegoError {
        RegoError(code: .parse, message: message, location: loc(t ?? tok))
    }

    func isKeyword(_ word: String) -> Bool { tok.kind == .ident && tok.text == word }

    mutating func expect(_ kind: Token.Kind, _ what: String) throws -> Token {
        guard tok.kind == kind else { throw error("unexpected \(describe(tok)) token: expected \(what)") }
        let t = tok
        pos += 1
        return t
    }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .eof: return "eof"
        case .ident: return "ident"
        case .string, .rawString: return "string"
        case .number: return "number"
        default: return "'\(t.text.isEmpty ? String(describing: t.kind) : t.text)'"
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > maxDepth { throw error("nesting exceeds the limit of \(maxDepth) levels") }
    }

    // MARK: Query

    /// Parses a query: expressions separated by `;` or newlines.
    mutating func parseQuery() throws -> [Expr] {
        var exprs: [Expr] = []
        while tok.kind != .eof {
            if tok.kind == .semicolon {
                pos += 1
                continue
            }
            if !exprs.isEmpty, !tok.newlineBefore, tokens[pos - 1].kind != .semicolon {
                throw error("unexpected \(describe(tok)) token: expected ; or newline")
            }
            exprs.append(contentsOf: try parseExprWithSome())
        }
        if exprs.isEmpty { throw error("empty query") }
        return exprs
    }

    // MARK: Bodies and expressions

    /// Parses `{ expr (; | newline) ... }`.
    mutating func parseBraceBody() throws -> [Expr] {
        let open = try expect(.lbrace, "{")
        var exprs: [Expr] = []
        while tok.kind != .rbrace {
            if tok.kind == .eof { throw error("unexpected eof token: expected }", at: open) }
            if tok.kind == .semicolon {
                pos += 1
                continue
            }
            if !exprs.isEmpty, !tok.newlineBefore, tokens[pos - 1].kind != .semicolon {
                throw error("unexpected \(describe(tok)) token: expected ; or newline")
            }
            exprs.append(contentsOf: try parseExprWithSome())
        }
        pos += 1
        if exprs.isEmpty { throw error("found empty body", at: open) }
        return exprs
    }

    /// Body of a comprehension: expressions until `closer`.
    mutating func parseComprehensionBody(until closer: Token.Kind) throws -> [Expr] {
        var exprs: [Expr] = []
        while tok.kind != closer {
            if tok.kind == .eof { throw error("unexpected eof token") }
            if tok.kind == .semicolon {
                pos += 1
                continue
            }
            exprs.append(contentsOf: try parseExprWithSome())
        }
        pos += 1
        if exprs.isEmpty { throw error("found empty comprehension body") }
        return exprs
    }

    /// An expression, plus `with` modifiers.
    mutating func parseExprWithSome() throws -> [Expr] {
        var e = try parseExpr()
        while isKeyword("with") {
            let w = tok
            pos += 1
            let target = try parseTermOperand()
            guard let name = target.dottedName else { throw error("invalid with target", at: w) }
            guard isKeyword("as") else { throw error("unexpected \(describe(tok)) token: expected as") }
            pos += 1
            let value = try parseTermIn()
            e.with.append(WithModifier(target: name, value: value, location: loc(w)))
        }
        return [e]
    }

    mutating func parseExpr() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        let start = tok
        let l = loc(start)
        if isKeyword("not") {
            pos += 1
            if isKeyword("every") { throw error("unexpected every keyword: illegal negation of 'every'") }
            let inner = try parseExpr()
            return Expr(kind: .not(inner), with: [], location: l)
        }
        if isKeyword("some") {
            pos += 1
            let first = try parseTermRelation()
            if tok.kind == .comma || isKeyword("in") {
                var key: Term? = nil
                var value = first
                if tok.kind == .comma {
                    pos += 1
                    key = first
                    value = try parseTermRelation()
                }
                guard isKeyword("in") else {
                    // `some a, b` declaration list
                    var names: [String] = []
                    for t in [key, value].compactMap({ $0 }) {
                        guard case .variable(let v) = t else { throw error("expected var in some declaration", at: start) }
                        names.append(v)
                    }
                    while tok.kind == .comma {
                        pos += 1
                        guard tok.kind == .ident else { throw error("expected var in some declaration") }
                        names.append(tok.text)
                        pos += 1
                    }
                    return Expr(kind: .someDecl(names), with: [], location: l)
                }
                pos += 1
                let coll = try parseTermRelation()
                return Expr(kind: .someIn(key: key, value: value, collection: coll), with: [], location: l)
            }
            guard case .variable(let v) = first else { throw error("expected var in some declaration", at: start) }
            return Expr(kind: .someDecl([v]), with: [], location: l)
        }
        if isKeyword("every") {
            pos += 1
            let first = try parseTermRelation()
            var key: Term? = nil
            var value = first
            if tok.kind == .comma {
                pos += 1
                key = first
                value = try parseTermRelation()
            }
            guard isKeyword("in") else { throw error("unexpected \(describe(tok)) token: expected in") }
            pos += 1
            let domain = try parseTermRelation()
            let body = try parseBraceBody()
            return Expr(kind: .every(key: key, value: value, domain: domain, body: body), with: [], location: l)
        }
        let lhs = try parseTermIn()
        if tok.kind == .comma {
            // `k, v in coll`
            pos += 1
            let v = try parseTermRelation()
            guard isKeyword("in") else { throw error("unexpected \(describe(tok)) token: expected in") }
            pos += 1
            let coll = try parseTermRelation()
            var t: Term = .call(["internal", "member_3"], [lhs, v, coll], l)
            while isKeyword("in") {
                let l2 = loc(tok)
                pos += 1
                t = .call(["internal", "member_2"], [t, try parseTermRelation()], l2)
            }
            return Expr(kind: .term(t), with: [], location: l)
        }
        if tok.kind == .assign {
            pos += 1
            let rhs = try parseTermIn()
            return Expr(kind: .assign(lhs, rhs), with: [], location: l)
        }
        if tok.kind == .unify {
            pos += 1
            let rhs = try parseTermIn()
            return Expr(kind: .unify(lhs, rhs), with: [], location: l)
        }
        return Expr(kind: .term(lhs), with: [], location: l)
    }

    // MARK: Terms by precedence

    mutating func parseTermIn() throws -> Term {
        var lhs = try parseTermRelation()
        while isKeyword("in") {
            let l = loc(tok)
            pos += 1
            let rhs = try parseTermRelation()
            lhs = .call(["internal", "member_2"], [lhs, rhs], l)
        }
        return lhs
    }

    mutating func parseTermRelation() throws -> Term {
        var lhs = try parseTermOr()
        while true {
            let name: String
            switch tok.kind {
            case .eq: name = "equal"
            case .neq: name = "neq"
            case .lt: name = "lt"
            case .lte: name = "lte"
            case .gt: name = "gt"
            case .gte: name = "gte"
            default: return lhs
            }
            let l = loc(tok)
            pos += 1
            lhs = .call([name], [lhs, try parseTermOr()], l)
        }
    }

    mutating func parseTermOr() throws -> Term {
        var lhs = try parseTermAnd()
        while tok.kind == .pipe, pipeAllowed {
            let l = loc(tok)
            pos += 1
            lhs = .call(["or"], [lhs, try parseTermAnd()], l)
        }
        return lhs
    }

    mutating func parseTermAnd() throws -> Term {
        var lhs = try parseTermArith()
        while tok.kind == .amp {
            let l = loc(tok)
            pos += 1
            lhs = .call(["and"], [lhs, try parseTermArith()], l)
        }
        return lhs
    }

    mutating func parseTermArith() throws -> Term {
        var lhs = try parseTermFactor()
        while tok.kind == .plus || tok.kind == .minus {
            let name = tok.kind == .plus ? "plus" : "minus"
            let l = loc(tok)
            pos += 1
            lhs = .call([name], [lhs, try parseTermFactor()], l)
        }
        return lhs
    }

    mutating func parseTermFactor() throws -> Term {
        var lhs = try parseTermOperand()
        while tok.kind == .star || tok.kind == .slash || tok.kind == .percent {
            let name = tok.kind == .star ? "mul" : (tok.kind == .slash ? "div" : "rem")
            let l = loc(tok)
            pos += 1
            lhs = .call([name], [lhs, try parseTermOperand()], l)
        }
        return lhs
    }
}
