import JitsudoCore
import Testing

/// `http_request_id` is added to an event's details only inside an API call, and never to details kept verbatim.
@Suite struct HTTPRequestScopeTests {
    @Test func theCallIsAddedToTheDetailsAsAMember() {
        let empty = AuditDraft(actor: "a", action: "x")
        #expect(empty.stamped(httpRequestID: "r-1").detailsJSON == #"{"http_request_id":"r-1"}"#)
        let some = AuditDraft(actor: "a", action: "x", details: ["reason": "INC-1"])
        #expect(some.stamped(httpRequestID: "r\"2").detailsJSON == #"{"http_request_id":"r\"2","reason":"INC-1"}"#)
        #expect(some.stamped(httpRequestID: nil) == some, "outside an API call nothing changes")
        let twice = some.stamped(httpRequestID: "r-1").stamped(httpRequestID: "r-2")
        #expect(twice.detailsJSON == #"{"http_request_id":"r-1","reason":"INC-1"}"#, "the first call named stays")
    }

    @Test func detailsNamingACallAnywhereAreLeftAlone() {
        for details in [
            #"{"http_request_id":"r-0"}"#, #"{"a":"b","http_request_id":"r-0"}"#, #"{"nested":{"http_request_id":"r-0"}}"#,
        ] {
            var draft = AuditDraft(actor: "a", action: "x")
            draft.detailsJSON = details
            #expect(draft.stamped(httpRequestID: "r-1") == draft, "\(details)")
        }
        for details in [#"{"http_request_id_x":"r-0"}"#, #"{"http_request":"r-0"}"#, #"{"a":"\"http_request_id\""}"#] {
            var draft = AuditDraft(actor: "a", action: "x")
            draft.detailsJSON = details
            #expect(draft.stamped(httpRequestID: "r-1").detailsJSON.hasPrefix(#"{"http_request_id":"r-1","#), "\(details)")
        }
    }

    @Test func verbatimDetailsAreLeftAsReceived() {
        var reasoning = AuditDraft(actor: "ai", action: "request.ai_approved")
        reasoning.detailsJSON = #"{"reasoning": "kept as received"}"#
        reasoning.detailsVerbatim = true
        #expect(reasoning.stamped(httpRequestID: "r-1") == reasoning)
    }

    @Test func theScopeIsBoundForTheCallOnly() {
        #expect(HTTPRequestScope.requestID == nil)
        let inside = HTTPRequestScope.$requestID.withValue("r-9") { HTTPRequestScope.requestID }
        #expect(inside == "r-9" && HTTPRequestScope.requestID == nil)
    }
}
