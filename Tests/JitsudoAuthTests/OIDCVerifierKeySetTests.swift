import Foundation
import JitsudoAuth
import Logging
import Testing

@Suite struct OIDCVerifierKeySetTests {
    let now = VerifierFixture.now

    @Test func jwksWithoutKidTriesEachKeyOfTheMatchingType() async throws {
        let other = try RSATestKey()
        try await VerifierFixture.run(keys: { rsa, ec in [try other.jwk(kid: nil), ec.jwk(kid: nil), try rsa.jwk(kid: nil)] }) { f in
            let rs = try f.rsa.token(kid: nil, claims: f.claims())
            #expect(try await f.verifier.verify(bearerToken: rs, now: now).email == "alice@example.com")
            let es = try f.ec.token(kid: nil, claims: f.claims())
            #expect(try await f.verifier.verify(bearerToken: es, now: now).email == "alice@example.com")
            let stranger = try RSATestKey().token(kid: nil, claims: f.claims())
            await #expect(throws: AuthError(.invalidSignature, "")) { try await f.verifier.verify(bearerToken: stranger, now: now) }
        }
    }

    @Test func keysAreCachedBetweenVerifications() async throws {
        try await VerifierFixture.run { f in
            for offset in 0..<5 {
                _ = try await f.verifier.verify(
                    bearerToken: f.rsa.token(kid: "rsa-1", claims: f.claims()), now: now.addingTimeInterval(Double(offset))
                )
            }
            #expect(f.documents.jwksFetches == 1)
        }
    }

    @Test func unknownKidAfterRotationRefreshesTheKeys() async throws {
        try await VerifierFixture.run { f in
            _ = try await f.verifier.verify(bearerToken: f.rsa.token(kid: "rsa-1", claims: f.claims()), now: now)
            let rotated = try RSATestKey()
            f.documents.set(jwks: TokenFactory.json(["keys": [try rotated.jwk(kid: "rsa-2")]]))
            let later = now.addingTimeInterval(11)
            let token = try rotated.token(kid: "rsa-2", claims: f.claims())
            #expect(try await f.verifier.verify(bearerToken: token, now: later).email == "alice@example.com")
            #expect(f.documents.jwksFetches == 2)
        }
    }

    @Test func unknownKidRefreshesAtMostOncePerInterval() async throws {
        try await VerifierFixture.run { f in
            _ = try await f.verifier.verify(bearerToken: f.rsa.token(kid: "rsa-1", claims: f.claims()), now: now)
            let stranger = try RSATestKey()
            let token = try stranger.token(kid: "nobody", claims: f.claims())
            for second in 0..<5 {
                await #expect(throws: AuthError(.invalidSignature, "")) {
                    try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(Double(second)))
                }
            }
            #expect(f.documents.jwksFetches == 1)
            await #expect(throws: AuthError(.invalidSignature, "")) {
                try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(10))
            }
            #expect(f.documents.jwksFetches == 2)
        }
    }

    @Test func keysAreRefreshedPeriodically() async throws {
        try await VerifierFixture.run(configure: { $0.jwksRefreshInterval = 600 }) { f in
            _ = try await f.verifier.verify(bearerToken: f.rsa.token(kid: "rsa-1", claims: f.claims()), now: now)
            // The old key is withdrawn; after the refresh interval it no longer verifies.
            f.documents.set(jwks: TokenFactory.json(["keys": [try RSATestKey().jwk(kid: "rsa-2")]]))
            let later = now.addingTimeInterval(601)
            let token = try f.rsa.token(kid: "rsa-1", claims: TokenFactory.claims(issuer: f.issuer, now: later))
            await #expect(throws: AuthError(.invalidSignature, "")) { try await f.verifier.verify(bearerToken: token, now: later) }
            #expect(f.documents.jwksFetches == 2)
        }
    }

    @Test func identityProviderDownIsUnavailableAndRetriedLater() async throws {
        try await VerifierFixture.run { f in
            f.documents.setAvailable(false)
            let token = try f.rsa.token(kid: "rsa-1", claims: f.claims())
            await #expect(throws: AuthError(.identityProviderUnavailable, "")) { try await f.verifier.verify(bearerToken: token, now: now) }
            f.documents.setAvailable(true)
            // Within the re-fetch interval the verifier does not hammer the provider.
            await #expect(throws: AuthError(.identityProviderUnavailable, "")) {
                try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(1))
            }
            let identity = try await f.verifier.verify(bearerToken: token, now: now.addingTimeInterval(10))
            #expect(identity.email == "alice@example.com")
        }
    }

    @Test func unreachableIssuerDoesNotBlockCreation() async throws {
        let verifier = OIDCVerifier(
            configuration: OIDCConfiguration(issuer: "http://127.0.0.1:1", fetchTimeout: 2), logger: Logger(label: "test")
        )
        let token = try RSATestKey().token(kid: nil, claims: TokenFactory.claims(issuer: "http://127.0.0.1:1", now: now))
        await #expect(throws: AuthError(.identityProviderUnavailable, "")) { try await verifier.verify(bearerToken: token, now: now) }
    }

    @Test func configuredDiscoveryURLStillRequiresTheConfiguredIssuer() async throws {
        let documents = ServedDocuments()
        let rsa = try RSATestKey()
        try await withLocalIssuerServer(documents) { baseURL in
            documents.set(
                discovery: TokenFactory.json(["issuer": baseURL, "jwks_uri": baseURL + "/jwks"]),
                jwks: TokenFactory.json(["keys": [try rsa.jwk(kid: "k")]])
            )
            let configuration = OIDCConfiguration(
                issuer: "https://login.example.com", discoveryURL: baseURL + "/.well-known/openid-configuration"
            )
            let verifier = OIDCVerifier(configuration: configuration, logger: Logger(label: "test"))
            let good = try rsa.token(kid: "k", claims: TokenFactory.claims(issuer: "https://login.example.com", now: now))
            #expect(try await verifier.verify(bearerToken: good, now: now).issuer == "https://login.example.com")
            let bad = try rsa.token(kid: "k", claims: TokenFactory.claims(issuer: baseURL, now: now))
            await #expect(throws: AuthError(.wrongIssuer, "")) { try await verifier.verify(bearerToken: bad, now: now) }
        }
    }
}
