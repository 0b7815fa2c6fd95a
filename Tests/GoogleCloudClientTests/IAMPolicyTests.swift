import Foundation
import GoogleCloudClient
import JitsudoGCPProvider
import Testing

/// The pure policy edits: only jitsudo's binding and the version change; everything else is written back as read.
@Suite struct IAMPolicyTests {
    /// A policy as Google returns it, with a field this code does not know (`futureField`) at two levels.
    static let original =
        #"{"version":3,"etag":"BwXhqDq3EXY=","bindings":[{"role":"roles/owner","members":["user:root@example.com"]},"#
        + #"{"role":"roles/viewer","members":["group:auditors@example.com"],"condition":{"title":"office hours","#
        + #""expression":"request.time.getHours('Europe/Berlin') < 18"},"futureField":{"x":[1.50,2]}},"#
        + #"{"role":"roles/editor","members":["user:bob@example.com"],"condition":{"title":"other-jitsudo req_X","#
        + #""expression":"request.time < timestamp('2000-01-01T00:00:00Z')"}}],"#
        + #""auditConfigs":[{"service":"allServices","auditLogConfigs":[{"logType":"DATA_READ","exemptedMembers":["user:a@b.c"]}]}],"#
        + #""futureField":"kept"}"#
    static let end = Date(timeIntervalSince1970: 1_900_000_000.25)

    static func condition(_ id: String = "req_01ABC", end: Date = end) -> GrantCondition {
        GrantCondition(prefix: "jitsudo", requestID: id, notAfter: end, requester: "alice@example.com")
    }

    static func policy() throws -> IAMPolicy { IAMPolicy(try JSONValue.parse(original)) }

    @Test func grantingAppendsOneConditionalBindingAndKeepsEverythingElseByteForByte() throws {
        let granted = try #require(try Self.policy().granting(role: "roles/viewer", member: "user:alice@example.com", condition: Self.condition()))
        let added = try #require(granted.bindings.last)
        #expect(
            added.text == #"{"role":"roles/viewer","members":["user:alice@example.com"],"condition":{"title":"jitsudo req_01ABC","#
                + #""description":"Granted by jitsudo to alice@example.com for request req_01ABC; ends 2030-03-17T17:46:41Z","#
                + #""expression":"request.time < timestamp('2030-03-17T17:46:41Z')"}}"#)
        let rest = granted.document.setting("bindings", to: .array(Array(granted.bindings.dropLast())))
        #expect(rest.text == Self.original, "everything but the new binding is the policy as read")
    }

    @Test func grantingAVersion1PolicyRaisesItToVersion3() throws {
        let policy = IAMPolicy(try JSONValue.parse(#"{"version":1,"etag":"AAA="}"#))
        let granted = try #require(policy.granting(role: "roles/viewer", member: "user:a@example.com", condition: Self.condition()))
        #expect(granted.document["version"] == .integer(3) && granted.etag == "AAA=")
        #expect(granted.document.objectMembers?.map(\.key) == ["version", "etag", "bindings"])
    }

    @Test func grantingTwiceIsGrantingOnce() throws {
        let once = try #require(try Self.policy().granting(role: "roles/viewer", member: "user:alice@example.com", condition: Self.condition()))
        #expect(once.granting(role: "roles/viewer", member: "user:alice@example.com", condition: Self.condition()) == nil)
        let later = Self.condition(end: Self.end.addingTimeInterval(3600))
        let moved = try #require(once.granting(role: "roles/viewer", member: "user:alice@example.com", condition: later))
        #expect(moved.bindings.count == once.bindings.count, "replaced in place, not added")
    }

    @Test func revokingRestoresThePolicyAsRead() throws {
        let policy = try Self.policy()
        let granted = try #require(policy.granting(role: "roles/viewer", member: "user:alice@example.com", condition: Self.condition()))
        let revoked = try #require(granted.revoking(titles: [Self.condition().title]))
        #expect(revoked.document.text == Self.original)
        #expect(revoked.revoking(titles: [Self.condition().title]) == nil, "revoking twice changes nothing")
    }

    @Test func revokingTheOnlyBindingLeavesNoBindingsMember() throws {
        let policy = IAMPolicy(try JSONValue.parse(#"{"version":1,"etag":"AAA="}"#))
        let granted = try #require(policy.granting(role: "roles/viewer", member: "user:a@example.com", condition: Self.condition()))
        #expect(try #require(granted.revoking(titles: [Self.condition().title])).document.text == #"{"version":3,"etag":"AAA="}"#)
    }

    @Test func revokingTouchesOnlyTheTitleNamed() throws {
        let policy = try Self.policy()
        #expect(policy.revoking(titles: ["jitsudo req_X"]) == nil, "another installation's binding is not ours")
        #expect(policy.revoking(titles: ["office hours"])?.bindings.count == 2, "exactly the named binding goes")
    }

    @Test func extendingReplacesOnlyTheExpressionAndDescription() throws {
        let granted = try #require(try Self.policy().granting(role: "roles/viewer", member: "user:alice@example.com", condition: Self.condition()))
        let later = Self.condition(end: Date(timeIntervalSince1970: 1_900_003_600))
        let extended = try #require(granted.extending(later))
        let binding = try #require(extended.bindings.last)
        #expect(binding["condition"]?["expression"]?.stringValue == "request.time < timestamp('2030-03-17T18:46:40Z')")
        #expect(binding["condition"]?["title"]?.stringValue == "jitsudo req_01ABC" && binding["members"] == granted.bindings.last?["members"])
        #expect(Array(extended.bindings.dropLast()) == Array(granted.bindings.dropLast()))
        #expect(try Self.policy().extending(later) == nil, "nothing to extend when the binding is gone")
    }

    @Test func managedBindingsAreThoseWithThePrefixAndTheirEnds() throws {
        let policy = try Self.policy()
        #expect(policy.managedBindings(prefix: "jitsudo").isEmpty)
        let other = policy.managedBindings(prefix: "other-jitsudo")
        #expect(other.map(\.requestID) == ["req_X"] && other.first?.end == Date(timeIntervalSince1970: 946_684_800))
        #expect(policy.expiredTitles(prefix: "other-jitsudo", now: Date()) == ["other-jitsudo req_X"])
        #expect(policy.expiredTitles(prefix: "other-jitsudo", now: Date(timeIntervalSince1970: 0)).isEmpty)
    }

    @Test func membersAreCountedAcrossBindings() throws {
        #expect(try Self.policy().memberCount == 3)
    }
}
