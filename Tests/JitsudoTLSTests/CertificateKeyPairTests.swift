import Foundation
import JitsudoTLS
import Testing
import X509

@Suite struct CertificateKeyPairTests {
    @Test(arguments: [PrivateCA.KeyAlgorithm.p256, .p384, .rsa2048])
    func rsaAndECPairsLoad(algorithm: PrivateCA.KeyAlgorithm) throws {
        let ca = try PrivateCA.generate(algorithm: algorithm)
        let pair = try ca.issue(dnsNames: ["jitsudo.example"], algorithm: algorithm)
        // A chain (leaf + CA) loads with the leaf first.
        let loaded = try CertificateKeyPair(
            certificatePEM: Data((pair.certificatePEM + ca.certificatePEM).utf8), keyPEM: Data(pair.privateKeyPEM.utf8), now: Date()
        )
        #expect(loaded.chain.count == 2)
        #expect(loaded.leaf.serialNumber == pair.certificate.serialNumber)
    }

    @Test func loadErrorsNameTheProblemWithTheDaemonPrefix() throws {
        let ca = try PrivateCA.generate()
        let pair = try ca.issue(dnsNames: ["a"])
        let other = try ca.issue(dnsNames: ["b"])
        let cases: [(String, String, TLSLoadError.Code)] = [
            ("", pair.privateKeyPEM, .invalidCertificate),
            (pair.certificatePEM, "", .invalidKey),
            (pair.certificatePEM, other.privateKeyPEM, .keyMismatch),
        ]
        for (certificate, key, code) in cases {
            do {
                _ = try CertificateKeyPair(certificatePEM: Data(certificate.utf8), keyPEM: Data(key.utf8), now: Date(), source: "server.crt")
                Issue.record("accepted a broken pair (\(code))")
            } catch let error as TLSLoadError {
                #expect(error.code == code)
                #expect(error.description.hasPrefix("TLS: failed to load certificate: server.crt"))
                #expect(!error.description.contains("PRIVATE KEY"))
            }
        }
        #expect(throws: TLSLoadError(.expired, "")) {
            try CertificateKeyPair(
                certificatePEM: Data(pair.certificatePEM.utf8), keyPEM: Data(pair.privateKeyPEM.utf8), now: Date().addingTimeInterval(91 * 86400)
            )
        }
    }
}
