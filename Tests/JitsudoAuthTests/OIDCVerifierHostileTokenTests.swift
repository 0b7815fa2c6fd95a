import Crypto
import Foundation
import JitsudoAuth
import Testing
import _CryptoExtras

@Suite struct OIDCVerifierHostileTokenTests {
    let now = VerifierFixture.now

    @Test func validRSAAndECTokensAreAccepted() async throws {
        try await VerifierFixture.run { f in
            let identity = try await f.verifier.verify(bearerToken: f.rsa.token(kid: "rsa-1", claims: f.claims()), now: now)
            #expect(identity.email == "alice@example.com")
            #expect(identity.subject == "user-1")
            #expect(identity.groups == ["dev", "jitsudo-admins"])
            #expect(identity.issuer == f.issuer)
            #expect(identity.expiresAt == now.addingTimeInterval(300))
            let ec = try await f.verifier.verify(bearerToken: f.ec.token(kid: "ec-1", claims: f.claims()), now: now)
            #expect(ec.email == "alice@example.com")
        }
    }

    @Test func tokensWithinLeewayAreAccepted() async throws {
        try await VerifierFixture.run { f in
            let t = Int(now.timeIntervalSince1970)
            let claims = f.claims(["exp": t - 30, "nbf": t + 30, "iat": t + 30, "aud": ["other", "jitsudo-cli"]])
            _ = try await f.verifier.verify(bearerToken: f.rsa.token(kid: "rsa-1", claims: claims), now: now)
        }
    }

    @Test func algNoneIsRefused() async throws {
        try await VerifierFixture.run { f in
            let token = TokenFactory.b64(TokenFactory.json(["alg": "none"])) + "." + TokenFactory.b64(TokenFactory.json(f.claims())) + "."
            await #expect(throws: AuthError(.unsupportedAlgorithm, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
            let signed = TokenFactory.b64(TokenFactory.json(["alg": "none"])) + "." + TokenFactory.b64(TokenFactory.json(f.claims())) + ".AAAA"
            await #expect(throws: AuthError(.unsupportedAlgorithm, "")) { try await f.verifier.verify(bearerToken: signed, now: now) }
        }
    }

    @Test func hs256SignedWithThePublicKeyIsRefused() async throws {
        try await VerifierFixture.run(keys: { rsa, _ in
            // Even an `oct` key in the JWKS never enables HMAC.
            [try rsa.jwk(kid: "rsa-1"), ["kty": "oct", "kid": "hmac", "k": TokenFactory.b64(Data("secret".utf8))]]
        }) { f in
            let publicPEM = Data(f.rsa.key.publicKey.pemRepresentation.utf8)
            for kid in ["rsa-1", "hmac"] {
                let token = TokenFactory.token(header: ["alg": "HS256", "kid": kid], claims: f.claims()) { input in
                    Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: publicPEM)))
                }
                await #expect(throws: AuthError(.unsupportedAlgorithm, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
            }
        }
    }

    @Test func algorithmNotPublishedByTheIssuerIsRefused() async throws {
        try await VerifierFixture.run(algorithms: ["RS256"]) { f in
            let token = try f.ec.token(kid: "ec-1", claims: f.claims())
            await #expect(throws: AuthError(.unsupportedAlgorithm, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
        }
    }

    @Test func wrongIssuerIsRefused() async throws {
        try await VerifierFixture.run { f in
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims(["iss": "https://evil.example"]))
            await #expect(throws: AuthError(.wrongIssuer, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
        }
    }

    @Test func wrongAudienceIsRefused() async throws {
        try await VerifierFixture.run { f in
            for aud: Any in ["other-client", ["a", "b"], [String]()] {
                let token = try f.rsa.token(kid: "rsa-1", claims: f.claims(["aud": aud]))
                await #expect(throws: AuthError(.wrongAudience, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
            }
        }
    }

    @Test func expiredBeyondLeewayIsRefused() async throws {
        try await VerifierFixture.run { f in
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims(["exp": Int(now.timeIntervalSince1970) - 61]))
            await #expect(throws: AuthError(.expired, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
        }
    }

    @Test func nbfOrIatInTheFutureIsRefused() async throws {
        try await VerifierFixture.run { f in
            let later = Int(now.timeIntervalSince1970) + 120
            for claim in ["nbf", "iat"] {
                let token = try f.rsa.token(kid: "rsa-1", claims: f.claims([claim: later, "exp": later + 300]))
                await #expect(throws: AuthError(.notYetValid, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
            }
        }
    }

    @Test func missingOrEmptyEmailIsRefused() async throws {
        try await VerifierFixture.run { f in
            for email: Any? in [nil, "", "  ", 42] {
                let token = try f.rsa.token(kid: "rsa-1", claims: f.claims(["email": email]))
                do {
                    _ = try await f.verifier.verify(bearerToken: token, now: now)
                    Issue.record("accepted a token without a usable email")
                } catch let error as AuthError {
                    #expect(error.code == .missingEmail)
                    #expect(error.message == "token has no email claim")
                }
            }
        }
    }

    @Test func tamperedPayloadOrSignatureIsRefused() async throws {
        try await VerifierFixture.run { f in
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims())
            let parts = token.split(separator: ".").map(String.init)
            let forged = TokenFactory.b64(TokenFactory.json(f.claims(["email": "mallory@example.com"])))
            let tamperedPayload = [parts[0], forged, parts[2]].joined(separator: ".")
            await #expect(throws: AuthError(.invalidSignature, "")) { try await f.verifier.verify(bearerToken: tamperedPayload, now: now) }
            var signature = Data(base64Encoded: Self.pad(parts[2]))!
            signature[10] ^= 0x01
            let tamperedSignature = [parts[0], parts[1], TokenFactory.b64(signature)].joined(separator: ".")
            await #expect(throws: AuthError(.invalidSignature, "")) { try await f.verifier.verify(bearerToken: tamperedSignature, now: now) }
        }
    }

    @Test func keyOfTheWrongTypeIsRefused() async throws {
        try await VerifierFixture.run { f in
            // An ES256 token naming the RSA key's kid, and an RS256 token naming the EC key's kid.
            let es = try f.ec.token(kid: "rsa-1", claims: f.claims())
            await #expect(throws: AuthError(.invalidSignature, "")) { try await f.verifier.verify(bearerToken: es, now: now) }
            let rs = try f.rsa.token(kid: "ec-1", claims: f.claims())
            await #expect(throws: AuthError(.invalidSignature, "")) { try await f.verifier.verify(bearerToken: rs, now: now) }
        }
    }

    @Test func malformedTokensAreRefused() async throws {
        try await VerifierFixture.run { f in
            let good = try f.rsa.token(kid: "rsa-1", claims: f.claims())
            let parts = good.split(separator: ".").map(String.init)
            let cases = [
                parts[0] + "." + parts[1],  // two segments
                good + ".extra",  // four segments
                parts[0] + ".@@not-base64@@." + parts[2],
                parts[0] + "." + parts[1] + "==." + parts[2],  // padding is not base64url
                TokenFactory.b64(Data("not json".utf8)) + "." + parts[1] + "." + parts[2],
                parts[0] + "." + TokenFactory.b64(Data("[1,2]".utf8)) + "." + parts[2],
                parts[0] + "." + parts[1] + ".",
            ]
            for token in cases {
                await #expect(throws: AuthError(.malformedToken, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
            }
        }
    }

    @Test func oversizedTokenIsRefusedBeforeParsing() async throws {
        try await VerifierFixture.run { f in
            let padding = String(repeating: "x", count: 17 * 1024)
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims(["padding": padding]))
            await #expect(throws: AuthError(.malformedToken, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
            #expect(f.documents.jwksFetches == 0)
        }
    }

    @Test func critHeaderIsRefused() async throws {
        try await VerifierFixture.run { f in
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims(), extraHeader: ["crit": ["exp"], "exp": 1])
            await #expect(throws: AuthError(.malformedToken, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
        }
    }

    @Test func customGroupsClaimAndAbsentGroups() async throws {
        try await VerifierFixture.run(configure: { $0.groupsClaim = "roles" }) { f in
            let withRoles = try f.rsa.token(kid: "rsa-1", claims: f.claims(["roles": ["ops"]]))
            #expect(try await f.verifier.verify(bearerToken: withRoles, now: now).groups == ["ops"])
            let without = try f.rsa.token(kid: "rsa-1", claims: f.claims())
            #expect(try await f.verifier.verify(bearerToken: without, now: now).groups == [])
        }
    }

    static func pad(_ s: String) -> String {
        let b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return b + String(repeating: "=", count: (4 - b.count % 4) % 4)
    }
}
