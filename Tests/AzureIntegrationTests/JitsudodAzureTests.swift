import AsyncHTTPClient
import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoProviders
import JitsudoServer
import JitsudoServerTesting
import JitsudoStore
import JitsudoTesting
import NIOCore
import NIOHTTP1
import Testing

/// jitsudod with the `azure` provider against the contract fake over HTTPS: request → approve → ACTIVE in both modes,
/// what Azure was asked to do, revoke, expiry, drift, 403 and 429.
@Suite(.serialized) struct JitsudodAzureTests {
    static let eligibility = """
        package jitsudo.eligibility

        allow if {
            input.request.provider == "azure"
            "sre" in input.user.groups
        }
        """
    static let approval = """
        package jitsudo.approval

        allow if "sre-leads" in input.user.groups

        approver_tier := "auto" if input.request.role == "Reader"
        """
    static let alice = "alice@example.com"
    static let bob = "bob@example.com;sre-leads"
    static let subscriptionScope = "/subscriptions/\(AzureFake.subscription)"
    static let readerID =
        "/subscriptions/\(AzureFake.subscription)/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"

    /// A running jitsudod (policies loaded) whose azure provider talks to `fake`, and an API caller.
    func withJitsudod(
        _ fake: AzureFake, settings: [String: String],
        _ body: @Sendable (_ call: @escaping Call, _ daemon: Daemon) async throws -> Void
    ) async throws {
        let url = try await TestPostgres.shared.createDatabase()
        var configuration = InProcessDaemon.configuration(databaseURL: url.urlString)
        configuration.providers.cloud["azure"] = ProviderSettings(provider: "azure", values: settings)
        try await InProcessDaemon.run(configuration, label: "jitsudod.azure-test") { baseURL, daemon in
            let api = DaemonAPI(baseURL: baseURL)
            let call: Call = { method, path, caller, json in try await api.call(method, path, as: caller, json: json) }
            try await api.applyPolicies([("eligibility", "eligibility", Self.eligibility), ("approval", "approval", Self.approval)])
            try await body(call, daemon)
        }
    }

    typealias Call = @Sendable (HTTPMethod, String, String, String?) async throws -> (Int, String)

    static func submission(role: String, scope: String = subscriptionScope, seconds: Int = 600) -> String {
        #"{"provider":"azure","role":"\#(role)","resource_scope":"\#(scope)","duration_seconds":\#(seconds),"reason":"INC-17"}"#
    }

    static func request(_ body: String) throws -> WireRequest { try JSONDecoder().decode(RequestEnvelope.self, from: Data(body.utf8)).request }

    @Test func pimModeSchedulesThePrincipalsRoleAtTheScopeForTheGrantAndRevokeRemovesIt() async throws {
        try await AzureFake.with { fake in
            let principal = try await fake.addUser(Self.alice)
            try await withJitsudod(fake, settings: fake.settings(mode: "pim")) { call, _ in
                let scope = Self.subscriptionScope + "/resourceGroups/rg-app"
                // A 429 with Retry-After on the first PUT: the client waits, then the grant goes through once.
                try await fake.fault("PUT", pathContains: "roleAssignmentScheduleRequests", status: 429, code: "TooManyRequests", retryAfter: 1)
                let (status, body) = try await call(
                    .POST, "/requests", "\(Self.alice);sre", Self.submission(role: "Reader", scope: scope, seconds: 5400))
                #expect(status == 200, "\(body)")
                let request = try Self.request(body)
                #expect(request.state == "REQUEST_STATE_ACTIVE", "\(body)")

                let state = try await fake.state()
                let schedules = state.active.filter { $0["kind"] as? String == "schedule" }
                #expect(schedules.count == 1)
                #expect(schedules.first?["principalId"] as? String == principal)
                #expect(schedules.first?["roleDefinitionId"] as? String == Self.readerID)
                #expect(schedules.first?["scope"] as? String == scope)
                let assign = state.scheduleRequests.filter { $0["requestType"] as? String == "AdminAssign" }
                #expect(assign.count == 1 && assign.first?["duration"] as? String == "PT1H30M")
                #expect((assign.first?["justification"] as? String)?.contains("[jitsudo:jitsudo \(request.id)]") == true)
                let puts = state.log.filter { $0["method"] as? String == "PUT" }
                #expect(puts.map { $0["status"] as? Int } == [429, 201])
                if puts.count == 2, let first = puts[0]["at"] as? Double, let second = puts[1]["at"] as? Double {
                    #expect(second - first >= 1.0, "the retry came \(second - first) s after a 429 with Retry-After: 1")
                }

                let (credentialsStatus, credentials) = try await call(.GET, "/requests/\(request.id)/credentials", "\(Self.alice);sre", nil)
                #expect(credentialsStatus == 200)
                #expect(credentials.contains(#""name":"AZURE_SUBSCRIPTION_ID","value":"\#(AzureFake.subscription)""#), "\(credentials)")
                #expect(credentials.contains(#""name":"JITSUDO_AZURE_SCOPE""#), "\(credentials)")

                let (revokeStatus, revoked) = try await call(.POST, "/requests/\(request.id)/revoke", "\(Self.alice);sre", #"{"reason":"done"}"#)
                #expect(try revokeStatus == 200 && Self.request(revoked).state == "REQUEST_STATE_REVOKED", "\(revoked)")
                try await waitUntil("the revocation reaches azure as an AdminRemove") { try await fake.state().active.isEmpty }
                let after = try await fake.state()
                #expect(after.scheduleRequests.compactMap { $0["requestType"] as? String } == ["AdminAssign", "AdminRemove"])
                // The fake serves ARM and Graph at one URL, so one `.default` scope: one token, cached for every call.
                #expect(after.tokenRequests == 1, "\(after.tokenRequests) token requests")
            }
        }
    }

    @Test func roleAssignmentModeAssignsUntilExpiryAndForbiddenIsRefusedWithAzuresMessageUntilApprovedAgain() async throws {
        try await AzureFake.with { fake in
            let principal = try await fake.addUser(Self.alice)
            try await withJitsudod(fake, settings: fake.settings(mode: "role_assignment")) { call, daemon in
                let (status, body) = try await call(.POST, "/requests", "\(Self.alice);sre", Self.submission(role: "Contributor", seconds: 3))
                #expect(status == 200, "\(body)")
                let request = try Self.request(body)
                #expect(request.state == "REQUEST_STATE_PENDING")

                try await fake.fault("PUT", pathContains: "roleAssignments/", status: 403, code: "AuthorizationFailed")
                let (refusedStatus, refused) = try await call(.POST, "/requests/\(request.id)/approve", Self.bob, #"{"comment":"ok"}"#)
                #expect(refusedStatus == 502, "\(refused)")
                #expect(refused.contains("AuthorizationFailed") && refused.contains("injected AuthorizationFailed for the test"), "\(refused)")
                let (_, still) = try await call(.GET, "/requests/\(request.id)", Self.bob, nil)
                #expect(try Self.request(still).state == "REQUEST_STATE_APPROVED")
                #expect(try await fake.state().active.isEmpty)

                let (approvedStatus, approved) = try await call(.POST, "/requests/\(request.id)/approve", Self.bob, #"{"comment":"again"}"#)
                #expect(try approvedStatus == 200 && Self.request(approved).state == "REQUEST_STATE_ACTIVE", "\(approved)")
                let assignments = try await fake.state().active
                #expect(assignments.count == 1)
                #expect(assignments.first?["principalId"] as? String == principal)
                #expect(assignments.first?["scope"] as? String == Self.subscriptionScope)
                #expect((assignments.first?["roleDefinitionId"] as? String)?.hasSuffix("b24988ac-6180-42a0-ab88-20f7382dd24c") == true)
                #expect((assignments.first?["description"] as? String)?.contains(request.id) == true)

                try await waitUntil("the grant expires and its role assignment is deleted", timeout: .seconds(30)) {
                    try await fake.state().active.isEmpty
                }
                let actions = try await AuditLog(database: daemon.database).events(matching: .init(requestID: request.id), pageSize: 50).events
                #expect(actions.map(\.action).contains("grant.expired"), "\(actions.map(\.action))")
            }
        }
    }

    @Test func driftCleanupRemovesThisInstallationsAssignmentsWithoutAnActiveGrantOnly() async throws {
        try await AzureFake.with { fake in
            let principal = try await fake.addUser(Self.alice)
            let other = try await fake.addUser("carol@example.com")
            try await withJitsudod(fake, settings: fake.settings(mode: "role_assignment")) { call, daemon in
                let (_, body) = try await call(.POST, "/requests", "\(Self.alice);sre", Self.submission(role: "Reader"))
                let active = try Self.request(body)
                #expect(active.state == "REQUEST_STATE_ACTIVE", "\(body)")
                let orphan = "req_01JQ3Z8H6D5Y4C2B1A0F9E8D7C"
                try await fake.admin(
                    .POST, "/_fake/assignments",
                    [
                        "scope": Self.subscriptionScope, "name": UUID().uuidString.lowercased(), "principalId": principal, "roleName": "Contributor",
                        "description": "left over [jitsudo:jitsudo \(orphan)]",
                    ])
                try await fake.admin(
                    .POST, "/_fake/assignments",
                    [
                        "scope": Self.subscriptionScope, "name": UUID().uuidString.lowercased(), "principalId": other, "roleName": "Contributor",
                        "description": "another installation's [jitsudo:staging \(orphan)]",
                    ])
                try await waitUntil("the orphaned assignment is removed by the leader's drift cleanup") {
                    try await fake.state().active.count == 2
                }
                let left = try await fake.state().active.compactMap { $0["description"] as? String }
                #expect(left.contains { $0.contains(active.id) } && left.contains { $0.contains("jitsudo:staging") }, "\(left)")
                let events = try await AuditLog(database: daemon.database).events(matching: .init(), pageSize: 500).events
                let drift = events.filter { $0.action == "grant.drift_removed" }
                #expect(drift.count == 1 && drift.first?.provider == "azure" && drift.first?.detailsJSON.contains(orphan) == true)
            }
        }
    }

    @Test func aCertificateClientAssertionIsVerifiedByTheFakeWithTheCertificatesPublicKey() async throws {
        try await AzureFake.with { fake in
            try await fake.addUser(Self.alice)
            var settings = fake.settings(mode: "pim", extra: ["client_certificate_file": fake.clientCertificateFile])
            settings["client_secret"] = nil
            try await withJitsudod(fake, settings: settings) { call, _ in
                let (status, body) = try await call(.POST, "/requests", "\(Self.alice);sre", Self.submission(role: "Reader"))
                #expect(try status == 200 && Self.request(body).state == "REQUEST_STATE_ACTIVE", "\(body)")
                #expect(try await fake.state().active.count == 1)
            }
            // A certificate the app registration does not know: Entra's refusal reaches the approver, nothing is granted.
            let stranger = NSTemporaryDirectory() + "jitsudo-azure-stranger-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: stranger) }
            let made = try await Subprocess.run("/usr/bin/env", ["python3", AzureFake.directory + "/fake_azure.py", "pki", stranger])
            #expect(made.status == 0)
            settings["client_certificate_file"] = stranger + "/client.pem"
            try await withJitsudod(fake, settings: settings) { call, _ in
                let (status, body) = try await call(
                    .POST, "/requests", "\(Self.alice);sre", Self.submission(role: "Reader", scope: AzureFake.subscription))
                #expect(status == 502 && body.contains("AADSTS700027"), "\(status) \(body)")
                #expect(try await fake.state().active.count == 1)
            }
        }
    }
}
