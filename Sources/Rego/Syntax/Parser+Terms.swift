extension Parser {
    /// A primary term with postfix `.name`, `[index]` and call arguments.
    mutating func parseTermOperand() throws -> Term {
        try enter()
        defer { depth -= 1 }
        let start = tok
        var term: Term
        switch tok.kind {
        case .number:
            pos += 1
            guard let n = RegoNumber(literal: start.text) else { throw error("invalid number literal", at: start) }
            term = .value(.number(n))
        case .string, .rawString:
            pos += 1
            term = .value(.string(start.text))
        case .minus:
            pos += 1
            if tok.kind == .number, !tok.newlineBefore {
                let t = tok
                pos += 1
                guard let n = RegoNumber(literal: "-" + t.text) else { throw error("invalid number literal", at: t) }
                term = .value(.number(n))
            } else {
                let operand = try parseTermOperand()
                return .call(["minus"], [.value(.int(0)), operand], loc(start))
            }
        case .ident:
            pos += 1
            switch start.text {
            case "true": term = .value(.bool(true))
            case "false": term = .value(.bool(false))
            case "null": term = .value(.null)
            case "set" where tok.kind == .lparen && next.kind == .rparen && !tok.newlineBefore:
                pos += 2
                term = .value(.set(RegoSet()))
            default: term = .variable(start.text)
            }
        case .lparen:
            pos += 1
            let savedPipe = pipeAllowed
            pipeAllowed = true
            defer { pipeAllowed = savedPipe }
            term = try parseTermIn()
            if tok.kind == .comma {
                pos += 1
                let v = try parseTermRelation()
                guard isKeyword("in") else { throw error("unexpected \(describe(tok)) token: expected in") }
                let l = loc(tok)
                pos += 1
                term = .call(["internal", "member_3"], [term, v, try parseTermRelation()], l)
                while isKeyword("in") {
                    let l2 = loc(tok)
                    pos += 1
                    term = .call(["internal", "member_2"], [term, try parseTermRelation()], l2)
                }
            }
            _ = try expect(.rparen, ")")
        case .lbracket:
            term = try parseArray()
        case .lbrace:
            term = try parseBraced()
        default:
            throw error("unexpected \(describe(tok)) token")
        }
        return try parsePostfix(term, start: start)
    }

    mutating func parsePostfix(_ base: Term, start: Token) throws -> Term {
        var term = base
        var path: [Term] = []
        var head = base
        while true {
            if tok.kind == .dot, next.kind == .ident {
                // `.name` selects a string key.
                if case .value = head, path.isEmpty { break }
                pos += 1
                path.append(.value(.string(tok.text)))
                pos += 1
            } else if tok.kind == .lbracket, !tok.newlineBefore {
                pos += 1
                let idx = try parseTermIn()
                _ = try expect(.rbracket, "]")
                path.append(idx)
            } else if tok.kind == .lparen, !tok.newlineBefore {
                // Function call: the callee must be a dotted name.
                let callee = path.isEmpty ? head : Term.ref(head, path)
                guard let name = callee.dottedName else { throw error("invalid function call target") }
                pos += 1
                var args: [Term] = []
                while tok.kind != .rparen {
                    args.append(try parseTermIn())
                    if tok.kind == .comma {
                        pos += 1
                    } else if tok.kind != .rparen {
                        throw error("unexpected \(describe(tok)) token: expected , or )")
                    }
                }
                pos += 1
                head = .call(name, args, loc(start))
                path = []
            } else {
                break
            }
            term = path.isEmpty ? head : .ref(head, path)
        }
        return term
    }

    mutating func parseArray() throws -> Term {
        try enter()
        defer { depth -= 1 }
        _ = try expect(.lbracket, "[")
        let savedPipe = pipeAllowed
        defer { pipeAllowed = savedPipe }
        if tok.kind == .rbracket {
            pos += 1
            return .array([])
        }
        let start = pos
        pipeAllowed = false
        var first = try parseTermIn()
        pipeAllowed = true
        if tok.kind == .pipe {
            pos += 1
            let afterPipe = pos
            do {
                let body = try parseComprehensionBody(until: .rbracket)
                return .arrayCompr(first, body)
            } catch {
                // Not a comprehension: `[a | b, …]` is a set union inside an array literal.
                pos = start
                first = try parseTermIn()
                if pos <= afterPipe - 1 { throw error }
            }
        }
        var items = [first]
        while tok.kind == .comma {
            pos += 1
            if tok.kind == .rbracket { break }
            items.append(try parseTermIn())
        }
        _ = try expect(.rbracket, "]")
        return .array(items)
    }

    mutating func parseBraced() throws -> Term {
        try enter()
        defer { depth -= 1 }
        _ = try expect(.lbrace, "{")
        let savedPipe = pipeAllowed
        defer { pipeAllowed = savedPipe }
        if tok.kind == .rbrace {
            pos += 1
            return .object([])
        }
        let start = pos
        pipeAllowed = false
        let first = try parseTermIn()
        if tok.kind == .colon {
            pos += 1
            let v = try parseTermIn()
            pipeAllowed = true
            if tok.kind == .pipe {
                pos += 1
                let body = try parseComprehensionBody(until: .rbrace)
                return .objectCompr(first, v, body)
            }
            var items = [(first, v)]
            while tok.kind == .comma {
                pos += 1
                if tok.kind == .rbrace { break }
                let k = try parseTermIn()
                _ = try expect(.colon, ":")
                items.append((k, try parseTermIn()))
            }
            _ = try expect(.rbrace, "}")
            return .object(items)
        }
        pipeAllowed = true
        var items = [first]
        if tok.kind == .pipe {
            pos += 1
            let afterPipe = pos
            do {
                let body = try parseComprehensionBody(until: .rbrace)
                return .setCompr(first, body)
            } catch {
                pos = start
                items = [try parseTermIn()]
                if pos <= afterPipe - 1 { throw error }
            }
        }
        while tok.kind == .comma {
            pos += 1
            if tok.kind == .rbrace { break }
            items.append(try parseTermIn())
        }
        _ = try expect(.rbrace, "}")
        return .set(items)
    }
}
