import _CryptoExtras
import Foundation
import GoogleCloudClient
import JWTKit
import Testing

@Suite struct ServiceAccountKeyTests {
    static func keyFile(_ key: _RSA.Signing.PrivateKey, email: String = "jitsudo@p.iam.gserviceaccount.com") -> String {
        let object: [String: String] = [
            "type": "service_account", "client_email": email, "private_key_id": "kid-1", "private_key": key.pkcs8PEMRepresentation,
            "token_uri": "https://oauth2.googleapis.com/token",
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func theAssertionIsAnRS256JWTVerifiableWithThePublicHalf() async throws {
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = try ServiceAccountKey(json: Array(Self.keyFile(privateKey).utf8))
        let now = Date()
        let jwt = try await key.assertion(audience: ServiceAccountKey.tokenAudience, scopes: ["a", "b"], now: now)
        let verifier = JWTKeyCollection()
        await verifier.add(
            rsa: try Insecure.RSA.PublicKey(pem: privateKey.publicKey.pemRepresentation), digestAlgorithm: .sha256,
            kid: JWKIdentifier(string: "kid-1"))
        let claims = try await verifier.verify(jwt, as: ServiceAccountKey.Claims.self)
        #expect(claims.iss == "jitsudo@p.iam.gserviceaccount.com" && claims.aud == "https://oauth2.googleapis.com/token")
        #expect(claims.scope == "a b" && claims.exp - claims.iat == 3600 && claims.iat == Int(now.timeIntervalSince1970))
        var encoded = String(jwt.split(separator: ".")[0]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        encoded += String(repeating: "=", count: (4 - encoded.count % 4) % 4)
        let header = try #require(Data(base64Encoded: encoded))
        #expect(String(decoding: header, as: UTF8.self).contains("\"kid\":\"kid-1\""))

        let stranger = JWTKeyCollection()
        await stranger.add(
            rsa: try Insecure.RSA.PublicKey(pem: try _RSA.Signing.PrivateKey(keySize: .bits2048).publicKey.pemRepresentation),
            digestAlgorithm: .sha256, kid: JWKIdentifier(string: "kid-1"))
        await #expect(throws: (any Error).self) { try await stranger.verify(jwt, as: ServiceAccountKey.Claims.self) }
    }

    @Test func badKeyFilesNameTheProblemButNeverTheKey() throws {
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let good = Self.keyFile(privateKey)
        let cases = [
            ("not json", "not JSON"),
            (good.replacingOccurrences(of: "service_account", with: "authorized_user"), "type"),
            (good.replacingOccurrences(of: "BEGIN PRIVATE KEY", with: "BEGIN NOTHING"), "private_key"),
            (#"{"type":"service_account","private_key":"x"}"#, "client_email"),
        ]
        for (json, mentioned) in cases {
            let error = #expect(throws: GoogleCloudError.self) { try ServiceAccountKey(json: Array(json.utf8)) }
            #expect(error?.code == .credentials && error?.message.contains(mentioned) == true, "\(mentioned)")
            #expect(error?.message.contains("MII") == false)
        }
        #expect(!(try ServiceAccountKey(json: Array(good.utf8))).description.contains("PRIVATE"))
    }
}
