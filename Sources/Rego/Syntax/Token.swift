/// A lexical token of Rego source.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case ident, string, rawString, number
        case lbrace, rbrace, lbracket, rbracket, lparen, rparen
        case comma, dot, semicolon, colon
        case assign, unify, eq, neq, lt, lte, gt, gte
        case plus, minus, star, slash, percent, pipe, amp
        case eof
    }

    let kind: Kind
    /// Raw text for identifiers and numbers; decoded contents for strings.
    let text: String
    let row: Int
    let column: Int
    /// True when a line break separates this token from the previous one.
    let newlineBefore: Bool
}
