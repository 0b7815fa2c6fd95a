import Foundation
import JitsudoCore
import Testing

@testable import JitsudoServer

/// Slack's request signature, checked against Slack's documented example and every way it must refuse.
@Suite struct SlackSignatureVerifierTests {
    // Slack's published example (api.slack.com, "Verifying requests from Slack").
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let timestamp = "1531420618"
    static let body = Array(
        ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
            + "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com"
            + "%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
            .utf8)
    static let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    static let then = Date(timeIntervalSince1970: 1_531_420_618)
    let verifier = SlackSignatureVerifier(signingSecret: secret)

    @Test func slacksDocumentedExampleVerifies() throws {
        #expect(try verifier.verify(body: Self.body, timestamp: Self.timestamp, signature: Self.signature, now: Self.then) == 1_531_420_618)
        #expect(verifier.signature(body: Self.body, timestamp: Self.timestamp) == Self.signature)
        // Upper-case hex is the same signature.
        let upper = "v0=" + Self.signature.dropFirst(3).uppercased()
        #expect(try verifier.verify(body: Self.body, timestamp: Self.timestamp, signature: upper, now: Self.then) == 1_531_420_618)
    }

    @Test func aChangedBodyTimestampOrSecretIsRefused() {
        var tampered = Self.body
        tampered[tampered.count - 1] ^= 1
        #expect(throws: SlackSignatureVerifier.Refusal.badSignature) {
            try verifier.verify(body: tampered, timestamp: Self.timestamp, signature: Self.signature, now: Self.then)
        }
        #expect(throws: SlackSignatureVerifier.Refusal.badSignature) {
            try verifier.verify(body: Self.body, timestamp: "1531420619", signature: Self.signature, now: Self.then)
        }
        #expect(throws: SlackSignatureVerifier.Refusal.badSignature) {
            try SlackSignatureVerifier(signingSecret: Self.secret + "x").verify(
                body: Self.body, timestamp: Self.timestamp, signature: Self.signature, now: Self.then)
        }
    }

    @Test func malformedSignaturesAreRefused() {
        for bad in [
            "a2114d57", "v1=" + Self.signature.dropFirst(3), String(Self.signature.dropLast()), Self.signature + "00",
            "v0=" + String(repeating: "zz", count: 32),
        ] {
            #expect(throws: SlackSignatureVerifier.Refusal.badSignature) {
                try verifier.verify(body: Self.body, timestamp: Self.timestamp, signature: bad, now: Self.then)
            }
        }
        #expect(throws: SlackSignatureVerifier.Refusal.missingHeaders) {
            try verifier.verify(body: Self.body, timestamp: nil, signature: Self.signature, now: Self.then)
        }
        #expect(throws: SlackSignatureVerifier.Refusal.missingHeaders) {
            try verifier.verify(body: Self.body, timestamp: Self.timestamp, signature: "", now: Self.then)
        }
        #expect(throws: SlackSignatureVerifier.Refusal.malformedTimestamp) {
            try verifier.verify(body: Self.body, timestamp: "15314206l8", signature: Self.signature, now: Self.then)
        }
    }

    @Test func theTimestampMustBeWithinFiveMinutesEitherWay() throws {
        for offset in [-300.0, 300.0] {
            #expect(throws: Never.self) {
                try verifier.verify(body: Self.body, timestamp: Self.timestamp, signature: Self.signature, now: Self.then + offset)
            }
        }
        #expect(throws: SlackSignatureVerifier.Refusal.staleTimestamp(ageSeconds: 301)) {
            try verifier.verify(body: Self.body, timestamp: Self.timestamp, signature: Self.signature, now: Self.then + 301)
        }
        #expect(throws: SlackSignatureVerifier.Refusal.staleTimestamp(ageSeconds: -301)) {
            try verifier.verify(body: Self.body, timestamp: Self.timestamp, signature: Self.signature, now: Self.then - 301)
        }
    }
}

/// The `block_actions` payload of a jitsudo button press.
@Suite struct SlackInteractionTests {
    static func form(_ json: String) -> [UInt8] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Array(("payload=" + (json.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")).utf8)
    }

    @Test func anApproveButtonPressNamesUserRequestAndMessage() throws {
        let body = Self.form(
            #"{"type":"block_actions","user":{"id":"U1BOB"},"channel":{"id":"C1"},"message":{"ts":"1700000000.0001"},"#
                + #""actions":[{"action_id":"jitsudo_approve","value":"01JABCDEF","type":"button"}]}"#)
        #expect(
            try SlackInteraction.parse(formBody: body)
                == SlackInteraction(userID: "U1BOB", choice: .approve, requestID: "01JABCDEF", channelID: "C1", messageTimestamp: "1700000000.0001"))
        let deny = Self.form(
            #"{"type":"block_actions","user":{"id":"U2"},"container":{"channel_id":"C9","message_ts":"1.2"},"#
                + #""actions":[{"action_id":"jitsudo_deny","value":"01JX"}]}"#)
        #expect(
            try SlackInteraction.parse(formBody: deny)
                == SlackInteraction(userID: "U2", choice: .deny, requestID: "01JX", channelID: "C9", messageTimestamp: "1.2"))
    }

    @Test func otherPayloadsAreRefused() {
        for json in [
            #"{"type":"view_submission","user":{"id":"U1"}}"#,
            #"{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"something_else","value":"01J"}]}"#,
            #"{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"jitsudo_approve"}]}"#,
            #"{"type":"block_actions","user":{"id":""},"actions":[{"action_id":"jitsudo_approve","value":"01J"}]}"#,
            "not json",
        ] {
            #expect(throws: SlackInteraction.Malformed.self) { try SlackInteraction.parse(formBody: Self.form(json)) }
        }
        #expect(throws: SlackInteraction.Malformed.self) { try SlackInteraction.parse(formBody: Array("token=abc".utf8)) }
    }

    @Test func anAuditDraftIsMarkedWithItsChannelOnce() {
        let empty = AuditDraft(actor: "bob@example.com", action: "request.approved")
        #expect(empty.marked(via: "slack").detailsJSON == #"{"via":"slack"}"#)
        let full = AuditDraft(actor: "bob@example.com", action: "request.approved", details: ["comment": "ok", "approvals": 1])
        #expect(full.marked(via: "slack").detailsJSON == #"{"via":"slack","approvals":1,"comment":"ok"}"#)
        #expect(full.marked(via: "slack").marked(via: "slack").detailsJSON == full.marked(via: "slack").detailsJSON)
    }
}
