import Crypto
public import Foundation
public import NIOSSL
public import X509
import _CryptoExtras
// SwiftASN1 (PEM) comes with swift-certificates; X509 does not re-export it.
import SwiftASN1

/// A PEM certificate chain and its private key (RSA or EC), checked to belong together and to be valid now.
public struct CertificateKeyPair: Sendable {
    /// The chain, leaf first, for NIOSSL.
    public let chain: [NIOSSLCertificate]
    public let privateKey: NIOSSLPrivateKey
    /// The parsed leaf certificate (serial, subject, names, validity).
    public let leaf: Certificate
    /// SHA-256 over the raw file contents; changes whenever either file changes.
    public let fingerprint: Data

    /// Parses PEM contents. `now` decides expiry; pass the current time.
    public init(certificatePEM: Data, keyPEM: Data, now: Date, source: String = "certificate") throws {
        let text = String(decoding: certificatePEM, as: UTF8.self)
        let chain: [NIOSSLCertificate]
        let leaf: Certificate
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM))
            guard !chain.isEmpty else { throw TLSLoadError(.invalidCertificate, "\(source): no PEM certificate found") }
            guard let first = Self.firstPEMBlock(text, label: "CERTIFICATE") else {
                throw TLSLoadError(.invalidCertificate, "\(source): no PEM certificate found")
            }
            leaf = try Certificate(pemEncoded: first)
        } catch let error as TLSLoadError {
            throw error
        } catch {
            throw TLSLoadError(.invalidCertificate, "\(source): not a valid PEM certificate chain")
        }
        let keyText = String(decoding: keyPEM, as: UTF8.self)
        let key: Certificate.PrivateKey
        let nioKey: NIOSSLPrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyText)
            nioKey = try NIOSSLPrivateKey(bytes: Array(keyPEM), format: .pem)
        } catch {
            throw TLSLoadError(.invalidKey, "\(source): key file is not a valid PEM RSA or EC private key")
        }
        guard key.publicKey == leaf.publicKey else {
            throw TLSLoadError(.keyMismatch, "\(source): private key does not match the certificate")
        }
        guard leaf.notValidAfter > now else {
            throw TLSLoadError(.expired, "\(source): certificate expired at \(leaf.notValidAfter)")
        }
        guard leaf.notValidBefore <= now.addingTimeInterval(300) else {
            throw TLSLoadError(.notYetValid, "\(source): certificate is not valid before \(leaf.notValidBefore)")
        }
        self.chain = chain
        self.privateKey = nioKey
        self.leaf = leaf
        var hasher = SHA256()
        hasher.update(data: certificatePEM)
        hasher.update(data: keyPEM)
        self.fingerprint = Data(hasher.finalize())
    }

    /// Reads and parses the two files.
    public static func load(certificatePath: String, keyPath: String, now: Date) throws -> CertificateKeyPair {
        let certificate = try readFile(certificatePath)
        let key = try readFile(keyPath)
        return try CertificateKeyPair(certificatePEM: certificate, keyPEM: key, now: now, source: certificatePath)
    }

    /// Parses a PEM bundle of CA certificates (for client-certificate verification).
    public static func loadCertificates(path: String) throws -> [NIOSSLCertificate] {
        let data = try readFile(path)
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(data)), !certificates.isEmpty else {
            throw TLSLoadError(.invalidClientCA, "\(path): no PEM certificate found")
        }
        return certificates
    }

    /// The first `-----BEGIN <label>-----` … `-----END <label>-----` block of a PEM text.
    static func firstPEMBlock(_ text: String, label: String) -> String? {
        guard let begin = text.range(of: "-----BEGIN \(label)-----"),
            let end = text.range(of: "-----END \(label)-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        return String(text[begin.lowerBound..<end.upperBound]) + "\n"
    }

    static func readFile(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSLoadError(.unreadableFile, "\(path): file is missing or unreadable")
        }
        return data
    }
}
