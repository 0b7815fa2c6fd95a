import Crypto
public import Foundation
public import X509
import _CryptoExtras
// SwiftASN1 (PEM) comes with swift-certificates; X509 does not re-export it.
import SwiftASN1

/// A private certificate authority for `jitsudod init` and the operator: a CA key and certificate, and server
/// (or client) certificates it signs. Everything is PEM; ``KeyFile`` writes keys with mode 0600.
public struct PrivateCA: Sendable {
    /// Key algorithms for generated keys.
    public enum KeyAlgorithm: Sendable {
        case p256, p384, rsa2048
    }

    /// A certificate and its private key, PEM-encoded.
    public struct IssuedPair: Sendable {
        public var certificatePEM: String
        public var privateKeyPEM: String
        public var certificate: Certificate
    }

    public let certificate: Certificate
    private let key: Certificate.PrivateKey

    /// The CA certificate in PEM (what clients trust).
    public var certificatePEM: String { Self.terminated((try? certificate.serializeAsPEM().pemString) ?? "") }
    /// The CA key in PEM; write it with ``KeyFile/write(_:to:overwrite:)``.
    public var privateKeyPEM: String { Self.terminated((try? key.serializeAsPEM().pemString) ?? "") }

    /// Generates a new CA valid from `now` for `validity`.
    public static func generate(
        commonName: String = "jitsudo private CA", algorithm: KeyAlgorithm = .p256, validity: TimeInterval = 10 * 365 * 86400,
        now: Date = Date()
    ) throws -> PrivateCA {
        let key = try makeKey(algorithm)
        let name = try DistinguishedName {
            OrganizationName("jitsudo")
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey, notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(validity), issuer: name, subject: name,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey)
            },
            issuerPrivateKey: key
        )
        return PrivateCA(certificate: certificate, key: key)
    }

    /// Loads an existing CA from PEM.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
            key = try Certificate.PrivateKey(pemEncoded: privateKeyPEM)
        } catch {
            throw TLSLoadError(.invalidCertificate, "CA certificate or key is not valid PEM")
        }
        guard key.publicKey == certificate.publicKey else { throw TLSLoadError(.keyMismatch, "CA key does not match the CA certificate") }
    }

    private init(certificate: Certificate, key: Certificate.PrivateKey) {
        self.certificate = certificate
        self.key = key
    }

    /// Issues a server certificate for `dnsNames` and `ipAddresses` (also usable as a client certificate).
    /// The common name is the first DNS name (or IP).
    public func issue(
        dnsNames: [String], ipAddresses: [String] = [], commonName: String? = nil, algorithm: KeyAlgorithm = .p256,
        validity: TimeInterval = 90 * 86400, now: Date = Date()
    ) throws -> IssuedPair {
        let leafKey = try Self.makeKey(algorithm)
        let cn = commonName ?? dnsNames.first ?? ipAddresses.first ?? "jitsudo"
        let subject = try DistinguishedName {
            OrganizationName("jitsudo")
            CommonName(cn)
        }
        let sans = try SubjectAlternativeNamesDER.encode(dnsNames: dnsNames, ipAddresses: ipAddresses)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
        }
        var all = extensions
        if !sans.isEmpty {
            try all.append(Certificate.Extension(oid: .X509ExtensionID.subjectAlternativeName, critical: false, value: sans[...]))
        }
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: leafKey.publicKey, notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(validity), issuer: certificate.subject, subject: subject,
            extensions: all, issuerPrivateKey: key
        )
        return IssuedPair(
            certificatePEM: Self.terminated(try leaf.serializeAsPEM().pemString),
            privateKeyPEM: Self.terminated(try leafKey.serializeAsPEM().pemString),
            certificate: leaf
        )
    }

    /// PEM text ending in a newline, so files and concatenated chains stay well-formed.
    private static func terminated(_ pem: String) -> String { pem.hasSuffix("\n") ? pem : pem + "\n" }

    private static func makeKey(_ algorithm: KeyAlgorithm) throws -> Certificate.PrivateKey {
        switch algorithm {
        case .p256: return Certificate.PrivateKey(P256.Signing.PrivateKey())
        case .p384: return Certificate.PrivateKey(P384.Signing.PrivateKey())
        case .rsa2048: return Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        }
    }
}
