/// Splits Rego source into tokens, tracking rows and columns.
struct Lexer {
    let file: String
    let bytes: [UInt8]
    var pos = 0
    var row = 1
    var col = 1

    init(file: String, source: String) {
        self.file = file
        self.bytes = Array(source.utf8)
    }

    func error(_ message: String, _ r: Int, _ c: Int) -> RegoError {
        RegoError(code: .parse, message: message, location: SourceLocation(file: file, row: r, column: c))
    }

    mutating func advance() {
        if bytes[pos] == 0x0A {
            row += 1
            col = 1
        } else if bytes[pos] & 0xC0 != 0x80 {
            col += 1
        }
        pos += 1
    }

    /// Tokenises the whole source.
    mutating func tokenize() throws -> [Token] {
        var tokens: [Token] = []
        var sawNewline = false
        while true {
            // skip whitespace and comments
            while pos < bytes.count {
                let c = bytes[pos]
                if c == 0x0A {
                    sawNewline = true
                    advance()
                } else if c == 0x20 || c == 0x09 || c == 0x0D {
                    advance()
                } else if c == UInt8(ascii: "#") {
                    while pos < bytes.count, bytes[pos] != 0x0A { advance() }
                } else {
                    break
                }
            }
            let r = row, c0 = col
            guard pos < bytes.count else {
                tokens.append(Token(kind: .eof, text: "", row: r, column: c0, newlineBefore: true))
                return tokens
            }
            let nl = sawNewline
            sawNewline = false
            let c = bytes[pos]
            func tok(_ k: Token.Kind, _ len: Int, _ text: String = "") -> Token {
                for _ in 0..<len { advance() }
                return Token(kind: k, text: text, row: r, column: c0, newlineBefore: nl)
            }
            func peek(_ o: Int) -> UInt8 { pos + o < bytes.count ? bytes[pos + o] : 0 }
            switch c {
            case UInt8(ascii: "{"): tokens.append(tok(.lbrace, 1))
            case UInt8(ascii: "}"): tokens.append(tok(.rbrace, 1))
            case UInt8(ascii: "["): tokens.append(tok(.lbracket, 1))
            case UInt8(ascii: "]"): tokens.append(tok(.rbracket, 1))
            case UInt8(ascii: "("): tokens.append(tok(.lparen, 1))
            case UInt8(ascii: ")"): tokens.append(tok(.rparen, 1))
            case UInt8(ascii: ","): tokens.append(tok(.comma, 1))
            case UInt8(ascii: "."): tokens.append(tok(.dot, 1))
            case UInt8(ascii: ";"): tokens.append(tok(.semicolon, 1))
            case UInt8(ascii: ":"): tokens.append(peek(1) == UInt8(ascii: "=") ? tok(.assign, 2) : tok(.colon, 1))
            case UInt8(ascii: "="): tokens.append(peek(1) == UInt8(ascii: "=") ? tok(.eq, 2) : tok(.unify, 1))
            case UInt8(ascii: "!"):
                guard peek(1) == UInt8(ascii: "=") else { throw error("unexpected ! token", r, c0) }
                tokens.append(tok(.neq, 2))
            case UInt8(ascii: "<"): tokens.append(peek(1) == UInt8(ascii: "=") ? tok(.lte, 2) : tok(.lt, 1))
            case UInt8(ascii: ">"): tokens.append(peek(1) == UInt8(ascii: "=") ? tok(.gte, 2) : tok(.gt, 1))
            case UInt8(ascii: "+"): tokens.append(tok(.plus, 1))
            case UInt8(ascii: "-"): tokens.append(tok(.minus, 1))
            case UInt8(ascii: "*"): tokens.append(tok(.star, 1))
            case UInt8(ascii: "/"): tokens.append(tok(.slash, 1))
            case UInt8(ascii: "%"): tokens.append(tok(.percent, 1))
            case UInt8(ascii: "|"): tokens.append(tok(.pipe, 1))
            case UInt8(ascii: "&"): tokens.append(tok(.amp, 1))
            case UInt8(ascii: "\""): tokens.append(try lexString(r, c0, nl))
            case UInt8(ascii: "`"):
                advance()
                let start = pos
                while pos < bytes.count, bytes[pos] != UInt8(ascii: "`") { advance() }
                guard pos < bytes.count else { throw error("unterminated raw string", r, c0) }
                let text = String(decoding: bytes[start..<pos], as: UTF8.self)
                advance()
                tokens.append(Token(kind: .rawString, text: text, row: r, column: c0, newlineBefore: nl))
            case 48...57:
                let start = pos
                while pos < bytes.count, bytes[pos] >= 48 && bytes[pos] <= 57 { advance() }
                if pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "."), bytes[pos + 1] >= 48, bytes[pos + 1] <= 57 {
                    advance()
                    while pos < bytes.count, bytes[pos] >= 48 && bytes[pos] <= 57 { advance() }
                }
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
                    let save = (pos, row, col)
                    advance()
                    if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { advance() }
                    if pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 57 {
                        while pos < bytes.count, bytes[pos] >= 48 && bytes[pos] <= 57 { advance() }
                    } else {
                        (pos, row, col) = save
                    }
                }
                if pos - start > 10_000 { throw error("number literal too long", r, c0) }
                tokens.append(Token(kind: .number, text: String(decoding: bytes[start..<pos], as: UTF8.self), row: r, column: c0, newlineBefore: nl))
            default:
                if c == UInt8(ascii: "_") || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) {
                    let start = pos
                    while pos < bytes.count {
                        let d = bytes[pos]
                        if d == UInt8(ascii: "_") || (d >= 65 && d <= 90) || (d >= 97 && d <= 122) || (d >= 48 && d <= 57) {
                            advance()
                        } else {
                            break
                        }
                    }
                    tokens.append(
                        Token(kind: .ident, text: String(decoding: bytes[start..<pos], as: UTF8.self), row: r, column: c0, newlineBefore: nl))
                } else {
                    throw error("illegal token", r, c0)
                }
            }
        }
    }

    mutating func lexString(_ r: Int, _ c0: Int, _ nl: Bool) throws -> Token {
        // Reuse the JSON string decoder for escapes.
        let start = pos
        advance()
        while pos < bytes.count, bytes[pos] != UInt8(ascii: "\"") {
            if bytes[pos] == 0x0A { throw error("non-terminated string", r, c0) }
            if bytes[pos] == UInt8(ascii: "\\") { advance() }
            if pos < bytes.count { advance() }
        }
        guard pos < bytes.count else { throw error("non-terminated string", r, c0) }
        advance()
        var reader = JSONReader(bytes: Array(bytes[start..<pos]), maxDepth: 1)
        do {
            let s = try reader.parseString()
            return Token(kind: .string, text: s, row: r, column: c0, newlineBefore: nl)
        } catch {
            throw self.error("invalid string literal", r, c0)
        }
    }
}
