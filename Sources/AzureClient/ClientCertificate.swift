import Crypto
public import Foundation
import _CryptoExtras

/// A certificate and its RSA private key (one PEM file, as Entra app registrations and azure-identity use), and
/// the client assertion JWT signed with it (RFC 7523; Entra's format: `x5t#S256` with PS256, or `x5t` with RS256).
public struct ClientCertificate: Sendable, Hashable {
    /// The signature algorithm of the assertion.
    public enum Algorithm: String, Sendable, Hashable {
        /// RSASSA-PSS with SHA-256, header `x5t#S256` (Entra's current format).
        case ps256 = "PS256"
        /// RSASSA-PKCS1-v1_5 with SHA-256, header `x5t` (SHA-1 thumbprint; older tenants and ADFS).
        case rs256 = "RS256"
    }

    /// The certificate, DER.
    public let certificateDER: Data
    private let keyPEM: String
    public var algorithm: Algorithm

    /// Reads the first `CERTIFICATE` block and the (`RSA`) `PRIVATE KEY` block of `pem`.
    ///
    /// - Throws: ``AzureError`` `authentication` naming what is missing.
    public init(pem: String, algorithm: Algorithm = .ps256) throws(AzureError) {
        guard let der = Self.block("CERTIFICATE", in: pem).flatMap({ Data(base64Encoded: $0, options: .ignoreUnknownCharacters) }) else {
            throw AzureError(.authentication, "the client certificate file holds no PEM CERTIFICATE block")
        }
        guard let key = Self.keyBlock(in: pem), (try? _RSA.Signing.PrivateKey(pemRepresentation: key)) != nil else {
            throw AzureError(.authentication, "the client certificate file holds no readable RSA PRIVATE KEY block (unencrypted PEM)")
        }
        self.certificateDER = der
        self.keyPEM = key
        self.algorithm = algorithm
    }

    public static func == (lhs: ClientCertificate, rhs: ClientCertificate) -> Bool {
        lhs.certificateDER == rhs.certificateDER && lhs.algorithm == rhs.algorithm
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(certificateDER) }

    /// base64url of the SHA-256 of the DER certificate (`x5t#S256`).
    public var sha256Thumbprint: String { Base64URL.encode(Data(SHA256.hash(data: certificateDER))) }
    /// base64url of the SHA-1 of the DER certificate (`x5t`).
    public var sha1Thumbprint: String { Base64URL.encode(Data(Insecure.SHA1.hash(data: certificateDER))) }

    /// The signed assertion for `clientID` at the token endpoint `audience`, valid for ten minutes from `now`.
    public func assertion(clientID: String, audience: String, now: Date, jwtID: String) throws(AzureError) -> String {
        var header: [String: String] = ["alg": algorithm.rawValue, "typ": "JWT"]
        switch algorithm {
        case .ps256: header["x5t#S256"] = sha256Thumbprint
        case .rs256: header["x5t"] = sha1Thumbprint
        }
        let issuedAt = Int64(now.timeIntervalSince1970)
        let claims = AssertionClaims(aud: audience, iss: clientID, sub: clientID, jti: jwtID, nbf: issuedAt, iat: issuedAt, exp: issuedAt + 600)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let signingInput: String
        do {
            signingInput = Base64URL.encode(try encoder.encode(header)) + "." + Base64URL.encode(try encoder.encode(claims))
        } catch {
            throw AzureError(.authentication, "cannot encode the client assertion")
        }
        do {
            let key = try _RSA.Signing.PrivateKey(pemRepresentation: keyPEM)
            let signature = try key.signature(for: Data(signingInput.utf8), padding: algorithm == .ps256 ? .PSS : .insecurePKCS1v1_5)
            return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
        } catch {
            throw AzureError(.authentication, "cannot sign the client assertion with the client certificate's key")
        }
    }

    struct AssertionClaims: Encodable {
        var aud, iss, sub, jti: String
        var nbf, iat, exp: Int64
    }

    static func block(_ label: String, in pem: String) -> String? {
        guard let start = pem.range(of: "-----BEGIN \(label)-----"),
            let end = pem.range(of: "-----END \(label)-----", range: start.upperBound..<pem.endIndex)
        else { return nil }
        return String(pem[start.upperBound..<end.lowerBound])
    }

    static func keyBlock(in pem: String) -> String? {
        for label in ["PRIVATE KEY", "RSA PRIVATE KEY"] {
            if let body = block(label, in: pem) { return "-----BEGIN \(label)-----\(body)-----END \(label)-----\n" }
        }
        return nil
    }
}

/// base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
