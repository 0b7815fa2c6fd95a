import Foundation
import GoogleCloudClient
import JitsudoGCPProvider
import Testing

@Suite struct GCPValueTests {
    @Test(arguments: [
        ("my-project", "projects/my-project"), ("projects/my-project", "projects/my-project"), ("folders/123", "folders/123"),
        ("organizations/456789", "organizations/456789"),
    ])
    func scopesNameResources(_ scope: String, _ name: String) throws {
        #expect(try GCPResource(scope: scope).name == name)
    }

    @Test(arguments: [
        "", "Proj", "short", "1project", "project-", "projects/", "folders/abc", "folders/0123", "orgs/1", "projects/a/b",
        "projects/my-project/../x", String(repeating: "a", count: 31),
    ])
    func badScopesAreRefused(_ scope: String) {
        #expect(throws: GCPScopeError.self) { try GCPResource(scope: scope) }
    }

    @Test func theConditionExpressionRoundsTheEndUpToTheSecondAndParsesBack() {
        let end = Date(timeIntervalSince1970: 1_700_000_000.001)
        let expression = GrantCondition.expression(notAfter: end)
        #expect(expression == "request.time < timestamp('2023-11-14T22:13:21Z')")
        #expect(GrantCondition.end(ofExpression: expression) == Date(timeIntervalSince1970: 1_700_000_001))
        #expect(GrantCondition.end(ofExpression: "request.time < timestamp('x')") == nil)
        #expect(GrantCondition.end(ofExpression: "resource.name == 'a'") == nil)
    }

    @Test func titlesNameTheRequestOnlyUnderTheirPrefix() {
        #expect(GrantCondition.requestID(fromTitle: "jitsudo req_1", prefix: "jitsudo") == "req_1")
        #expect(GrantCondition.requestID(fromTitle: "jitsudo-prod req_1", prefix: "jitsudo") == nil)
        #expect(GrantCondition.requestID(fromTitle: "jitsudo ", prefix: "jitsudo") == nil)
        #expect(GrantCondition.requestID(fromTitle: "jitsudo a b", prefix: "jitsudo") == nil)
    }

    @Test func backoffGrowsWithinItsBoundsAndStopsAfterTheLastAttempt() {
        let policy = RetryPolicy(maximumAttempts: 4, baseDelay: .milliseconds(100), maximumDelay: .milliseconds(500))
        #expect(policy.delay(afterAttempt: 1, jitter: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3, jitter: 1) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 9, jitter: 1) == .milliseconds(500))
        let half = policy.delay(afterAttempt: 3, jitter: 0.5)
        #expect(half > .milliseconds(199) && half < .milliseconds(201))
        #expect(policy.delay(afterAttempt: 200, jitter: 0) == .zero)
        #expect(policy.allowsRetry(afterAttempt: 3) && !policy.allowsRetry(afterAttempt: 4))
    }

    @Test func tokensAreRefreshedBeforeTheirEnd() throws {
        let now = Date(timeIntervalSince1970: 1000)
        let body = #"{"access_token":"ya29.secret","expires_in":3599,"token_type":"Bearer"}"#
        let token = try AccessToken.fromTokenResponse(Array(body.utf8), receivedAt: now)
        #expect(token.expiresAt == now.addingTimeInterval(3599))
        #expect(!token.needsRefresh(at: now, margin: 300))
        #expect(token.needsRefresh(at: now.addingTimeInterval(3300), margin: 300))
        #expect(token.value == "ya29.secret" && !token.description.contains("secret"), "the description never shows the token")
        #expect(throws: GoogleCloudError.self) { try AccessToken.fromTokenResponse(Array(#"{"access_token":"t"}"#.utf8), receivedAt: now) }
    }

    @Test func googleErrorBodiesMapToCodes() {
        func error(_ status: Int, _ body: String) -> GoogleCloudError { GoogleCloudError.fromResponse(status: status, body: Array(body.utf8)) }
        let stale = error(409, #"{"error":{"code":409,"message":"There were concurrent policy changes.","status":"ABORTED"}}"#)
        #expect(stale.code == .aborted && stale.message == "There were concurrent policy changes.")
        #expect(error(409, #"{"error":{"code":409,"message":"x","status":"ALREADY_EXISTS"}}"#).code == .conflict)
        let denied = error(
            403,
            #"{"error":{"code":403,"message":"Permission 'resourcemanager.projects.setIamPolicy' denied","#
                + #""status":"PERMISSION_DENIED"}}"#)
        #expect(denied.code == .permissionDenied && denied.message.contains("resourcemanager.projects.setIamPolicy"))
        #expect(error(400, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#).message == "Invalid JWT Signature.")
        #expect(error(503, "<html>").code == .unavailable && error(503, "").isTransient)
        #expect(error(429, "").code == .rateLimited && !error(403, "").isTransient)
    }
}
