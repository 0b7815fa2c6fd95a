import AsyncHTTPClient
import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoServerTesting
import JitsudoStore
import JitsudoTesting
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// The web console over real HTTP against a real jitsudod, PostgreSQL and oidc-provider-mock: sign-in (code +
/// PKCE), session cookie flags, CSRF, CSP, the requester and approver pages, refusals, escaping.
@Suite struct ConsoleTests {
    /// A server whose issuer is a fresh oidc-provider-mock, with the standard test policies and people.
    func withConsole(
        _ body:
            @Sendable (
                _ baseURL: String, _ mock: ProviderMock, _ api: @escaping @Sendable (HTTPMethod, String, String?) async throws -> (Int, String)
            ) async throws -> Void
    )
        async throws
    {
        try await ProviderMock.with { mock in
            for (subject, email, groups) in [
                ("alice", "alice@example.com", ["sre"]), ("bob", "bob@example.com", ["sre-leads"]), ("mallory", "mallory@example.com", ["interns"]),
                ("root", "root@example.com", ["jitsudo-admins"]),
            ] {
                try await mock.register(subject, email: email, groups: groups)
            }
            let url = try await TestPostgres.shared.createDatabase()
            var configuration = InProcessDaemon.configuration(databaseURL: url.urlString)
            configuration.oidc.issuer = mock.baseURL
            configuration.oidc.clientSecret = "unused"
            let authenticator = try Authentication.make(configuration.oidc, admin: configuration.admin, logger: Logger(label: "console-test"))
            try await InProcessDaemon.run(configuration, authenticator: authenticator) { baseURL, _ in
                let adminToken = try await mock.idToken("root")
                let api: @Sendable (HTTPMethod, String, String?) async throws -> (Int, String) = { method, path, json in
                    var request = HTTPClientRequest(url: baseURL + path)
                    request.method = method
                    request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
                    if let json {
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: json))
                    }
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 8 << 20)))
                }
                for (name, type, rego) in TestPolicies.standard {
                    let policy = try JSONSerialization.data(withJSONObject: [
                        "name": name, "type": type.rawValue.lowercased(), "rego": rego, "enabled": true,
                    ])
                    let (status, text) = try await api(.POST, "/api/v1alpha1/policies", String(decoding: policy, as: UTF8.self))
                    guard status == 200 else { throw TestSupportError("policy \(name) was refused: \(text)") }
                }
                try await body(baseURL, mock, api)
            }
        }
    }

    func state(_ page: ConsoleBrowser.Page) -> String? {
        guard let range = page.body.range(of: #"<dd id="state"><span class="state state-"#) else { return nil }
        let rest = page.body[range.upperBound...]
        guard let close = rest.range(of: "\">") else { return nil }
        return String(rest[close.upperBound...].prefix { $0 != "<" })
    }

    @Test func requestApproveInASecondBrowserAndSeeActiveWithCookieFlagsCSPAndEscaping() async throws {
        try await withConsole { baseURL, mock, api in
            let alice = ConsoleBrowser(baseURL: baseURL, client: mock.client)
            let bob = ConsoleBrowser(baseURL: baseURL, client: mock.client)
            let signedOut = try await alice.get("/ui/")
            #expect(signedOut.status == 200 && signedOut.body.contains("/ui/login"))

            let signedIn = try await alice.signIn(as: "alice", at: mock)
            #expect(signedIn.status == 200)
            let cookie = await alice.lastSetCookie
            for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/ui"] { #expect(cookie.contains(flag), "\(cookie)") }
            let home = try await alice.get("/ui/")
            #expect(home.body.contains("alice@example.com"))
            let policy = try #require(home.headers.first(name: "Content-Security-Policy"))
            #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"))
            #expect(home.headers.first(name: "Cache-Control") == "no-store")

            let reason = #"<script>alert("x")</script><b>INC-7</b> & friends"#
            let csrf = try #require(home.csrf)
            let created = try await alice.post(
                "/ui/requests",
                [("csrf", csrf), ("provider", "mock"), ("role", "admin"), ("scope", "acct-1"), ("duration", "1h"), ("reason", reason)])
            #expect(created.status == 303, "\(created.body)")
            let location = try #require(created.location)
            let id = String(location.dropFirst("/ui/requests/".count))
            var page = try await alice.get(location)
            #expect(state(page) == "PENDING")
            #expect(page.body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;INC-7&lt;/b&gt; &amp; friends"))
            #expect(!page.body.contains("<script>") && !page.body.contains("<b>INC-7"))
            #expect(!page.body.contains("id=\"approve-form\""), "the requester cannot approve her own request")

            _ = try await bob.signIn(as: "bob", at: mock)
            let queue = try await bob.get("/ui/approvals")
            #expect(queue.body.contains("pending-\(id)"))
            #expect(queue.body.contains("1 of 1") || queue.body.contains("0 of 1"))
            let review = try await bob.get(location)
            #expect(review.body.contains("id=\"approve-form\""))
            let approved = try await bob.post("/ui/requests/\(id)/approve", [("csrf", try #require(review.csrf)), ("comment", "looks right")])
            #expect(approved.status == 303, "\(approved.body)")

            page = try await alice.get(location)
            #expect(state(page) == "ACTIVE")
            #expect(page.body.contains("request.approved") && page.body.contains("looks right"))
            // Credentials once, on demand, audited via the console.
            let credentials = try await alice.post("/ui/requests/\(id)/credentials", [("csrf", try #require(page.csrf))])
            #expect(credentials.status == 200)
            #expect(credentials.body.contains("class=\"secret\""))
            let (_, audit) = try await api(.GET, "/api/v1alpha1/audit?requestId=\(id)&action=grant.credentials_read", nil)
            #expect(audit.contains("alice@example.com") && audit.contains(#"\"via\":\"console\""#), "\(audit)")
            let (_, approvals) = try await api(.GET, "/api/v1alpha1/audit?requestId=\(id)&action=request.approved", nil)
            #expect(approvals.contains(#"\"via\":\"console\""#))

            // Extend the ACTIVE grant by 30 minutes: the audit records it.
            let extendForm = try await alice.get(location)
            #expect(
                try await alice.post("/ui/requests/\(id)/extend", [("csrf", try #require(extendForm.csrf)), ("duration", "30m"), ("reason", "more")])
                    .status == 303)
            #expect(try await api(.GET, "/api/v1alpha1/audit?requestId=\(id)&action=grant.extended", nil).1.contains("alice@example.com"))

            // The audit search and its CSV export.
            let search = try await alice.get("/ui/audit?request=\(id)")
            #expect(search.status == 200 && search.body.contains("request.approved") && search.body.contains("grant.credentials_read"))
            let csv = try await alice.get("/ui/audit.csv?request=\(id)&action=request.approved")
            #expect(csv.headers.first(name: "Content-Type")?.hasPrefix("text/csv") == true)
            let csvLines = csv.body.split(separator: "\r\n")
            #expect(csvLines.first?.hasPrefix("id,timestamp,actor_identity,action") == true)
            #expect(csvLines.count == 2 && csvLines[1].contains("bob@example.com"), "\(csv.body)")

            // Sign out: the cookie is cleared and the old session is gone server-side.
            let oldCookie = await alice.cookies
            let out = try await alice.post("/ui/logout", [("csrf", try #require(page.csrf))])
            #expect(out.status == 303)
            #expect(await alice.cookies.isEmpty)
            var stale = HTTPClientRequest(url: baseURL + "/ui/")
            stale.headers.add(name: "Cookie", value: oldCookie.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            let staleBody = String(buffer: try await HTTPClient.shared.execute(stale, timeout: .seconds(10)).body.collect(upTo: 1 << 20))
            #expect(!staleBody.contains("alice@example.com") && staleBody.contains("/ui/login"))
        }
    }

    @Test func nonApproversSeeNoButtonsForgedAndCSRFlessPostsAreRefusedAndDenyKeepsTheComment() async throws {
        try await withConsole { baseURL, mock, _ in
            let alice = ConsoleBrowser(baseURL: baseURL, client: mock.client)
            let mallory = ConsoleBrowser(baseURL: baseURL, client: mock.client)
            let bob = ConsoleBrowser(baseURL: baseURL, client: mock.client)
            _ = try await alice.signIn(as: "alice", at: mock)
            let home = try await alice.get("/ui/")
            let created = try await alice.post(
                "/ui/requests",
                [
                    ("csrf", try #require(home.csrf)), ("provider", "mock"), ("role", "admin"), ("scope", "acct-1"), ("duration", "30m"),
                    ("reason", "INC-9"),
                ])
            let location = try #require(created.location)
            let id = String(location.dropFirst("/ui/requests/".count))

            _ = try await mallory.signIn(as: "mallory", at: mock)
            let seen = try await mallory.get(location)
            #expect(seen.status == 200)
            #expect(!seen.body.contains("id=\"approve-form\"") && !seen.body.contains("id=\"deny-form\""))
            #expect(!(try await mallory.get("/ui/approvals")).body.contains("pending-\(id)"))
            // A forged POST with mallory's own valid CSRF token: the policy refuses, the page says why, nothing changes.
            let forged = try await mallory.post("/ui/requests/\(id)/approve", [("csrf", try #require(seen.csrf)), ("comment", "sure")])
            #expect(forged.status == 403)
            #expect(forged.body.contains("id=\"refusal\""))
            #expect(state(try await alice.get(location)) == "PENDING")

            _ = try await bob.signIn(as: "bob", at: mock)
            let review = try await bob.get(location)
            // Without the CSRF token, or with another session's: refused, nothing changes.
            #expect(try await bob.post("/ui/requests/\(id)/approve", [("comment", "no token")]).status == 403)
            #expect(try await bob.post("/ui/requests/\(id)/approve", [("csrf", try #require(seen.csrf))]).status == 403)
            #expect(state(try await alice.get(location)) == "PENDING")

            let denied = try await bob.post("/ui/requests/\(id)/deny", [("csrf", try #require(review.csrf)), ("reason", "not during the <freeze>")])
            #expect(denied.status == 303)
            let page = try await alice.get(location)
            #expect(state(page) == "REJECTED")
            #expect(page.body.contains("not during the &lt;freeze&gt;"))

            // The requester withdraws a PENDING request.
            let another = try await alice.post(
                "/ui/requests",
                [
                    ("csrf", try #require(home.csrf)), ("provider", "mock"), ("role", "admin"), ("scope", "acct-2"), ("duration", "30m"),
                    ("reason", "INC-10"),
                ])
            let anotherLocation = try #require(another.location)
            let waiting = try await alice.get(anotherLocation)
            #expect(waiting.body.contains("id=\"withdraw\"") && waiting.body.contains("http-equiv=\"refresh\""))
            let anotherID = String(anotherLocation.dropFirst("/ui/requests/".count))
            #expect(
                try await alice.post(
                    "/ui/requests/\(anotherID)/deny", [("csrf", try #require(waiting.csrf)), ("reason", "withdrawn by the requester")]
                ).status == 303)
            #expect(state(try await alice.get(anotherLocation)) == "REJECTED")

            // Break-glass needs its confirmation.
            let unconfirmed = try await alice.post(
                "/ui/requests",
                [
                    ("csrf", try #require(home.csrf)), ("provider", "mock"), ("role", "admin"), ("duration", "30m"), ("reason", "fire"),
                    ("break_glass", "true"),
                ])
            #expect(unconfirmed.status == 400)
        }
    }

    @Test func adminsSeeAndTogglePoliciesEvaluateInputsSetTrustTiersAndSeeReplicas() async throws {
        try await withConsole { baseURL, mock, api in
            let alice = ConsoleBrowser(baseURL: baseURL, client: mock.client)
            _ = try await alice.signIn(as: "alice", at: mock)
            #expect(try await alice.get("/ui/admin").status == 403, "not an admin")

            let root = ConsoleBrowser(baseURL: baseURL, client: mock.client)
            _ = try await root.signIn(as: "root", at: mock)
            let admin = try await root.get("/ui/admin")
            #expect(admin.status == 200)
            #expect(admin.body.contains("id=\"policy-approval\"") && admin.body.contains("id=\"replicas\""))
            try await waitUntil("the replica table names the leader", timeout: .seconds(15), every: .milliseconds(200)) {
                try await root.get("/ui/admin").body.contains("<td>leader</td>")
            }
            let csrf = try #require(admin.csrf)

            // Evaluate an input against the loaded eligibility policy.
            let allowed = try await root.post(
                "/ui/admin/eval", [("csrf", csrf), ("type", "eligibility"), ("input", #"{"user":{"email":"a@example.com","groups":["sre"]}}"#)])
            #expect(allowed.status == 200 && allowed.body.contains("<h3>Allowed</h3>"))
            let refused = try await root.post(
                "/ui/admin/eval", [("csrf", csrf), ("type", "eligibility"), ("input", #"{"user":{"email":"m@example.com","groups":["interns"]}}"#)])
            #expect(refused.body.contains("<h3>Not allowed</h3>") && refused.body.contains("only sre may request roles"))

            // Disable the approval policy: the API sees it disabled.
            let (_, listed) = try await api(.GET, "/api/v1alpha1/policies?name=approval", nil)
            let policyID = try #require(
                (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any]).flatMap {
                    ($0["policies"] as? [[String: Any]])?.first?["id"] as? String
                })
            #expect(try await root.post("/ui/admin/policies/\(policyID)/enabled", [("csrf", csrf), ("enabled", "false")]).status == 303)
            let (_, after) = try await api(.GET, "/api/v1alpha1/policies/\(policyID)", nil)
            #expect(after.contains(#""enabled":false"#), "\(after)")
            // Without the CSRF token nothing changes.
            #expect(try await root.post("/ui/admin/policies/\(policyID)/enabled", [("enabled", "true")]).status == 403)
            #expect(try await api(.GET, "/api/v1alpha1/policies/\(policyID)", nil).1.contains(#""enabled":false"#))

            // Trust tiers.
            let tiered = try await root.post(
                "/ui/admin/trust-tier", [("csrf", csrf), ("identity", "alice@example.com"), ("tier", "3"), ("notes", "on call")])
            #expect(tiered.status == 200 && tiered.body.contains("alice@example.com now has trust tier 3"))
            #expect(try await api(.GET, "/api/v1alpha1/principals/alice@example.com", nil).1.contains(#""trustTier":3"#))
            #expect(try await alice.post("/ui/admin/trust-tier", [("csrf", "x"), ("identity", "alice@example.com"), ("tier", "4")]).status == 403)
        }
    }
}
