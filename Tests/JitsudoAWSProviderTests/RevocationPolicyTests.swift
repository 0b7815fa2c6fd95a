import Foundation
import JitsudoAWSProvider
import Testing

/// The deny document: only the revoked grants' sessions, pruned when they can no longer be valid, within IAM's limit.
@Suite struct RevocationPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// IAM's evaluation of the document's one condition for a session carrying `tag` (nil: untagged session).
    func denies(_ document: String, sessionTag tag: String?) throws -> Bool {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        let statements = try #require(object["Statement"] as? [[String: Any]])
        return try statements.contains { statement in
            #expect(statement["Effect"] as? String == "Deny" && statement["Action"] as? String == "*")
            let condition = try #require(statement["Condition"] as? [String: [String: [String]]])
            #expect(Array(condition.keys) == ["StringEquals"], "one operator, nothing that matches every session")
            let values = try #require(condition["StringEquals"]?["aws:PrincipalTag/jitsudo-request-id"])
            #expect(condition["StringEquals"]?.count == 1)
            // StringEquals on a key the session does not carry does not match: untagged sessions are never denied.
            return tag.map(values.contains) ?? false
        }
    }

    @Test func theDocumentDeniesOnlyTheRevokedGrantsSessions() throws {
        let policy = RevocationPolicy().adding("req_A", until: now.addingTimeInterval(3600)).adding("req_B", until: now.addingTimeInterval(7200))
        let document = policy.document()
        #expect(try denies(document, sessionTag: "req_A"))
        #expect(try denies(document, sessionTag: "req_B"))
        #expect(try !denies(document, sessionTag: "req_C"), "another live grant of the same role keeps working")
        #expect(try !denies(document, sessionTag: nil), "sessions jitsudo did not issue keep working")
        #expect(try !denies(document, sessionTag: "req_"), "no prefix or wildcard matching")
        #expect(!document.contains("*\"]") && !document.contains("StringLike"))
        #expect(RevocationPolicy.parse(document) == policy)
    }

    @Test func addingTwiceKeepsOneEntryAtTheLaterTime() {
        let once = RevocationPolicy().adding("req_A", until: now)
        let twice = once.adding("req_A", until: now.addingTimeInterval(-600)).adding("req_A", until: now)
        #expect(twice == once && twice.requestIDs == ["req_A"])
        let later = once.adding("req_A", until: now.addingTimeInterval(600))
        #expect(later.buckets.count == 1 && later.buckets[0].until > once.buckets[0].until)
    }

    @Test func entriesArePrunedOnceNoSessionCanBeValid() {
        let policy = RevocationPolicy().adding("req_old", until: now.addingTimeInterval(-1)).adding("req_new", until: now.addingTimeInterval(60))
        #expect(policy.expiredRequestIDs(at: now) == ["req_old"])
        #expect(policy.pruned(at: now).requestIDs == ["req_new"])
    }

    @Test func aFullPolicyIsCompactedThenRefused() throws {
        var policy = RevocationPolicy()
        for index in 0..<200 { policy = policy.adding("req_\(String(format: "%026d", index))", until: now.addingTimeInterval(Double(index) * 120)) }
        #expect(policy.document().count > RevocationPolicy.sizeLimit)
        let fitted = try #require(policy.fitted())
        #expect(fitted.document.count <= RevocationPolicy.sizeLimit)
        #expect(fitted.policy.requestIDs == policy.requestIDs, "compaction keeps every id")
        #expect(
            fitted.policy.buckets.allSatisfy { bucket in
                bucket.requestIDs.allSatisfy { id in
                    policy.buckets.first { $0.requestIDs.contains(id) }.map { $0.until <= bucket.until } ?? false
                }
            }, "and only ever later")
        var tooMany = policy
        for index in 200..<400 { tooMany = tooMany.adding("req_\(String(format: "%026d", index))", until: now) }
        #expect(tooMany.fitted() == nil)
    }
}
