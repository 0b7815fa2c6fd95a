import Crypto
import Foundation
import _CryptoExtras
import BoundedJSON

/// One public signing key of the issuer's JWKS, parsed into a verifier.
///
/// Only RSA and EC (P-256, P-384) signature keys are kept; symmetric (`oct`), encryption (`use: enc`) and
/// unknown keys are dropped when the JWKS is read, so an `oct` key can never verify an HS* token.
struct JSONWebKey: Sendable {
    enum Material: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
    }

    let keyID: String?
    /// The key's own `alg`, when it names one.
    let algorithm: String?
    let material: Material

    private struct Wire: Decodable {
        var kty: String?
        var kid: String?
        var alg: String?
        var use: String?
        var n: String?
        var e: String?
        var crv: String?
        var x: String?
        var y: String?
    }

    private struct WireSet: Decodable { var keys: [Wire] }

    /// Parses a JWKS document; returns the usable keys and how many were skipped.
    static func parseSet(_ data: Data) throws -> (keys: [JSONWebKey], skipped: Int) {
        let set = try JSONDecoder().decodeBounded(WireSet.self, from: data)
        let keys = set.keys.compactMap(JSONWebKey.init(wire:))
        return (keys, set.keys.count - keys.count)
    }

    private init?(wire: Wire) {
        if let use = wire.use, use != "sig" { return nil }
        switch wire.kty {
        case "RSA":
            guard let n = wire.n.flatMap(Base64URL.decode), let e = wire.e.flatMap(Base64URL.decode),
                let key = try? _RSA.Signing.PublicKey(n: n, e: e)
            else { return nil }
            material = .rsa(key)
        case "EC":
            guard let x = wire.x.flatMap(Base64URL.decode), let y = wire.y.flatMap(Base64URL.decode) else { return nil }
            switch wire.crv {
            case "P-256":
                guard let key = try? P256.Signing.PublicKey(rawRepresentation: x + y) else { return nil }
                material = .p256(key)
            case "P-384":
                guard let key = try? P384.Signing.PublicKey(rawRepresentation: x + y) else { return nil }
                material = .p384(key)
            default: return nil
            }
        default: return nil
        }
        keyID = wire.kid
        algorithm = wire.alg
    }

    /// Whether this key may verify a token signed with `alg` (key type, curve and the key's own `alg`).
    func canVerify(algorithm alg: String) -> Bool {
        if let algorithm, algorithm != alg { return false }
        switch (material, alg) {
        case (.rsa, "RS256"), (.rsa, "RS384"), (.rsa, "RS512"), (.rsa, "PS256"): return true
        case (.p256, "ES256"), (.p384, "ES384"): return true
        default: return false
        }
    }

    /// Checks a JWS signature; false for a mismatch or an algorithm this key cannot verify.
    func isValidSignature(_ signature: Data, for input: Data, algorithm alg: String) -> Bool {
        guard canVerify(algorithm: alg) else { return false }
        switch material {
        case .rsa(let key):
            let sig = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch alg {
            case "RS256": return key.isValidSignature(sig, for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
            case "RS384": return key.isValidSignature(sig, for: SHA384.hash(data: input), padding: .insecurePKCS1v1_5)
            case "RS512": return key.isValidSignature(sig, for: SHA512.hash(data: input), padding: .insecurePKCS1v1_5)
            case "PS256": return key.isValidSignature(sig, for: SHA256.hash(data: input), padding: .PSS)
            default: return false
            }
        case .p256(let key):
            guard let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: SHA256.hash(data: input))
        case .p384(let key):
            guard let sig = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: SHA384.hash(data: input))
        }
    }
}
