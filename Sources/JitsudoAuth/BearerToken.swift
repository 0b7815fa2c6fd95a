import Foundation

/// Parsing of the `Authorization` request header (API spec §2).
public enum BearerToken {
    /// Returns the token of an `Authorization: Bearer <token>` header value.
    ///
    /// The scheme name is case-insensitive. A missing header, another scheme or an empty token is
    /// ``AuthError/Code/missingToken``; a token with embedded whitespace is ``AuthError/Code/malformedToken``.
    /// An ASCII header (every real one) is read as bytes; any other by ``parseText(_:)``, by characters, with the same
    /// rules (`BearerTokenTests` holds the two to the same answers).
    public static func parse(authorizationHeader value: String?) throws -> String {
        guard let value else { throw AuthError(.missingToken, "missing Authorization header with a Bearer token") }
        var utf8 = value.utf8[...]
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return try parseText(value) }
        // `.whitespaces` in ASCII: space and tab; `Character.isWhitespace` in ASCII: those and \n \v \f \r.
        func isTrimmed(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        while let first = utf8.first, isTrimmed(first) { utf8.removeFirst() }
        while let last = utf8.last, isTrimmed(last) { utf8.removeLast() }
        guard let space = utf8.firstIndex(of: 0x20) else {
            throw AuthError(.missingToken, "Authorization header must be 'Bearer <token>'")
        }
        guard utf8[..<space].lazy.map({ $0 | 0x20 }).elementsEqual("bearer".utf8) else {
            throw AuthError(.missingToken, "Authorization header must use the Bearer scheme")
        }
        var token = utf8[space...]
        while let first = token.first, isTrimmed(first) { token.removeFirst() }
        guard !token.isEmpty else { throw AuthError(.missingToken, "Authorization header has an empty Bearer token") }
        guard !token.contains(where: isWhitespace) else {
            throw AuthError(.malformedToken, "Bearer token must not contain whitespace")
        }
        return String(Substring(token))
    }

    /// ``parse(authorizationHeader:)`` for a header that is not all ASCII, by characters.
    static func parseText(_ value: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            throw AuthError(.missingToken, "Authorization header must be 'Bearer <token>'")
        }
        let scheme = trimmed[..<space]
        guard scheme.lowercased() == "bearer" else {
            throw AuthError(.missingToken, "Authorization header must use the Bearer scheme")
        }
        let token = trimmed[space...].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw AuthError(.missingToken, "Authorization header has an empty Bearer token") }
        guard !token.contains(where: { $0.isWhitespace }) else {
            throw AuthError(.malformedToken, "Bearer token must not contain whitespace")
        }
        return token
    }
}
