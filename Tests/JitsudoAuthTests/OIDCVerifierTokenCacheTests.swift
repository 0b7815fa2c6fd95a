import Foundation
import JitsudoAuth
import Testing

/// A token verified once is answered from the verifier's memory only as a full verification would answer it then:
/// its time claims are checked again, a withdrawn key stops verifying it at the next key refresh, and nothing but the
/// exact token matches.
@Suite struct OIDCVerifierTokenCacheTests {
    let now = VerifierFixture.now

    @Test func aRememberedTokenIsRefusedOnceItsKeyIsWithdrawn() async throws {
        try await VerifierFixture.run(configure: { $0.jwksRefreshInterval = 600 }) { f in
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims(["exp": Int(now.timeIntervalSince1970) + 3_600]))
            #expect(try await f.verifier.verify(bearerToken: token, now: now).email == "alice@example.com")
            f.documents.set(jwks: TokenFactory.json(["keys": [try RSATestKey().jwk(kid: "rsa-2")]]))
            #expect(try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(599)).email == "alice@example.com")
            #expect(f.documents.jwksFetches == 1, "within the refresh interval the keys are current")
            await #expect(throws: AuthError(.invalidSignature, "")) {
                try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(601))
            }
            #expect(f.documents.jwksFetches == 2)
        }
    }

    @Test func aRememberedTokenExpiresWhenItsClaimsSay() async throws {
        try await VerifierFixture.run { f in
            let leeway = await f.verifier.configuration.leeway
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims())  // exp = now + 300
            _ = try await f.verifier.verify(bearerToken: token, now: now)
            #expect(try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(299 + leeway)).email == "alice@example.com")
            await #expect(throws: AuthError(.expired, "")) {
                try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(300 + leeway))
            }
            // And a clock set back before its iat is not answered from memory either.
            let fresh = try f.rsa.token(kid: "rsa-1", claims: f.claims(["sub": "user-2"]))
            _ = try await f.verifier.verify(bearerToken: fresh, now: now)
            await #expect(throws: AuthError(.notYetValid, "")) {
                try await f.verifier.verify(bearerToken: fresh, now: now.addingTimeInterval(-leeway - 1))
            }
        }
    }

    @Test func aTokenNotYetValidIsRefusedThenAcceptedOnTime() async throws {
        try await VerifierFixture.run { f in
            let leeway = await f.verifier.configuration.leeway
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims(["nbf": Int(now.timeIntervalSince1970) + 100]))
            await #expect(throws: AuthError(.notYetValid, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
            #expect(try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(100 - leeway)).subject == "user-1")
            await #expect(throws: AuthError(.notYetValid, "")) {
                try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(99 - leeway))
            }
        }
    }

    @Test func onlyTheExactTokenIsRemembered() async throws {
        try await VerifierFixture.run { f in
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims())
            _ = try await f.verifier.verify(bearerToken: token, now: now)
            var altered = Array(token)
            altered[altered.count - 2] = altered[altered.count - 2] == "A" ? "B" : "A"
            await #expect(throws: AuthError(.invalidSignature, "")) { try await f.verifier.verify(bearerToken: String(altered), now: now) }
            let otherClaims = try f.rsa.token(kid: "rsa-1", claims: f.claims(["email": "mallory@example.com"]))
            #expect(try await f.verifier.verify(bearerToken: otherClaims, now: now).email == "mallory@example.com")
            #expect(try await f.verifier.verify(bearerToken: token, now: now).email == "alice@example.com")
        }
    }
}
