import Crypto
public import Foundation
import SwiftASN1
import X509

/// What the TLS reconciler needs to know about the certificate in a `kubernetes.io/tls` Secret: parsed with
/// swift-certificates, no I/O.
public struct CertificateInspection: Sendable, Equatable {
    /// Why a Secret's certificate cannot be used at all.
    public enum Problem: String, Error, Sendable, Equatable {
        case certificateUnparsable, keyUnparsable, keyMismatch
    }

    /// Serial number, lowercase hex without separators.
    public var serial: String
    public var notBefore: Date
    public var notAfter: Date
    /// DNS subject alternative names, lowercased.
    public var dnsNames: Set<String>
    /// Whether `ca` signed it (nil when no CA was given).
    public var signedByCA: Bool?

    /// Parses `certificatePEM` (the first certificate in it) and checks `privateKeyPEM` belongs to it and, when `ca` is
    /// given, that the CA's key signed it.
    public static func inspect(certificatePEM: String, privateKeyPEM: String, ca: CertificateAuthority?) -> Result<CertificateInspection, Problem> {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM) else { return .failure(.certificateUnparsable) }
        guard let key = try? Certificate.PrivateKey(pemEncoded: privateKeyPEM) else { return .failure(.keyUnparsable) }
        guard key.publicKey == certificate.publicKey else { return .failure(.keyMismatch) }
        var names = Set<String>()
        if let sans = try? certificate.extensions.subjectAlternativeNames {
            for name in sans {
                if case .dnsName(let dns) = name { names.insert(dns.lowercased()) }
            }
        }
        let signed = ca.map {
            $0.certificate.subject == certificate.issuer && $0.certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
        }
        return .success(
            CertificateInspection(
                serial: Hex.text(certificate.serialNumber.bytes), notBefore: certificate.notValidBefore,
                notAfter: certificate.notValidAfter, dnsNames: names, signedByCA: signed
            )
        )
    }

    /// A CA read from its Secret (`tls.crt`, `tls.key`), checked to be a usable CA.
    public struct CertificateAuthority: Sendable, Equatable {
        fileprivate var certificate: Certificate

        /// Parses the CA; nil with the reason when it cannot sign.
        public static func parse(certificatePEM: String, privateKeyPEM: String, now: Date) -> Result<CertificateAuthority, CAProblem> {
            guard let certificate = try? Certificate(pemEncoded: certificatePEM),
                let key = try? Certificate.PrivateKey(pemEncoded: privateKeyPEM)
            else { return .failure(.unparsable) }
            guard key.publicKey == certificate.publicKey else { return .failure(.keyMismatch) }
            guard let constraints = try? certificate.extensions.basicConstraints, case .isCertificateAuthority = constraints else {
                return .failure(.notACertificateAuthority)
            }
            guard certificate.notValidAfter > now else { return .failure(.expired) }
            return .success(CertificateAuthority(certificate: certificate))
        }

        /// When the CA itself expires.
        public var notAfter: Date { certificate.notValidAfter }
    }

    /// Why a CA Secret cannot be used.
    public enum CAProblem: String, Error, Sendable, Equatable {
        case unparsable, keyMismatch, notACertificateAuthority, expired
    }

    /// A stable short digest of Secret content, for naming its backup copy.
    public static func digest(_ parts: [String]) -> String {
        var hasher = SHA256()
        for part in parts { hasher.update(data: Data("\(part.utf8.count):\(part)".utf8)) }
        return Hex.text(hasher.finalize().prefix(5))
    }
}
