import Crypto
import Foundation
import _CryptoExtras

/// Builds compact JWS tokens, including hostile ones, for tests.
enum TokenFactory {
    static func b64(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func json(_ object: Any) -> Data { try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }

    static func claims(issuer: String, now: Date, overrides: [String: Any?] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": issuer, "aud": "jitsudo-cli", "sub": "user-1", "email": "alice@example.com",
            "groups": ["dev", "jitsudo-admins"], "iat": Int(now.timeIntervalSince1970),
            "exp": Int(now.timeIntervalSince1970) + 300,
        ]
        for (key, value) in overrides { claims[key] = value }
        return claims
    }

    static func token(header: [String: Any], claims: [String: Any], sign: (Data) throws -> Data) rethrows -> String {
        let input = b64(json(header)) + "." + b64(json(claims))
        return input + "." + b64(try sign(Data(input.utf8)))
    }
}

struct RSATestKey {
    let key: _RSA.Signing.PrivateKey

    init() throws { key = try _RSA.Signing.PrivateKey(keySize: .bits2048) }

    func jwk(kid: String?, alg: String? = nil) throws -> [String: Any] {
        let primitives = try key.publicKey.getKeyPrimitives()
        var jwk: [String: Any] = [
            "kty": "RSA", "n": TokenFactory.b64(primitives.modulus), "e": TokenFactory.b64(primitives.publicExponent),
        ]
        if let kid { jwk["kid"] = kid }
        if let alg { jwk["alg"] = alg }
        return jwk
    }

    func sign(_ input: Data, alg: String = "RS256") throws -> Data {
        switch alg {
        case "PS256": return try key.signature(for: SHA256.hash(data: input), padding: .PSS).rawRepresentation
        case "RS384": return try key.signature(for: SHA384.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation
        default: return try key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation
        }
    }

    func token(kid: String?, claims: [String: Any], alg: String = "RS256", extraHeader: [String: Any] = [:]) throws -> String {
        var header: [String: Any] = ["alg": alg, "typ": "JWT"]
        if let kid { header["kid"] = kid }
        for (key, value) in extraHeader { header[key] = value }
        return try TokenFactory.token(header: header, claims: claims) { try sign($0, alg: alg) }
    }
}

struct ECTestKey {
    let key = P256.Signing.PrivateKey()

    func jwk(kid: String?) -> [String: Any] {
        let raw = key.publicKey.rawRepresentation
        var jwk: [String: Any] = [
            "kty": "EC", "crv": "P-256", "x": TokenFactory.b64(raw.prefix(32)), "y": TokenFactory.b64(raw.suffix(32)),
        ]
        if let kid { jwk["kid"] = kid }
        return jwk
    }

    func token(kid: String?, claims: [String: Any]) throws -> String {
        var header: [String: Any] = ["alg": "ES256", "typ": "JWT"]
        if let kid { header["kid"] = kid }
        return try TokenFactory.token(header: header, claims: claims) { try key.signature(for: $0).rawRepresentation }
    }
}
