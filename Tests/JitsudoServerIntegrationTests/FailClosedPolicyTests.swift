import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoStore
import NIOHTTP1
import Testing

/// A decision rule that fails to evaluate, or breaks the contract, refuses the request through the whole server:
/// 403 naming the policy error, a `request.not_eligible` audit event carrying it, and no request row.
@Suite struct FailClosedPolicyTests {
    static let allowSRE = "package jitsudo.eligibility\n\nallow if \"sre\" in input.user.groups\n"

    @Test(arguments: [
        // Two bodies of a complete rule disagree: before the fix this was "no limit" and the 10 h request was accepted.
        ("max_duration_seconds := 3600 if input.user.email\nmax_duration_seconds := 7200 if input.request.role", "eligibility.max_duration_seconds"),
        ("max_duration_seconds := \"8h\"", "eligibility.max_duration_seconds"),
        ("break_glass_allowed := true if input.user.email\nbreak_glass_allowed := false if input.request.role", "eligibility.break_glass_allowed"),
    ])
    func anEligibilityLimitThatCannotBeEvaluatedRefusesTheRequest(rule: String, name: String) async throws {
        try await withServer(policies: [("eligibility", .eligibility, Self.allowSRE + rule)]) { server in
            let refused = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission(duration: 36_000))
            #expect(refused.status == 403, "\(refused.body)")
            let error = try server.decode(APIError.ErrorBody.self, refused.body)
            #expect(error.message.hasPrefix("not eligible: policy evaluation failed: \(name)"), "\(error.message)")
            let events = try await AuditLog(database: server.database).events(matching: .init(action: "request.not_eligible"), pageSize: 10).events
            #expect(events.count == 1)
            #expect(events.first?.detailsJSON.contains("policy evaluation failed: \(name)") == true)
            #expect(try await count(server.database, "SELECT COUNT(*)::integer FROM requests") == 0)
        }
    }

    @Test(arguments: [
        "required_approvals := 0", "required_approvals := 101", "required_approvals := \"2\"",
        "required_approvals := 2 if input.user.email\nrequired_approvals := 3 if input.request.role",
    ])
    func aQuorumOutOfRangeOrFailingRefusesTheRequestInsteadOfNeedingOneApproval(rule: String) async throws {
        let approval = "package jitsudo.approval\n\nallow if \"sre-leads\" in input.user.groups\n" + rule
        try await withServer(policies: [("eligibility", .eligibility, Self.allowSRE), ("approval", .approval, approval)]) { server in
            let refused = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            #expect(refused.status == 403, "\(refused.body)")
            #expect(refused.body.contains("policy evaluation failed: approval.required_approvals"), "\(refused.body)")
            #expect(try await count(server.database, "SELECT COUNT(*)::integer FROM requests") == 0)
            let events = try await AuditLog(database: server.database).events(matching: .init(action: "request.not_eligible"), pageSize: 10).events
            #expect(events.count == 1 && events[0].outcome == .failure)
        }
    }

    @Test func anApprovalAllowThatFailsToEvaluateRefusesTheApproverAndIsAudited() async throws {
        let approval = "package jitsudo.approval\n\nallow := true if input.user.email\nallow := false if input.request.role\n"
        try await withServer(policies: [("eligibility", .eligibility, Self.allowSRE), ("approval", .approval, approval)]) { server in
            let created = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
            let id = try server.decode(RequestEnvelope.self, created.body).request.id
            let refused = try await server.call(.POST, "/api/v1alpha1/requests/\(id)/approve", as: bob, json: "{}")
            #expect(refused.status == 403)
            #expect(refused.body.contains("policy evaluation failed: approval.allow"), "\(refused.body)")
            let refusals = try await AuditLog(database: server.database).events(matching: .init(action: "request.approval_refused"), pageSize: 10)
                .events
            #expect(refusals.count == 1 && refusals[0].detailsJSON.contains("policy evaluation failed"))
            let still = try await server.call(.GET, "/api/v1alpha1/requests/\(id)", as: alice)
            #expect(try server.decode(RequestEnvelope.self, still.body).request.state == "REQUEST_STATE_PENDING")
        }
    }
}
