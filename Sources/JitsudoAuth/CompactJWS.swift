import Foundation

/// A compact-serialised JWS split into its parts, before any signature or claim check.
struct CompactJWS {
    /// `alg` of the protected header.
    let algorithm: String
    /// `kid` of the protected header, when present.
    let keyID: String?
    /// The ASCII bytes `header.payload` the signature covers.
    let signingInput: Data
    let signature: Data
    /// The decoded claims object.
    let claims: [String: Any]

    /// Parses a token; every failure is ``AuthError/Code/malformedToken`` except a refused `alg`.
    init(_ token: String, maximumLength: Int) throws {
        guard token.utf8.count <= maximumLength else {
            throw AuthError(.malformedToken, "token is longer than \(maximumLength) bytes")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw AuthError(.malformedToken, "token is not a compact JWS of three segments") }
        guard let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else { throw AuthError(.malformedToken, "token segment is not valid base64url") }
        guard let header = (try? JSONSerialization.jsonObject(with: headerBytes)) as? [String: Any] else {
            throw AuthError(.malformedToken, "token header is not a JSON object")
        }
        guard let algorithm = header["alg"] as? String else { throw AuthError(.malformedToken, "token header has no alg") }
        guard OIDCConfiguration.supportedAlgorithms.contains(algorithm) else {
            throw AuthError(.unsupportedAlgorithm, "token algorithm is not accepted; use an asymmetric algorithm")
        }
        if header["crit"] != nil {
            throw AuthError(.malformedToken, "token header lists critical extensions, which are not supported")
        }
        if let typ = header["typ"], !(typ is String) { throw AuthError(.malformedToken, "token header typ is not a string") }
        let keyID = header["kid"]
        guard keyID == nil || keyID is String else { throw AuthError(.malformedToken, "token header kid is not a string") }
        guard !signature.isEmpty else { throw AuthError(.malformedToken, "token has no signature") }
        guard let claims = (try? JSONSerialization.jsonObject(with: payloadBytes)) as? [String: Any] else {
            throw AuthError(.malformedToken, "token payload is not a JSON object")
        }
        self.algorithm = algorithm
        self.keyID = keyID as? String
        self.signingInput = Data((parts[0] + "." + parts[1]).utf8)
        self.signature = signature
        self.claims = claims
    }
}
