import Foundation
import JitsudoAuth
import JitsudoDevelopment
import Testing

/// The development issuer's code flow (the web console's sign-in in `jitsudod dev`) and `login_hint` (the CLI's
/// `--user`): pure, no network.
@Suite struct DevelopmentIssuerCodeFlowTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    // RFC 7636 appendix B: the S256 challenge of the verifier above.
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    func issuer() throws -> DevelopmentIssuer {
        try DevelopmentIssuer(
            configuration: .init(
                baseURL: "http://127.0.0.1:8080/dev-oidc", defaultUser: .init(email: "dev@example.com", groups: ["jitsudo-admins"]),
                approvesDefaultUserAutomatically: true))
    }

    func request(redirect: String = "http://localhost:8080/ui/callback") -> [String: String] {
        [
            "response_type": "code", "client_id": "jitsudo-cli", "redirect_uri": redirect, "state": "state-1",
            "code_challenge": Self.challenge, "code_challenge_method": "S256",
        ]
    }

    static func claims(_ token: String) throws -> [String: Any] {
        var payload = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let data = try #require(Data(base64Encoded: payload))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func thePickerSignsInAnyoneWithPKCEAndTheCodeWorksOnce() throws {
        let issuer = try issuer()
        let page = issuer.authorizationPage(query: request())
        #expect(page.status == 200 && page.html.contains("bob@example.com") && page.html.contains("value=\"state-1\""))
        var fields = request()
        fields["email"] = "Bob@Example.com"
        let answer = issuer.authorize(fields: fields, now: now)
        let location = try #require(answer.location)
        #expect(location.hasPrefix("http://localhost:8080/ui/callback?code="))
        #expect(location.hasSuffix("&state=state-1"))
        let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
        let exchange = [
            "grant_type": "authorization_code", "code": code, "client_id": "jitsudo-cli", "redirect_uri": "http://localhost:8080/ui/callback",
            "code_verifier": Self.verifier,
        ]
        let wrongVerifier = exchange.merging(["code_verifier": String(Self.verifier.reversed())]) { $1 }
        #expect(issuer.token(formFields: wrongVerifier, now: now).status == 400, "a wrong verifier is refused (and uses up the code)")
        // A fresh code for the right verifier.
        let second = try #require(issuer.authorize(fields: fields, now: now).location)
        let secondCode = try #require(URLComponents(string: second)?.queryItems?.first { $0.name == "code" }?.value)
        let token = issuer.token(formFields: exchange.merging(["code": secondCode]) { $1 }, now: now)
        #expect(token.status == 200)
        let idToken = try #require(try JSONSerialization.jsonObject(with: token.json) as? [String: Any])["id_token"] as? String
        let bobToken = try #require(idToken)
        #expect(try Self.claims(bobToken)["email"] as? String == "bob@example.com")
        #expect(issuer.token(formFields: exchange.merging(["code": secondCode]) { $1 }, now: now).status == 400, "a code works once")
    }

    @Test func requestsItWillNotServeAreRefused() throws {
        let issuer = try issuer()
        #expect(issuer.authorizationPage(query: request(redirect: "https://evil.example.com/cb")).status == 400)
        #expect(issuer.authorizationPage(query: request().merging(["client_id": "other"]) { $1 }).status == 400)
        #expect(issuer.authorizationPage(query: request().merging(["code_challenge_method": "plain"]) { $1 }).status == 400)
        var fields = request()
        fields["email"] = "<script>@x"
        #expect(issuer.authorize(fields: fields, now: now).location == nil)
        let page = issuer.authorizationPage(query: request().merging(["state": "\"><script>"]) { $1 })
        #expect(!page.html.contains("<script>"))
    }

    @Test func aLoginHintLogsInAsThatPersonAtOnce() throws {
        let issuer = try issuer()
        let start = try #require(
            try JSONSerialization.jsonObject(with: issuer.deviceAuthorization(clientID: "jitsudo-cli", loginHint: "bob@example.com", now: now).json)
                as? [String: Any])
        let device = try #require(start["device_code"] as? String)
        let token = issuer.token(
            formFields: ["grant_type": DevelopmentIssuer.deviceCodeGrantType, "device_code": device, "client_id": "jitsudo-cli"], now: now)
        #expect(token.status == 200)
        let idToken = try #require(try JSONSerialization.jsonObject(with: token.json) as? [String: Any])["id_token"] as? String
        let hinted = try #require(idToken)
        let claims = try Self.claims(hinted)
        #expect(claims["email"] as? String == "bob@example.com")
        #expect((claims["groups"] as? [String]) == [], "only the default user is an admin")
        #expect(issuer.deviceAuthorization(clientID: "jitsudo-cli", loginHint: "not an address", now: now).status == 400)
    }
}
