import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoStore
import JitsudoTesting
import NIOHTTP1
import PostgresNIO
import Testing

@Suite struct WorkflowTests {
    @Test func aHumanTierRequestIsApprovedThenActiveWithCredentialsOnlyForTheRequester() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            #expect(created.status == 200, "\(created.body)")
            let request = try server.decode(RequestEnvelope.self, created.body).request
            #expect(request.state == "REQUEST_STATE_PENDING")
            #expect(request.approverTier == "human")
            #expect(request.durationSeconds == "3600")
            #expect(created.body.contains("\"expiresAt\":null"))
            let approved = try await server.call(.POST, "/api/v1alpha1/requests/\(request.id)/approve", as: bob, json: #"{"comment":"ok"}"#)
            #expect(approved.status == 200, "\(approved.body)")
            let active = try server.decode(RequestEnvelope.self, approved.body).request
            #expect(active.state == "REQUEST_STATE_ACTIVE")
            #expect(active.approverIdentity == "bob@example.com")
            #expect(active.expiresAt != nil && active.issuedAt != nil)
            let foreign = try await server.call(.GET, "/api/v1alpha1/requests/\(request.id)/credentials", as: bob)
            #expect(foreign.status == 403)
            let own = try await server.call(.GET, "/api/v1alpha1/requests/\(request.id)/credentials", as: alice)
            #expect(own.status == 200, "\(own.body)")
            let grant = try server.decode(GrantEnvelope.self, own.body).grant
            #expect(grant.credentials.map(\.name) == ["MOCK_ACCESS_KEY", "MOCK_SESSION_TOKEN"])
            // Credentials are sealed at rest: the stored JSON holds no plaintext value.
            let stored = try await RequestRepository(database: server.database).credentialsJSON(of: try RequestID(parsing: request.id)) ?? ""
            #expect(stored.contains("\"sealed\"") && !stored.contains(grant.credentials[0].value))
            let actions = try await AuditLog(database: server.database).events(matching: .init(requestID: request.id), pageSize: 50).events.map(
                \.action)
            #expect(actions == ["request.created", "request.approved", "grant.issued", "grant.credentials_read"])
            let verify = try await server.call(.POST, "/api/v1alpha1/audit:verify", as: mallory, json: "{}")
            #expect(verify.body.contains("\"intact\":true"))
        }
    }

    @Test func tierAutoIsActiveAtOnceAndRecordedAsPolicy() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(role: "viewer"))
            let request = try server.decode(RequestEnvelope.self, created.body).request
            #expect(request.state == "REQUEST_STATE_ACTIVE")
            #expect(request.approverIdentity == "policy")
            #expect(request.approverTier == "auto")
        }
    }

    @Test func ineligibleRequestsAreRefusedWithThePolicyReasonAndAudited() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let refused = try await server.call(.POST, "/api/v1alpha1/requests", as: mallory, json: submission())
            #expect(refused.status == 403)
            let error = try server.decode(APIError.ErrorBody.self, refused.body)
            #expect(error.error.code == "permission_denied" && error.code == 7)
            #expect(error.message == "not eligible: only sre may request roles")
            let tooLong = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(duration: 36_000))
            #expect(tooLong.status == 403)
            #expect(tooLong.body.contains("exceeds the policy maximum of 8h"))
            let events = try await AuditLog(database: server.database).events(matching: .init(action: "request.not_eligible"), pageSize: 10).events
            #expect(events.count == 2 && events.allSatisfy { $0.outcome == .failure && $0.requestID == nil })
            #expect(try await count(server.database, "SELECT COUNT(*)::integer FROM requests") == 0)
        }
    }

    @Test func nobodyApprovesTheirOwnRequestAndPolicyRefusalsAreAudited() async throws {
        try await withServer(
            policies: TestPolicies.standard + [("self", .eligibility, "package jitsudo.eligibility\nallow if \"sre-leads\" in input.user.groups\n")]
        ) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: bob, json: submission())
            let id = try server.decode(RequestEnvelope.self, created.body).request.id
            let own = try await server.call(.POST, "/api/v1alpha1/requests/\(id)/approve", as: bob, json: "{}")
            #expect(own.status == 403 && own.body.contains("cannot approve your own request"))
            let notAllowed = try await server.call(.POST, "/api/v1alpha1/requests/\(id)/approve", as: alice, json: "{}")
            #expect(notAllowed.status == 403)
            let refusals = try await AuditLog(database: server.database).events(matching: .init(action: "request.approval_refused"), pageSize: 10)
                .events
            #expect(refusals.contains { $0.detailsJSON.hasSuffix(#","self_approval":true}"#) })
            #expect(refusals.count == 2)
            let still = try await server.call(.GET, "/api/v1alpha1/requests/\(id)", as: alice)
            #expect(try server.decode(RequestEnvelope.self, still.body).request.state == "REQUEST_STATE_PENDING")
        }
    }

    @Test func aQuorumOfTwoDistinctApproversIsNeeded() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(role: "prod-admin"))
            let request = try server.decode(RequestEnvelope.self, created.body).request
            #expect(request.requiredApprovals == 2)
            let first = try await server.call(.POST, "/api/v1alpha1/requests/\(request.id)/approve", as: bob, json: "{}")
            let afterFirst = try server.decode(RequestEnvelope.self, first.body).request
            #expect(afterFirst.state == "REQUEST_STATE_PENDING" && afterFirst.approvals.count == 1)
            let again = try await server.call(.POST, "/api/v1alpha1/requests/\(request.id)/approve", as: bob, json: "{}")
            #expect(again.status == 409)
            let second = try await server.call(.POST, "/api/v1alpha1/requests/\(request.id)/approve", as: carol, json: "{}")
            let done = try server.decode(RequestEnvelope.self, second.body).request
            #expect(done.state == "REQUEST_STATE_ACTIVE")
            #expect(Set(done.approvals.map(\.approverIdentity)) == ["bob@example.com", "carol@example.com"])
            // Lists carry each request's own approvals (fetched for the whole page at once).
            let other = try server.decode(
                RequestEnvelope.self,
                try await server.call(
                    .POST, "/api/v1alpha1/requests", as: alice,
                    json: submission(role: "prod-admin")
                ).body
            ).request
            _ = try await server.call(.POST, "/api/v1alpha1/requests/\(other.id)/approve", as: carol, json: "{}")
            let listed = try server.decode(RequestList.self, try await server.call(.GET, "/api/v1alpha1/requests?mine=true", as: alice).body).requests
            #expect(listed.first { $0.id == request.id }?.approvals.map(\.approverIdentity).sorted() == ["bob@example.com", "carol@example.com"])
            #expect(listed.first { $0.id == other.id }?.approvals.map(\.approverIdentity) == ["carol@example.com"])
            let late = try await server.call(.POST, "/api/v1alpha1/requests/\(request.id)/approve", as: "dave@example.com;sre-leads", json: "{}")
            #expect(late.status == 409)
        }
    }

    @Test func breakGlassNeedsThePolicyAndGoesStraightToActiveFlaggedInTheAudit() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let refused = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(extra: #","break_glass":true"#))
            #expect(refused.status == 403, "tier 0 may not break glass: \(refused.body)")
            let tier = try await server.call(
                .PUT, "/api/v1alpha1/principals/alice@example.com/trust-tier", as: admin,
                json: #"{"trust_tier":4,"notes":"on-call lead"}"#)
            #expect(tier.status == 200, "\(tier.body)")
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(extra: #","break_glass":true"#))
            #expect(created.status == 200, "\(created.body)")
            let request = try server.decode(RequestEnvelope.self, created.body).request
            #expect(request.state == "REQUEST_STATE_ACTIVE" && request.breakGlass && request.approverIdentity == "break-glass")
            let approved = try await AuditLog(database: server.database).events(
                matching: .init(requestID: request.id, action: "request.approved"),
                pageSize: 10
            ).events
            #expect(approved.count == 1 && approved[0].detailsJSON.contains("\"break_glass\":true"))
        }
    }

    /// A trust tier another replica changes (here: the table itself) reaches this replica's cache through
    /// `NOTIFY jitsudo_principals`, not its lifetime: the cache is set to keep tiers 300 s, and the wait gives 20.
    @Test func aTrustTierChangedElsewhereReachesTheCacheThroughTheNotification() async throws {
        try await withServer(policies: TestPolicies.standard, configure: { $0.policies.trustTierCacheSeconds = 300 }) { server in
            let breakGlass = submission(extra: #","break_glass":true"#)
            let refused = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: breakGlass)
            #expect(refused.status == 403, "tier 0 (now cached) may not break glass: \(refused.body)")
            try await server.database.query(
                "UPDATE principals SET trust_tier = 4 WHERE identity = 'alice@example.com'")
            var created: (status: Int, body: String) = (0, "")
            try await waitUntil("the new tier is used", timeout: .seconds(20)) {
                let response = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: breakGlass)
                created = (response.status, response.body)
                return response.status == 200
            }
            #expect(try server.decode(RequestEnvelope.self, created.body).request.breakGlass)
            // And back down: the lowered tier refuses again, through the same notification.
            try await server.database.query(
                "UPDATE principals SET trust_tier = 0 WHERE identity = 'alice@example.com'")
            try await waitUntil("the lowered tier is used", timeout: .seconds(20)) {
                try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: breakGlass).status == 403
            }
        }
    }

    @Test func denyWithdrawAndRevokeFollowTheRules() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let first = try server.decode(
                RequestEnvelope.self, try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission()).body
            ).request
            let noReason = try await server.call(.POST, "/api/v1alpha1/requests/\(first.id)/deny", as: bob, json: "{}")
            #expect(noReason.status == 400 && noReason.body.contains("reason is required"))
            let outsider = try await server.call(.POST, "/api/v1alpha1/requests/\(first.id)/deny", as: mallory, json: #"{"reason":"no"}"#)
            #expect(outsider.status == 403)
            let revokePending = try await server.call(.POST, "/api/v1alpha1/requests/\(first.id)/revoke", as: alice, json: "{}")
            #expect(revokePending.status == 409)
            let withdrawn = try await server.call(.POST, "/api/v1alpha1/requests/\(first.id)/deny", as: alice, json: #"{"reason":"not needed"}"#)
            #expect(try server.decode(RequestEnvelope.self, withdrawn.body).request.state == "REQUEST_STATE_REJECTED")
            let approveRejected = try await server.call(.POST, "/api/v1alpha1/requests/\(first.id)/approve", as: bob, json: "{}")
            #expect(approveRejected.status == 409)

            let second = try server.decode(
                RequestEnvelope.self,
                try await server.call(
                    .POST, "/api/v1alpha1/requests", as: alice,
                    json: submission(role: "viewer")
                ).body
            ).request
            let foreign = try await server.call(.POST, "/api/v1alpha1/requests/\(second.id)/revoke", as: bob, json: "{}")
            #expect(foreign.status == 403)
            let revoked = try await server.call(.POST, "/api/v1alpha1/requests/\(second.id)/revoke", as: alice, json: #"{"reason":"done"}"#)
            let revokedRequest = try server.decode(RequestEnvelope.self, revoked.body).request
            #expect(revokedRequest.state == "REQUEST_STATE_REVOKED" && revokedRequest.revokedBy == "alice@example.com")
            let again = try await server.call(.POST, "/api/v1alpha1/requests/\(second.id)/revoke", as: admin, json: "{}")
            #expect(again.status == 200)
            #expect(try server.decode(RequestEnvelope.self, again.body).request.revokedBy == "alice@example.com", "idempotent: unchanged")
            let credentials = try await server.call(.GET, "/api/v1alpha1/requests/\(second.id)/credentials", as: alice)
            #expect(credentials.status == 409)
            // The sweeper confirms the revocation at the provider exactly once, and only then clears revocationPending
            // (the provider call happens before the queue row is closed, so wait for both).
            var calls = 0
            var pending = true
            for _ in 0..<100 where calls != 1 || pending {
                let rows = try await server.database.query(
                    "SELECT calls FROM mock_provider_ledger WHERE request_id = \(second.id) AND operation = 'revoke'")
                for try await count in rows.decode(Int.self) { calls = count }
                pending = try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(second.id)", as: alice).body)
                    .request.revocationPending
                if calls != 1 || pending { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(calls == 1)
            #expect(!pending)
        }
    }

    @Test func aPendingRequestExpiresWhenTheClockPassesItsTTLAndNotBefore() async throws {
        let clock = ManualClock()
        try await withServer(policies: TestPolicies.standard, clock: clock) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            let id = try server.decode(RequestEnvelope.self, created.body).request.id
            func state() async throws -> String {
                try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(id)", as: alice).body).request.state
            }
            #expect(try await state() == "REQUEST_STATE_PENDING")
            try await clock.waitUntilSleeping(pacedLoopsOfALeader)
            // A day less a minute: the sweeper wakes (its safety re-scan is due), sweeps and leaves the request alone.
            try await clock.advanceAndSettle(by: .seconds(24 * 3600 - 60), loops: pacedLoopsOfALeader)
            #expect(try await state() == "REQUEST_STATE_PENDING")
            clock.advance(by: .seconds(61))
            try await waitUntil("the pending request expired", timeout: .seconds(10)) { try await state() == "REQUEST_STATE_EXPIRED" }
        }
    }

    @Test func grantsExpireWhenTheClockPassesTheirEndAndAreRevokedAtTheProvider() async throws {
        let clock = ManualClock()
        try await withServer(policies: TestPolicies.standard, clock: clock) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(role: "viewer", duration: 3600))
            let request = try server.decode(RequestEnvelope.self, created.body).request
            let id = request.id
            #expect(request.state == "REQUEST_STATE_ACTIVE")
            func state() async throws -> String {
                try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(id)", as: alice).body).request.state
            }
            // An hour of the server's time passes in an instant of the test's: the grant ends because the clock
            // passed its end (the sweeper selects with the server's clock and sleeps on it), not because time went by.
            clock.advance(by: .seconds(3600))
            try await waitUntil("the grant expired", timeout: .seconds(10)) { try await state() == "REQUEST_STATE_EXPIRED" }
            let ended = try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(id)", as: alice).body)
            #expect(ended.request.expiresAt == request.expiresAt, "expired at its end, not moved")
            let actions = try await AuditLog(database: server.database).events(matching: .init(requestID: id), pageSize: 50).events.map(\.action)
            #expect(actions.contains("grant.expired"))
            #expect(try await count(server.database, "SELECT COUNT(*)::integer FROM requests WHERE credentials_json IS NOT NULL") == 0)
        }
    }

    @Test func extendingIsReCheckedByPolicy() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(role: "viewer", duration: 3600))
            let request = try server.decode(RequestEnvelope.self, created.body).request
            let extended = try await server.call(.POST, "/api/v1alpha1/requests/\(request.id)/extend", as: alice, json: #"{"duration_seconds":1800}"#)
            #expect(extended.status == 200, "\(extended.body)")
            let after = try server.decode(RequestEnvelope.self, extended.body).request
            #expect(after.durationSeconds == "5400")
            let tooMuch = try await server.call(.POST, "/api/v1alpha1/requests/\(request.id)/extend", as: alice, json: #"{"duration_seconds":36000}"#)
            #expect(tooMuch.status == 403)
        }
    }

    @Test func whenTheAuditWriteFailsNothingChangesAndTheCallerGetsAnError() async throws {
        try await withServer(policies: TestPolicies.standard) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            let id = try server.decode(RequestEnvelope.self, created.body).request.id
            try await server.database.query("ALTER TABLE audit_pending ADD CONSTRAINT sabotage CHECK (seq < 0) NOT VALID")
            let approve = try await server.call(.POST, "/api/v1alpha1/requests/\(id)/approve", as: bob, json: "{}")
            #expect(approve.status == 500)
            #expect(approve.body.contains("quote request id"))
            #expect(!approve.body.contains("sabotage"), "no SQL leaks into messages")
            try await server.database.query("ALTER TABLE audit_pending DROP CONSTRAINT sabotage")
            let after = try server.decode(RequestEnvelope.self, try await server.call(.GET, "/api/v1alpha1/requests/\(id)", as: alice).body).request
            #expect(after.state == "REQUEST_STATE_PENDING" && after.approvals.isEmpty)
            let refused = try await server.call(.POST, "/api/v1alpha1/requests", as: mallory, json: submission())
            #expect(refused.status == 403)
        }
    }
}

func count(_ database: Database, _ sql: String) async throws -> Int {
    let rows = try await database.query(PostgresQuery(unsafeSQL: sql))
    for try await value in rows.decode(Int.self) { return value }
    return -1
}
