@testable import AzureClient
import Crypto
import Foundation
import Testing
import _CryptoExtras

/// The client assertion is checked here with the certificate's public key; the fake checks it the way Entra does in
/// AzureIntegrationTests.
@Suite struct ClientAssertionTests {
    /// A throwaway key and a "certificate" block: the thumbprints are over whatever DER the block holds.
    static func material() throws -> (pem: String, key: _RSA.Signing.PrivateKey, der: Data) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let der = Data((0..<64).map { UInt8($0) })
        let pem = key.pemRepresentation + "\n-----BEGIN CERTIFICATE-----\n\(der.base64EncodedString())\n-----END CERTIFICATE-----\n"
        return (pem, key, der)
    }

    func parts(_ jwt: String) throws -> (header: [String: Any], claims: [String: Any], input: Data, signature: Data) {
        let pieces = jwt.split(separator: ".").map(String.init)
        try #require(pieces.count == 3)
        let header = try JSONSerialization.jsonObject(with: try #require(Base64URL.decode(pieces[0]))) as? [String: Any] ?? [:]
        let claims = try JSONSerialization.jsonObject(with: try #require(Base64URL.decode(pieces[1]))) as? [String: Any] ?? [:]
        return (header, claims, Data((pieces[0] + "." + pieces[1]).utf8), try #require(Base64URL.decode(pieces[2])))
    }

    @Test func ps256AssertionCarriesTheSHA256ThumbprintAndVerifiesWithThePublicKey() throws {
        let (pem, key, der) = try Self.material()
        let certificate = try ClientCertificate(pem: pem)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let jwt = try certificate.assertion(clientID: "client", audience: "https://login/t/oauth2/v2.0/token", now: now, jwtID: "j1")
        let (header, claims, input, signature) = try parts(jwt)
        #expect(header["alg"] as? String == "PS256")
        #expect(header["x5t#S256"] as? String == Base64URL.encode(Data(SHA256.hash(data: der))))
        #expect(claims["aud"] as? String == "https://login/t/oauth2/v2.0/token")
        #expect(claims["iss"] as? String == "client" && claims["sub"] as? String == "client" && claims["jti"] as? String == "j1")
        #expect(claims["exp"] as? Int == 1_700_000_600 && claims["nbf"] as? Int == 1_700_000_000)
        #expect(key.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .PSS))
        var tampered = input
        tampered[0] ^= 1
        #expect(!key.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: tampered, padding: .PSS))
    }

    @Test func rs256AssertionCarriesTheSHA1Thumbprint() throws {
        let (pem, key, der) = try Self.material()
        let certificate = try ClientCertificate(pem: pem, algorithm: .rs256)
        let jwt = try certificate.assertion(clientID: "c", audience: "a", now: Date(), jwtID: "j")
        let (header, _, input, signature) = try parts(jwt)
        #expect(header["alg"] as? String == "RS256" && header["x5t"] as? String == Base64URL.encode(Data(Insecure.SHA1.hash(data: der))))
        #expect(key.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5))
    }

    @Test func aPEMWithoutKeyOrCertificateIsRefusedWithWhatIsMissing() throws {
        let (pem, _, _) = try Self.material()
        let keyOnly = String(pem[..<pem.range(of: "-----BEGIN CERTIFICATE-----")!.lowerBound])
        #expect(throws: AzureError(.authentication, "")) { try ClientCertificate(pem: keyOnly) }
        let certificateOnly = String(pem[pem.range(of: "-----BEGIN CERTIFICATE-----")!.lowerBound...])
        #expect(throws: AzureError(.authentication, "")) { try ClientCertificate(pem: certificateOnly) }
    }

    @Test func credentialsDescribeThemselvesWithoutTheirSecret() throws {
        #expect("\(AzureCredential.secret("hunter2"))" == "client secret")
        let file = NSTemporaryDirectory() + "azure-federated-\(UUID().uuidString)"
        try "token-1\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fields = try AzureCredential.federatedTokenFile(file).formFields(clientID: "c", tokenEndpoint: "e", now: Date())
        #expect(fields.map(\.0) == ["client_assertion_type", "client_assertion"] && fields.last?.1 == "token-1")
        #expect(throws: AzureError(.authentication, "")) {
            try AzureCredential.federatedTokenFile(file + ".missing").formFields(clientID: "c", tokenEndpoint: "e", now: Date())
        }
    }
}
