import Foundation

/// The claims check of a signature-verified token (pure: no keys, no network), apart from ``OIDCVerifier`` so the
/// fuzzer (`scripts/libfuzzer.sh jws`) compiles it with the parser alone.
enum TokenClaims {
    /// Checks the registered claims of a signature-verified token and extracts the identity.
    static func identity(from claims: [String: Any], configuration: OIDCConfiguration, now: Date) throws -> VerifiedIdentity {
        let leeway = configuration.leeway
        let nowSeconds = now.timeIntervalSince1970
        guard let issuer = claims["iss"] as? String, issuer == configuration.issuer else {
            throw AuthError(.wrongIssuer, "token was not issued by the configured issuer")
        }
        let audiences: [String]
        switch claims["aud"] {
        case let single as String: audiences = [single]
        case let many as [Any]: audiences = many.compactMap { $0 as? String }
        default: audiences = []
        }
        guard audiences.contains(configuration.clientID) else {
            throw AuthError(.wrongAudience, "token audience does not include client id \(configuration.clientID)")
        }
        guard let exp = number(claims["exp"]) else { throw AuthError(.malformedToken, "token has no numeric exp claim") }
        guard nowSeconds < exp + leeway else { throw AuthError(.expired, "token has expired; log in again") }
        if let raw = claims["nbf"] {
            guard let nbf = number(raw) else { throw AuthError(.malformedToken, "token nbf claim is not a number") }
            guard nbf <= nowSeconds + leeway else { throw AuthError(.notYetValid, "token is not valid yet (nbf)") }
        }
        if let raw = claims["iat"] {
            guard let iat = number(raw) else { throw AuthError(.malformedToken, "token iat claim is not a number") }
            guard iat <= nowSeconds + leeway else { throw AuthError(.notYetValid, "token was issued in the future (iat)") }
        }
        guard let email = claims["email"] as? String, !email.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AuthError(.missingEmail, "token has no email claim")
        }
        guard let subject = claims["sub"] as? String, !subject.isEmpty else {
            throw AuthError(.malformedToken, "token has no sub claim")
        }
        let groups: [String]
        switch claims[configuration.groupsClaim] {
        case nil, is NSNull: groups = []
        case let single as String: groups = [single]
        case let many as [Any]:
            let names = many.compactMap { $0 as? String }
            guard names.count == many.count else {
                throw AuthError(.malformedToken, "token claim \(configuration.groupsClaim) must be an array of strings")
            }
            groups = names
        default: throw AuthError(.malformedToken, "token claim \(configuration.groupsClaim) must be an array of strings")
        }
        return VerifiedIdentity(
            email: email, subject: subject, groups: groups, issuer: issuer, expiresAt: Date(timeIntervalSince1970: exp)
        )
    }

    /// The seconds since the epoch within which `now` passes the time checks of ``identity(from:configuration:now:)``
    /// for claims that passed them once: from the later of `nbf` and `iat` minus the leeway (or forever before, when
    /// neither is given) until `exp` plus the leeway.
    static func validity(of claims: [String: Any], leeway: TimeInterval) -> (from: Double, until: Double)? {
        guard let exp = number(claims["exp"]) else { return nil }
        var from = -Double.infinity
        for name in ["nbf", "iat"] {
            guard let raw = claims[name] else { continue }
            guard let start = number(raw) else { return nil }
            from = max(from, start - leeway)
        }
        return (from, exp + leeway)
    }

    /// A JSON number as seconds since the epoch.
    private static func number(_ value: Any?) -> Double? {
        if let int = value as? Int { return Double(int) }
        if let double = value as? Double, double.isFinite { return double }
        return nil
    }
}
