import Foundation

/// Parsing of the `Authorization` request header (API spec §2).
public enum BearerToken {
    /// Returns the token of an `Authorization: Bearer <token>` header value.
    ///
    /// The scheme name is case-insensitive. A missing header, another scheme or an empty token is
    /// ``AuthError/Code/missingToken``; a token with embedded whitespace is ``AuthError/Code/malformedToken``.
    public static func parse(authorizationHeader value: String?) throws -> String {
        guard let value else { throw AuthError(.missingToken, "missing Authorization header with a Bearer token") }
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
