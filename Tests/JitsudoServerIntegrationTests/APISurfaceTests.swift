import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoStore
import NIOHTTP1
import PostgresNIO
import Testing

@Suite struct APISurfaceTests {
    @Test func badInputGetsAClearErrorNamingTheFieldAndChangesNothing() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let cases: [(String, Int, String)] = [
                ("not json", 400, "not valid JSON"),
                ("[1,2]", 400, "must be a JSON object"),
                // Exactly what traps Foundation's JSONDecoder (BoundedJSON.JSONNesting): refused, and the server lives on.
                (String(repeating: "[", count: 513), 400, "nested more than 128 levels deep"),
                (String(repeating: #"{"a":"#, count: 512) + "[", 400, "nested more than 128 levels deep"),
                (#"{"role":"admin","duration_seconds":60}"#, 400, "provider is required"),
                (#"{"provider":"mock","duration_seconds":60}"#, 400, "role is required"),
                (#"{"provider":"mock","role":"admin"}"#, 400, "duration_seconds must be greater than 0"),
                (#"{"provider":"mock","role":"admin","duration_seconds":"abc"}"#, 400, "duration_seconds must be an integer"),
                (#"{"provider":"nope","role":"admin","duration_seconds":60}"#, 400, "unknown provider 'nope'"),
                (#"{"provider":"mock","role":"admin","duration_seconds":60,"resourceScope":"a","resource_scope":"b"}"#, 400, "sent as both"),
                (#"{"provider":"mock","role":"admin","duration_seconds":60,"metadata":{"k":1}}"#, 400, "metadata.k must be a string"),
                (#"{"provider":"mock","role":"admin","duration_seconds":60,"break_glass":"maybe"}"#, 400, "break_glass must be true or false"),
            ]
            for (body, status, message) in cases {
                let response = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: body)
                #expect(response.status == status, "\(body)")
                let error = try server.decode(APIError.ErrorBody.self, response.body)
                #expect(error.message.contains(message), "\(body): \(error.message)")
                #expect(error.error.code == "invalid_argument" && error.code == 3)
            }
            let big = String(repeating: "x", count: 1_100_000)
            let tooLarge = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: #"{"reason":"\#(big)"}"#)
            #expect(tooLarge.status == 413)
            #expect(try server.decode(APIError.ErrorBody.self, tooLarge.body).error.code == "payload_too_large")
            // A duration given as a decimal string is accepted, as the spec allows.
            let asString = try await server.call(
                .POST, "/api/v1alpha1/requests", as: alice,
                json: #"{"provider":"mock","role":"admin","durationSeconds":"600"}"#)
            #expect(asString.status == 200, "\(asString.body)")
            #expect(try await count(server.database, "SELECT COUNT(*)::integer FROM requests") == 1)
        }
    }

    @Test func authenticationRoutingAndRequestIDs() async throws {
        try await withServer { server in
            let anonymous = try await server.call(.GET, "/api/v1alpha1/requests")
            #expect(anonymous.status == 401)
            #expect(try server.decode(APIError.ErrorBody.self, anonymous.body).error.code == "unauthenticated")
            let unknown = try await server.call(.GET, "/api/v1alpha1/nothing-here", as: alice)
            #expect(unknown.status == 404)
            #expect(try server.decode(APIError.ErrorBody.self, unknown.body).error.code == "not_found")
            let missing = try await server.call(.GET, "/api/v1alpha1/requests/req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C", as: alice)
            #expect(missing.status == 404)
            let garbage = try await server.call(.GET, "/api/v1alpha1/requests/not-an-id", as: alice)
            #expect(garbage.status == 404)
            let echoed = try await server.call(.GET, "/healthz", headers: [("X-Request-Id", "trace-123")])
            #expect(echoed.headers.first(name: "X-Request-Id") == "trace-123")
            #expect(echoed.body == "ok")
            let generated = try await server.call(.GET, "/version")
            #expect(generated.headers.first(name: "X-Request-Id")?.count == 16)
            #expect(generated.body.contains(#""api_versions":["v1alpha1"]"#))
        }
    }

    @Test func listingFiltersAndPagesWithOpaqueTokens() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            for index in 0..<7 {
                let caller = index % 2 == 0 ? alice : "erin@example.com;sre"
                let response = try await server.call(
                    .POST, "/api/v1alpha1/requests", as: caller, json: submission(role: index == 6 ? "viewer" : "admin"))
                #expect(response.status == 200)
            }
            let mine = try server.decode(RequestList.self, try await server.call(.GET, "/api/v1alpha1/requests?mine=true", as: alice).body)
            #expect(mine.requests.count == 4 && mine.requests.allSatisfy { $0.requesterIdentity == "alice@example.com" })
            let pending = try server.decode(RequestList.self, try await server.call(.GET, "/api/v1alpha1/requests?pending=true", as: alice).body)
            #expect(pending.requests.count == 6)
            let active = try server.decode(RequestList.self, try await server.call(.GET, "/api/v1alpha1/requests?state=active", as: alice).body)
            #expect(active.requests.count == 1)
            let byUser = try server.decode(
                RequestList.self,
                try await server.call(
                    .GET, "/api/v1alpha1/requests?requester_identity=erin@example.com&state=REQUEST_STATE_PENDING&provider=mock", as: alice
                ).body)
            #expect(byUser.requests.count == 3)
            var ids: [String] = []
            var token = ""
            repeat {
                let page = try server.decode(
                    RequestList.self, try await server.call(.GET, "/api/v1alpha1/requests?pageSize=3&pageToken=\(token)", as: alice).body)
                ids += page.requests.map(\.id)
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(ids.count == 7 && Set(ids).count == 7)
            let badState = try await server.call(.GET, "/api/v1alpha1/requests?state=bogus", as: alice)
            #expect(badState.status == 400)
            let foreignToken = try await server.call(
                .GET, "/api/v1alpha1/requests?mine=true&pageToken=\(mine.nextPageToken.isEmpty ? "x" : mine.nextPageToken)", as: bob)
            #expect(foreignToken.status == 400)
        }
    }

    @Test func policyEndpointsCompileCheckAuditAndReload() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let notAdmin = try await server.call(
                .POST, "/api/v1alpha1/policies", as: alice,
                json: #"{"name":"x","type":"eligibility","rego":"package jitsudo.eligibility\n"}"#)
            #expect(notAdmin.status == 403)
            let broken = try await server.call(
                .POST, "/api/v1alpha1/policies", as: admin,
                json: #"{"name":"broken","type":"eligibility","rego":"package jitsudo.eligibility\nallow if {","enabled":true}"#)
            #expect(broken.status == 400 && broken.body.contains("policy compile:"))
            let wrongPackage = try await server.call(
                .POST, "/api/v1alpha1/policies", as: admin,
                json: #"{"name":"wrong","type":"approval","rego":"package jitsudo.eligibility\n","enabled":true}"#)
            #expect(wrongPackage.status == 400 && wrongPackage.body.contains("package must be jitsudo.approval"))
            let twoDefaults = try await server.call(
                .POST, "/api/v1alpha1/policies", as: admin,
                json:
                    #"{"name":"default2","type":"eligibility","rego":"package jitsudo.eligibility\ndefault allow := false\ndefault allow := true\n","enabled":true}"#
            )
            #expect(twoDefaults.status == 400)
            let list = try server.decode(PolicyList.self, try await server.call(.GET, "/api/v1alpha1/policies", as: alice).body)
            #expect(list.policies.map(\.name) == ["approval", "eligibility"])
            let eval = try await server.call(
                .POST, "/api/v1alpha1/policies:eval", as: alice,
                json: #"""
                    {"type":"eligibility","input_json":"{\"user\":{\"email\":\"a@example.com\",\"groups\":[\"interns\"]},\"request\":{\"provider\":\"aws\",\"role\":\"x\",\"duration_seconds\":60},\"context\":{\"trust_tier\":0}}"}
                    """#)
            let result = try server.decode(PolicyEvalResult.self, eval.body)
            #expect(!result.allowed && result.reason == "only sre may request roles")
            #expect(result.resultJson.contains("\"reason\":\"only sre may request roles\""))
            let badInput = try await server.call(
                .POST, "/api/v1alpha1/policies:eval", as: alice, json: #"{"type":"eligibility","input_json":"{oops"}"#)
            #expect(badInput.status == 400)
            let eligibilityID = list.policies.first { $0.name == "eligibility" }!.id
            let disabled = try await server.call(.PATCH, "/api/v1alpha1/policies/\(eligibilityID)", as: admin, json: #"{"enabled":false}"#)
            #expect(disabled.status == 200 && disabled.body.contains("\"enabled\":false"))
            // With no enabled eligibility policy every request is denied (fail closed).
            let denied = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            #expect(denied.status == 403 && denied.body.contains("no eligibility policy allows this request"))
            let reload = try await server.call(.POST, "/api/v1alpha1/admin/reload-policies", as: admin, json: "{}")
            #expect(reload.body == #"{"policiesLoaded":1}"#)
            let deleted = try await server.call(.DELETE, "/api/v1alpha1/policies/\(eligibilityID)", as: admin)
            #expect(deleted.status == 200 && deleted.body == "{}")
            let gone = try await server.call(.GET, "/api/v1alpha1/policies/\(eligibilityID)", as: alice)
            #expect(gone.status == 404)
            let actions = try await AuditLog(database: server.database).events(matching: .init(actorIdentity: "root@example.com"), pageSize: 20)
                .events.map(\.action)
            #expect(actions == ["policy.created", "policy.created", "policy.updated", "policy.deleted"])
        }
    }

    @Test func auditQueryAndPrincipals() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            _ = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            let events = try server.decode(
                AuditList.self, try await server.call(.GET, "/api/v1alpha1/audit?actor_identity=alice@example.com", as: bob).body)
            #expect(events.events.map(\.action) == ["request.created"])
            #expect(events.events[0].timestamp.count == 27)
            let badSince = try await server.call(.GET, "/api/v1alpha1/audit?since=yesterday", as: bob)
            #expect(badSince.status == 400)
            let principal = try await server.call(.GET, "/api/v1alpha1/principals/alice@example.com", as: bob)
            #expect(principal.status == 200 && principal.body.contains("\"trustTier\":0"))
            let unknown = try await server.call(.GET, "/api/v1alpha1/principals/nobody@example.com", as: bob)
            #expect(unknown.status == 404)
            let forbidden = try await server.call(.PUT, "/api/v1alpha1/principals/alice@example.com/trust-tier", as: bob, json: #"{"trust_tier":3}"#)
            #expect(forbidden.status == 403 && forbidden.body.contains("requires jitsudo-admins group membership"))
            let outOfRange = try await server.call(
                .PUT, "/api/v1alpha1/principals/alice@example.com/trust-tier", as: admin, json: #"{"trust_tier":7}"#)
            #expect(outOfRange.status == 400 && outOfRange.body.contains("trust_tier must be 0–4, got 7"))
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let ready = try await server.call(.GET, "/readyz")
            #expect(ready.status == 200, "\(ready.body)")
            let readiness = try server.decode(Readiness.self, ready.body)
            #expect(readiness.checks["db"] == "ok" && readiness.checks["migrations"] == "ok")
            // An operator's hand-written UPDATE reaches the engine through NOTIFY without a restart.
            try await server.database.query("UPDATE policies SET enabled = false WHERE type = 'ELIGIBILITY'")
            var denied = false
            for _ in 0..<40 where !denied {
                denied = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission()).status == 403
                if !denied { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(denied)
        }
    }
}
