// libFuzzer target: what an API caller controls before anything is trusted. The Authorization header (BearerToken),
// the compact JWS in it (CompactJWS: base64url segments, JSON header and claims), its signature checked against an
// issuer's keys (JSONWebKey: RSA, P-256, P-384) and the registered claims (TokenClaims); and an issuer's JWKS
// document, which is untrusted input too. Checked beyond "does not crash": a parsed token's algorithm is one jitsudod
// accepts (never `none` or a symmetric one), and an identity taken from a verified token has an email and a subject.
// The P-256 key is fixed (private scalar 0x01…0x20) so seeds signed with it (scripts/libfuzzer.sh) verify and the
// fuzzer reaches the claims check. Compiled with those JitsudoAuth sources by scripts/libfuzzer.sh (linked against the
// release build's swift-crypto); not a package target.
import Foundation

private let issuerKeys = Data(
    """
    {"keys":[
      {"kty":"EC","crv":"P-256","kid":"ec","alg":"ES256","use":"sig",
       "x":"UVw9brnjlrkE0_7Kf1T9zQzB6Ze_N13KUVrQpsO0A18","y":"RTa-OlDzGPv5pUdZAqIhUCvvDVfgjFOyzApW8X2fk1Q"},
      {"kty":"RSA","kid":"rsa","e":"AQAB",
       "n":"1PLpkgYcqGPVAgKNGw6NOtOBDZ_BcfqPsNwu0qOcKzBFNWOVV7lzlvkMWLmYW_rCQYsloGbJ8AniVbMl1LlZCb7lndrVtFSURzceMXU4hBHz3CPuvTRec9fb1l6RRGTBR17X9ujIKVuFKD7PgTeVfrIbSeXilmKYp0XLUiL9MmAA0vcvRg_HDZON__JWyVihqTYtyFLuC0KbCPBhg_WlUT2XHyN7t1EEJzeugPYg2bvKyn-hDPSNre5CengWlOJyKYij4aj-ul9LmfHu5unWKngLaqg99G94gEtyco_gE6UoCJKhnfUK4IGwKEC5T_P8hqOYjGEy1pbkAka6qm5EAQ"},
      {"kty":"oct","k":"c2VjcmV0"}
    ]}
    """.utf8)
private let keys: [JSONWebKey] = {
    guard let set = try? JSONWebKey.parseSet(issuerKeys), set.keys.count == 2 else { fatalError("the fixed JWKS must give 2 keys") }
    return set.keys
}()
private let configuration = OIDCConfiguration(issuer: "https://idp.example.com", clientID: "jitsudo-cli")
private let now = Date(timeIntervalSince1970: 1_773_828_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func jwsFuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    _ = try? JSONWebKey.parseSet(data)
    let header = String(decoding: data, as: UTF8.self)
    let token = (try? BearerToken.parse(authorizationHeader: header)) ?? header
    guard let jws = try? CompactJWS(token, maximumLength: configuration.maximumTokenLength) else { return 0 }
    guard OIDCConfiguration.supportedAlgorithms.contains(jws.algorithm) else {
        fatalError("a token with algorithm '\(jws.algorithm)' was parsed")
    }
    for key in keys where key.isValidSignature(jws.signature, for: jws.signingInput, algorithm: jws.algorithm) {
        guard let identity = try? TokenClaims.identity(from: jws.claims, configuration: configuration, now: now) else { continue }
        guard !identity.email.trimmingCharacters(in: .whitespaces).isEmpty, !identity.subject.isEmpty else {
            fatalError("a verified token gave an identity without email or subject: \(identity)")
        }
    }
    return 0
}
