import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoStore
import NIOHTTP1
import Testing

/// Every audit event written during an API call names the call (`http_request_id`, the `X-Request-Id` the caller
/// sent or the server chose), so a refused call can be found in the audit log.
@Suite struct AuditHTTPRequestIDTests {
    static let eligibility = "package jitsudo.eligibility\n\nallow if \"sre\" in input.user.groups\n"
    static let approval = "package jitsudo.approval\n\nallow if \"sre-leads\" in input.user.groups\n"

    @Test func acceptedAndRefusedCallsAreTiedToTheirAuditRows() async throws {
        try await withServer(policies: [("eligibility", .eligibility, Self.eligibility), ("approval", .approval, Self.approval)]) { server in
            let created = try await server.call(
                .POST, "/api/v1alpha1/requests", as: alice, json: submission(), headers: [("X-Request-Id", "trace-create-1")])
            #expect(created.status == 200, "\(created.body)")
            #expect(created.headers.first(name: "X-Request-Id") == "trace-create-1")
            let id = try server.decode(RequestEnvelope.self, created.body).request.id

            let selfApproval = try await server.call(
                .POST, "/api/v1alpha1/requests/\(id)/approve", as: alice, json: "{}", headers: [("X-Request-Id", "trace-refused-1")])
            #expect(selfApproval.status == 403, "\(selfApproval.body)")

            // No header: the id the server chose and echoed is the one recorded.
            let denied = try await server.call(.POST, "/api/v1alpha1/requests/\(id)/deny", as: bob, json: "{\"reason\":\"no\"}")
            let chosen = try #require(denied.headers.first(name: "X-Request-Id"))

            let events = try await AuditLog(database: server.database).events(matching: .init(requestID: id), pageSize: 50).events
            func recorded(_ callID: String) -> [AuditEvent] {
                events.filter { $0.detailsJSON.contains("\"http_request_id\":\"\(callID)\"") }
            }
            #expect(recorded("trace-create-1").map(\.action).contains("request.created"), "\(events.map(\.detailsJSON))")
            let refusal = recorded("trace-refused-1")
            #expect(refusal.count == 1 && refusal.first?.outcome == .failure, "\(events.map(\.detailsJSON))")
            #expect(recorded(chosen).map(\.action) == ["request.denied"], "\(events.map(\.detailsJSON))")
            #expect(events.allSatisfy { $0.detailsJSON.contains("http_request_id") }, "every event of this request was written in a call")
            #expect(try await AuditLog(database: server.database).verify().intact)
        }
    }
}
