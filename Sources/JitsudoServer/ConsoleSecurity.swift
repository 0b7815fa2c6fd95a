import Crypto
import JitsudoAuth
import Foundation
import HTTPTypes

/// The console's security primitives: random tokens, the session cookie, constant-time CSRF checks and the
/// response headers of every console page. Pure apart from the system random number generator.
enum ConsoleSecurity {
    /// The session cookie's name (`__Host-` would forbid `Path=/ui`; the path keeps it off the API).
    static let cookieName = "jitsudo_session"
    /// How long a console session lasts.
    static let sessionLifetimeSeconds: Int64 = 8 * 3600

    /// `bytes` random bytes, base64url without padding (32 bytes → 43 characters).
    static func randomToken(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func base64URL(_ bytes: [UInt8]) -> String { Base64URL.encode(bytes) }

    /// The stored form of a session id: lower-case hex SHA-256.
    static func hash(_ sessionID: String) -> String {
        SHA256.hash(data: Array(sessionID.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// `Set-Cookie` for a new session: `HttpOnly; Secure; SameSite=Strict`, scoped to `/ui`.
    static func sessionCookie(_ sessionID: String) -> String {
        "\(cookieName)=\(sessionID); Path=/ui; Max-Age=\(sessionLifetimeSeconds); HttpOnly; Secure; SameSite=Strict"
    }

    /// `Set-Cookie` that removes the session cookie.
    static let clearedCookie = "\(cookieName)=; Path=/ui; Max-Age=0; HttpOnly; Secure; SameSite=Strict"

    /// The session id in a `Cookie` header, if any.
    static func sessionID(cookieHeader: String?) -> String? {
        guard let cookieHeader else { return nil }
        for part in cookieHeader.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == cookieName, !pair[1].isEmpty, pair[1].count <= 128 { return String(pair[1]) }
        }
        return nil
    }

    /// Whether `presented` equals `expected`, in time independent of where they differ.
    static func tokensMatch(_ presented: String?, _ expected: String) -> Bool {
        guard let presented, !expected.isEmpty else { return false }
        let left = Array(presented.utf8)
        let right = Array(expected.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// No script, no inline style, no framing; forms post only to this origin.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// The headers of every console response.
    static func headers(contentType: String = "text/html; charset=utf-8") -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        for (name, value) in [
            ("Content-Security-Policy", contentSecurityPolicy), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
        ] {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return headers
    }
}
