import Foundation
import JitsudoAuth
import Logging

/// A served issuer with an RSA key (`kid` "rsa-1") and an EC key (`kid` "ec-1"), and a verifier pointed at it.
struct VerifierFixture {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    let issuer: String
    let documents: ServedDocuments
    let rsa: RSATestKey
    let ec: ECTestKey
    let verifier: OIDCVerifier

    func claims(_ overrides: [String: Any?] = [:]) -> [String: Any] {
        TokenFactory.claims(issuer: issuer, now: Self.now, overrides: overrides)
    }

    static func run(
        keys: ((RSATestKey, ECTestKey) throws -> [[String: Any]])? = nil,
        algorithms: [String] = ["RS256", "ES256"],
        configure: (inout OIDCConfiguration) -> Void = { _ in },
        _ body: (VerifierFixture) async throws -> Void
    ) async throws {
        let rsa = try RSATestKey()
        let ec = ECTestKey()
        let documents = ServedDocuments()
        try await withLocalIssuerServer(documents) { baseURL in
            let jwks = try keys?(rsa, ec) ?? [rsa.jwk(kid: "rsa-1"), ec.jwk(kid: "ec-1")]
            documents.set(
                discovery: ServedDocuments.discovery(issuer: baseURL, algorithms: algorithms),
                jwks: TokenFactory.json(["keys": jwks])
            )
            var configuration = OIDCConfiguration(issuer: baseURL)
            configure(&configuration)
            let verifier = OIDCVerifier(configuration: configuration, logger: Logger(label: "test"))
            try await body(VerifierFixture(issuer: baseURL, documents: documents, rsa: rsa, ec: ec, verifier: verifier))
        }
    }
}
