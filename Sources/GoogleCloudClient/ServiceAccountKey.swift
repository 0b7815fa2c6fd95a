public import Foundation
public import JWTKit

/// A service-account key file as the Cloud console downloads it (`"type": "service_account"`), and the RS256
/// JWT-bearer assertion (RFC 7523) that exchanges it for an access token. The private key never leaves this type.
public struct ServiceAccountKey: Sendable, CustomStringConvertible {
    public let clientEmail: String
    public let privateKeyID: String
    /// The token endpoint the key names (`token_uri`); empty when the file names none.
    public let tokenURI: String
    let privateKey: Insecure.RSA.PrivateKey

    /// Reads a key file's JSON.
    ///
    /// - Throws: ``GoogleCloudError`` `credentials` naming the missing or malformed member (never its value).
    public init(json: some Collection<UInt8>) throws(GoogleCloudError) {
        let document: JSONValue
        do { document = try JSONValue.parse(json) } catch {
            throw GoogleCloudError(.credentials, "the service-account key file is not JSON")
        }
        guard document["type"]?.stringValue == "service_account" else {
            throw GoogleCloudError(.credentials, "the key file's type is not service_account")
        }
        guard let email = document["client_email"]?.stringValue, !email.isEmpty else {
            throw GoogleCloudError(.credentials, "the service-account key file has no client_email")
        }
        guard let pem = document["private_key"]?.stringValue, let key = try? Insecure.RSA.PrivateKey(pem: pem) else {
            throw GoogleCloudError(.credentials, "the service-account key file's private_key is not an RSA private key in PEM form")
        }
        clientEmail = email
        privateKeyID = document["private_key_id"]?.stringValue ?? ""
        tokenURI = document["token_uri"]?.stringValue ?? ""
        privateKey = key
    }

    public var description: String { "service account \(clientEmail) (key \(privateKeyID))" }

    /// The audience Google's token endpoint requires, wherever the assertion is posted (as google-auth sends it).
    public static let tokenAudience = "https://oauth2.googleapis.com/token"

    /// The claims of the assertion: issued by and for the service account, for `audience` (the token endpoint),
    /// asking for `scopes`, valid from `now` for `lifetime` seconds (Google accepts at most one hour).
    public struct Claims: JWTPayload, Hashable {
        public var iss: String
        public var sub: String
        public var aud: String
        public var scope: String
        public var iat: Int
        public var exp: Int

        public func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// The claims for an assertion made at `now` (pure).
    public func claims(audience: String, scopes: [String], now: Date, lifetime: Int = 3600) -> Claims {
        let issued = Int(now.timeIntervalSince1970)
        return Claims(
            iss: clientEmail, sub: clientEmail, aud: audience, scope: scopes.joined(separator: " "), iat: issued,
            exp: issued + lifetime)
    }

    /// The signed assertion (`header.claims.signature`, RS256, `kid` = the key id).
    public func assertion(audience: String, scopes: [String], now: Date) async throws(GoogleCloudError) -> String {
        let keys = JWTKeyCollection()
        let kid = privateKeyID.isEmpty ? nil : JWKIdentifier(string: privateKeyID)
        await keys.add(rsa: privateKey, digestAlgorithm: .sha256, kid: kid)
        do {
            return try await keys.sign(claims(audience: audience, scopes: scopes, now: now), kid: kid)
        } catch {
            throw GoogleCloudError(.credentials, "cannot sign the JWT-bearer assertion with the service-account key")
        }
    }
}
