import Crypto
import JitsudoAuth
public import Foundation
import Synchronization

/// The authorization-code grant with PKCE of the development issuer (what the web console signs in with): a page
/// that lets you pick any user, no password. Redirects go to loopback addresses only.
extension DevelopmentIssuer {
    struct AuthorizationCode: Sendable {
        var user: User
        var redirectURI: String
        var codeChallenge: String
        var expiresAt: Date
    }

    /// The parameters of an authorization request that are carried through the user picker.
    static let carriedParameters = [
        "response_type", "client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method", "scope",
    ]

    /// The user picker (`GET /authorize`): HTML, or a plain-text error for a request it will not serve.
    public func authorizationPage(query: [String: String]) -> (status: Int, html: String) {
        if let problem = invalidAuthorizationRequest(query) { return (400, problem) }
        let hidden = Self.carriedParameters.compactMap { name in
            query[name].map { "<input type=\"hidden\" name=\"\(name)\" value=\"\(Self.escape($0))\">" }
        }.joined()
        let defaultEmail = configuration.defaultUser?.email ?? "dev@example.com"
        let quick = [defaultEmail, "alice@example.com", "bob@example.com"].map { email in
            "<form method=\"post\" action=\"authorize\">\(hidden)<input type=\"hidden\" name=\"email\" value=\"\(Self.escape(email))\">"
                + "<button type=\"submit\">Sign in as \(Self.escape(email))</button></form>"
        }.joined(separator: "\n")
        let page = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>jitsudo development issuer</title></head>
            <body><h1>jitsudo development issuer</h1><p>Development only: pick anyone, no password.</p>
            \(quick)
            <form method="post" action="authorize">\(hidden)<label for="email">Or any e-mail address</label>
            <input id="email" name="email" value="\(Self.escape(defaultEmail))"><button type="submit" id="sign-in">Sign in</button></form>
            </body></html>
            """
        return (200, page)
    }

    /// The picker's form (`POST /authorize`): a code for the chosen user, and where to send the browser with it.
    public func authorize(fields: [String: String], now: Date) -> (status: Int, location: String?, text: String) {
        if let problem = invalidAuthorizationRequest(fields) { return (400, nil, problem) }
        guard let user = Self.developmentUser(fields["email"] ?? "", default: configuration.defaultUser) else {
            return (400, nil, "email must be an e-mail address\n")
        }
        let redirectURI = fields["redirect_uri"] ?? ""
        let code = Self.randomToken()
        state.withLock { state in
            state.authorizationCodes = state.authorizationCodes.filter { $0.value.expiresAt > now }
            state.authorizationCodes[code] = AuthorizationCode(
                user: user, redirectURI: redirectURI, codeChallenge: fields["code_challenge"] ?? "", expiresAt: now.addingTimeInterval(120))
        }
        var location = redirectURI + (redirectURI.contains("?") ? "&" : "?") + "code=" + code
        if let stateValue = fields["state"] {
            location += "&state=" + (stateValue.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")
        }
        return (302, location, "")
    }

    /// The token endpoint's `authorization_code` grant: the code once, for the same redirect URI, with the PKCE
    /// verifier whose S256 challenge was sent.
    func authorizationCodeToken(_ fields: [String: String], now: Date) -> (status: Int, json: Data) {
        let entry: AuthorizationCode? = state.withLock { $0.authorizationCodes.removeValue(forKey: fields["code"] ?? "") }
        guard let entry, entry.expiresAt > now else { return Self.oauthError("invalid_grant", "unknown, used or expired code") }
        guard fields["redirect_uri"] == entry.redirectURI else { return Self.oauthError("invalid_grant", "redirect_uri does not match") }
        if !entry.codeChallenge.isEmpty {
            let verifier = fields["code_verifier"] ?? ""
            guard Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8)))) == entry.codeChallenge else {
                return Self.oauthError("invalid_grant", "code_verifier does not match the code_challenge")
            }
        }
        return issueTokens(for: entry.user, scope: "openid email", now: now)
    }

    /// Why an authorization request is refused (plain text), or nil: the client id, `code`, S256 PKCE when a
    /// challenge is sent, and a redirect to a loopback address.
    func invalidAuthorizationRequest(_ fields: [String: String]) -> String? {
        guard fields["client_id"] == configuration.clientID else { return "unknown client_id\n" }
        guard fields["response_type"] == "code" else { return "response_type must be code\n" }
        if fields["code_challenge"] != nil, fields["code_challenge_method"] != "S256" { return "code_challenge_method must be S256\n" }
        guard let redirect = fields["redirect_uri"].flatMap(URL.init(string:)), ["http", "https"].contains(redirect.scheme ?? ""),
            ["127.0.0.1", "localhost", "::1", "[::1]"].contains(redirect.host ?? "")
        else { return "redirect_uri must be an http(s) URL on a loopback address (development issuer)\n" }
        return nil
    }

    /// RFC 3986 unreserved characters: kept as they are in a query value.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
