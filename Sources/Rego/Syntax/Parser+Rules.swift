extension Parser {
    /// Parses a whole module.
    mutating func parseModule() throws -> ModuleAST {
        guard isKeyword("package") else { throw error("unexpected \(describe(tok)) token: expected package") }
        pos += 1
        let pkgTerm = try parseTermOperand()
        guard let pkg = pkgTerm.dottedName else { throw error("invalid package name") }
        var imports: [ImportDecl] = []
        var rules: [RuleDecl] = []
        var v1 = false
        while isKeyword("import") {
            let t = tok
            pos += 1
            let target = try parseTermOperand()
            guard let path = target.dottedName else { throw error("invalid import path", at: t) }
            var alias: String? = nil
            if isKeyword("as") {
                pos += 1
                alias = try expect(.ident, "alias").text
            }
            if path == ["rego", "v1"] { v1 = true }
            guard ["data", "input", "future", "rego"].contains(path[0]) else {
                throw RegoError(
                    code: .parse, message: "invalid import \(path.joined(separator: ".")), must begin with input or data", location: loc(t))
            }
            if imports.contains(where: { $0.path == path && $0.alias == alias }) {
                throw RegoError(code: .compile, message: "import must not shadow \(path.joined(separator: "."))", location: loc(t))
            }
            imports.append(ImportDecl(path: path, alias: alias, location: loc(t)))
        }
        requireIf = v1
        while tok.kind != .eof {
            if tok.kind == .semicolon {
                pos += 1
                continue
            }
            if isKeyword("import") { throw error("imports must come before rules") }
            rules.append(contentsOf: try parseRule())
        }
        return ModuleAST(file: file, package: pkg, imports: imports, rules: rules, regoV1: v1)
    }

    /// Parses one rule statement (possibly with `else` branches).
    mutating func parseRule() throws -> [RuleDecl] {
        let start = tok
        var isDefault = false
        if isKeyword("default") {
            isDefault = true
            pos += 1
        }
        guard tok.kind == .ident else { throw error("unexpected \(describe(tok)) token: expected rule name") }
        let name = tok.text
        if ["input", "data"].contains(name) && !isDefault && next.kind != .dot && next.kind != .lbracket {
            throw RegoError(code: .compile, message: "rule name conflicts with built-in \(name) document", location: loc(tok))
        }
        pos += 1
        var head: [Term] = [.variable(name)]
        while true {
            if tok.kind == .dot, next.kind == .ident, !tok.newlineBefore {
                pos += 1
                head.append(.value(.string(tok.text)))
                pos += 1
            } else if tok.kind == .lbracket, !tok.newlineBefore {
                pos += 1
                head.append(try parseTermIn())
                _ = try expect(.rbracket, "]")
            } else {
                break
            }
        }
        var args: [Term] = []
        var isFunction = false
        if tok.kind == .lparen, !tok.newlineBefore {
            isFunction = true
            pos += 1
            while tok.kind != .rparen {
                args.append(try parseTermIn())
                if tok.kind == .comma { pos += 1 } else if tok.kind != .rparen { throw error("unexpected \(describe(tok)) token: expected , or )") }
            }
            pos += 1
        }
        var key: Term? = nil
        var value: Term? = nil
        var usesAssign = false
        if isKeyword("contains"), !tok.newlineBefore {
            pos += 1
            key = try parseTermIn()
        } else if tok.kind == .assign || tok.kind == .unify, !tok.newlineBefore {
            usesAssign = tok.kind == .assign
            pos += 1
            value = try parseTermIn()
        }
        var body: [Expr] = []
        var hasBody = false
        var usedIf = false
        let l = loc(start)
        if isKeyword("if"), !isDefault {
            pos += 1
            usedIf = true
            body = try parseRuleBody()
            hasBody = true
        } else if tok.kind == .lbrace, !isDefault {
            if requireIf { throw error("`if` keyword is required before rule body: add 'if' before the rule body") }
            body = try parseBraceBody()
            hasBody = true
        }
        if isDefault {
            guard value != nil else { throw error("default rule must have a value", at: start) }
        }
        if !hasBody && value == nil && key == nil && head.count == 1 && !isFunction {
            throw error("rule \(name) has no body or value; add `if` and a body or `:= value`", at: start)
        }
        var kind: RuleDecl.Kind = .complete
        if isFunction {
            kind = .function
        } else if key != nil {
            kind = .multiSet
        } else if head.dropFirst().contains(where: { if case .value(.string) = $0 { return false } else { return true } }) {
            if value == nil && !usedIf && hasBody {
                // v0 partial set `p[x] { ... }`
                kind = .multiSet
                key = head.removeLast()
            } else {
                kind = .multiObject
            }
        }
        if !hasBody { body = [Expr(kind: .term(.value(.bool(true))), with: [], location: l)] }
        var rule = RuleDecl(
            kind: kind, isDefault: isDefault, head: head, args: args, key: key, value: value, body: body,
            elseBranch: [], location: l, usesAssign: usesAssign)
        while isKeyword("else") {
            let et = tok
            pos += 1
            var ev: Term? = nil
            if tok.kind == .assign || tok.kind == .unify {
                pos += 1
                ev = try parseTermIn()
            }
            var eb: [Expr]
            if isKeyword("if") {
                pos += 1
                eb = try parseRuleBody()
            } else if tok.kind == .lbrace {
                eb = try parseBraceBody()
            } else {
                eb = [Expr(kind: .term(.value(.bool(true))), with: [], location: loc(et))]
            }
            rule.elseBranch.append(ElseBranch(value: ev, body: eb, location: loc(et)))
        }
        if !rule.elseBranch.isEmpty, kind != .complete && kind != .function {
            throw RegoError(code: .parse, message: "else keyword cannot be used on multi-value rules", location: l)
        }
        // v0 chained bodies `p { a } { b }` form additional rules with the same head.
        var out = [rule]
        while tok.kind == .lbrace, !tok.newlineBefore, !requireIf {
            var extra = rule
            extra.elseBranch = []
            extra.body = try parseBraceBody()
            out.append(extra)
        }
        return out
    }

    /// After `if`: a braced body or a single expression.
    mutating func parseRuleBody() throws -> [Expr] {
        if tok.kind == .lbrace {
            // `if {` is normally a body; fall back to an expression such as an object comprehension.
            let saved = pos
            do {
                return try parseBraceBody()
            } catch {
                pos = saved
                if let e = try? parseExprWithSome() { return e }
                throw error
            }
        }
        return try parseExprWithSome()
    }
}
