import Foundation
import JitsudoAuth
import JitsudoDevelopment
import Logging
import Testing

@Suite struct DevelopmentIssuerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Serves the issuer's own discovery document and JWKS over a real listener and verifies with OIDCVerifier.
    func withServedIssuer(
        defaultUser: DevelopmentIssuer.User? = nil, automatic: Bool = false,
        _ body: (DevelopmentIssuer, OIDCVerifier) async throws -> Void
    ) async throws {
        let documents = ServedDocuments()
        try await withLocalIssuerServer(documents) { baseURL in
            let issuer = try DevelopmentIssuer(
                configuration: .init(baseURL: baseURL, defaultUser: defaultUser, approvesDefaultUserAutomatically: automatic)
            )
            documents.set(discovery: issuer.discoveryDocument(), jwks: issuer.jwks())
            let verifier = OIDCVerifier(configuration: OIDCConfiguration(issuer: baseURL), logger: Logger(label: "test"))
            try await body(issuer, verifier)
        }
    }

    @Test func discoveryDocumentNamesTheEndpoints() throws {
        let issuer = try DevelopmentIssuer(configuration: .init(baseURL: "http://127.0.0.1:8080/dev/"))
        let doc = try Self.object(issuer.discoveryDocument())
        #expect(doc["issuer"] as? String == "http://127.0.0.1:8080/dev")
        #expect(doc["jwks_uri"] as? String == "http://127.0.0.1:8080/dev/jwks")
        #expect(doc["device_authorization_endpoint"] as? String == "http://127.0.0.1:8080/dev/device/code")
        #expect(doc["token_endpoint"] as? String == "http://127.0.0.1:8080/dev/token")
        #expect(doc["id_token_signing_alg_values_supported"] as? [String] == ["RS256"])
        let keys = try #require(try Self.object(issuer.jwks())["keys"] as? [[String: Any]])
        #expect(keys.count == 1)
        #expect(keys[0]["kty"] as? String == "RSA")
        #expect(keys[0]["d"] == nil)
    }

    @Test func mintedTokensVerifyThroughTheServedDocuments() async throws {
        try await withServedIssuer { issuer, verifier in
            let token = try issuer.mint(email: "dev@example.com", groups: ["jitsudo-admins"], now: now)
            let identity = try await verifier.verify(bearerToken: token, now: now)
            #expect(identity.email == "dev@example.com")
            #expect(identity.groups == ["jitsudo-admins"])
            #expect(identity.subject == "dev@example.com")
            let short = try issuer.mint(email: "dev@example.com", lifetime: 60, now: now)
            await #expect(throws: AuthError(.expired, "")) { try await verifier.verify(bearerToken: short, now: now.addingTimeInterval(121)) }
        }
    }

    @Test func deviceFlowGoesFromPendingToApprovedToTokens() async throws {
        try await withServedIssuer(defaultUser: .init(email: "dev@example.com", groups: ["jitsudo-admins"])) { issuer, verifier in
            let (status, json) = issuer.deviceAuthorization(clientID: "jitsudo-cli", scope: "openid email", now: now)
            #expect(status == 200)
            let auth = try Self.object(json)
            let deviceCode = try #require(auth["device_code"] as? String)
            let userCode = try #require(auth["user_code"] as? String)
            #expect(auth["verification_uri_complete"] as? String == (auth["verification_uri"] as? String ?? "") + "?user_code=" + userCode)
            #expect(auth["interval"] as? Int == 5)
            #expect(auth["expires_in"] as? Int == 600)
            let poll = ["grant_type": DevelopmentIssuer.deviceCodeGrantType, "device_code": deviceCode, "client_id": "jitsudo-cli"]

            let pending = issuer.token(formFields: poll, now: now)
            #expect(pending.status == 400)
            #expect(try Self.object(pending.json)["error"] as? String == "authorization_pending")

            let visited = issuer.verificationPageVisited(userCode: userCode, now: now.addingTimeInterval(6))
            #expect(visited.status == 200)
            let granted = issuer.token(formFields: poll, now: now.addingTimeInterval(10))
            #expect(granted.status == 200)
            let tokens = try Self.object(granted.json)
            let idToken = try #require(tokens["id_token"] as? String)
            let identity = try await verifier.verify(bearerToken: idToken, now: now.addingTimeInterval(10))
            #expect(identity.email == "dev@example.com")
            #expect(identity.groups == ["jitsudo-admins"])

            // The device code is single-use.
            let reused = issuer.token(formFields: poll, now: now.addingTimeInterval(20))
            #expect(try Self.object(reused.json)["error"] as? String == "invalid_grant")

            // Refresh yields a new ID token and rotates the refresh token.
            let refreshToken = try #require(tokens["refresh_token"] as? String)
            let refreshed = issuer.token(formFields: ["grant_type": "refresh_token", "refresh_token": refreshToken], now: now.addingTimeInterval(30))
            #expect(refreshed.status == 200)
            let newToken = try #require(try Self.object(refreshed.json)["id_token"] as? String)
            #expect(try await verifier.verify(bearerToken: newToken, now: now.addingTimeInterval(30)).email == "dev@example.com")
            let replay = issuer.token(formFields: ["grant_type": "refresh_token", "refresh_token": refreshToken], now: now.addingTimeInterval(31))
            #expect(replay.status == 400)
        }
    }

    @Test func pollingFasterThanTheIntervalIsToldToSlowDown() throws {
        let issuer = try DevelopmentIssuer(configuration: .init(baseURL: "http://127.0.0.1:1"))
        let auth = try Self.object(issuer.deviceAuthorization(clientID: "jitsudo-cli", now: now).json)
        let poll = ["grant_type": DevelopmentIssuer.deviceCodeGrantType, "device_code": auth["device_code"] as? String ?? ""]
        #expect(try Self.object(issuer.token(formFields: poll, now: now).json)["error"] as? String == "authorization_pending")
        #expect(try Self.object(issuer.token(formFields: poll, now: now.addingTimeInterval(1)).json)["error"] as? String == "slow_down")
        // The interval grew to 10 s, then 15 s: 6 s later is still too fast, 23 s later is fine.
        #expect(try Self.object(issuer.token(formFields: poll, now: now.addingTimeInterval(7)).json)["error"] as? String == "slow_down")
        #expect(
            try Self.object(issuer.token(formFields: poll, now: now.addingTimeInterval(30)).json)["error"] as? String == "authorization_pending"
        )
    }

    @Test func expiredDeviceCodeIsReportedAndCannotBeApproved() throws {
        let issuer = try DevelopmentIssuer(configuration: .init(baseURL: "http://127.0.0.1:1"))
        let auth = try Self.object(issuer.deviceAuthorization(clientID: "jitsudo-cli", now: now).json)
        let userCode = auth["user_code"] as? String ?? ""
        #expect(!issuer.approve(userCode: userCode, email: "dev@example.com", now: now.addingTimeInterval(601)))
        let poll = ["grant_type": DevelopmentIssuer.deviceCodeGrantType, "device_code": auth["device_code"] as? String ?? ""]
        let expired = issuer.token(formFields: poll, now: now.addingTimeInterval(601))
        #expect(expired.status == 400)
        #expect(try Self.object(expired.json)["error"] as? String == "expired_token")
    }

    @Test func explicitApprovalAndAutomaticApproval() throws {
        let manual = try DevelopmentIssuer(configuration: .init(baseURL: "http://127.0.0.1:1"))
        let auth = try Self.object(manual.deviceAuthorization(clientID: "jitsudo-cli", now: now).json)
        #expect(manual.verificationPageVisited(userCode: auth["user_code"] as? String, now: now).status == 200)
        let poll = ["grant_type": DevelopmentIssuer.deviceCodeGrantType, "device_code": auth["device_code"] as? String ?? ""]
        #expect(manual.token(formFields: poll, now: now).status == 400)
        #expect(manual.approve(userCode: auth["user_code"] as? String ?? "", email: "bob@example.com", groups: ["dev"], now: now))
        #expect(manual.token(formFields: poll, now: now.addingTimeInterval(5)).status == 200)

        let automatic = try DevelopmentIssuer(
            configuration: .init(baseURL: "http://127.0.0.1:1", defaultUser: .init(email: "dev@example.com"), approvesDefaultUserAutomatically: true)
        )
        let autoAuth = try Self.object(automatic.deviceAuthorization(clientID: "jitsudo-cli", now: now).json)
        let autoPoll = ["grant_type": DevelopmentIssuer.deviceCodeGrantType, "device_code": autoAuth["device_code"] as? String ?? ""]
        #expect(automatic.token(formFields: autoPoll, now: now).status == 200)
    }

    @Test func unknownClientAndGrantTypeAreRefused() throws {
        let issuer = try DevelopmentIssuer(configuration: .init(baseURL: "http://127.0.0.1:1"))
        #expect(issuer.deviceAuthorization(clientID: "other", now: now).status == 400)
        let wrongGrant = issuer.token(formFields: ["grant_type": "password"], now: now)
        #expect(try Self.object(wrongGrant.json)["error"] as? String == "unsupported_grant_type")
        let unknownCode = issuer.token(formFields: ["grant_type": DevelopmentIssuer.deviceCodeGrantType, "device_code": "nope"], now: now)
        #expect(try Self.object(unknownCode.json)["error"] as? String == "invalid_grant")
    }
}
