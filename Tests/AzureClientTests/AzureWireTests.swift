@testable import AzureClient
import Crypto
import Foundation
import NIOHTTP1
import Testing
import _CryptoExtras

@Suite struct AzureWireTests {
    let arm = "https://management.azure.com/"
    let scope = "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-app"

    @Test func urlsCarryTheSDKsApiVersionsAndEscapedFilters() {
        #expect(
            AzurePaths.scheduleRequest(arm: arm, scope: scope, name: "abc")
                == "https://management.azure.com\(scope)/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/abc?api-version=2020-10-01")
        #expect(
            AzurePaths.roleAssignment(arm: arm, scope: scope, name: "abc")
                == "https://management.azure.com\(scope)/providers/Microsoft.Authorization/roleAssignments/abc?api-version=2022-04-01")
        #expect(
            AzurePaths.roleDefinitions(arm: arm, scope: "/subscriptions/s", roleName: "Storage Blob Data Owner'")
                == "https://management.azure.com/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions"
                + "?$filter=roleName%20eq%20%27Storage%20Blob%20Data%20Owner%27%27%27&api-version=2022-04-01")
        #expect(
            AzurePaths.user(graph: "https://graph.microsoft.com", upnOrMail: "o'neil@example.com")
                == "https://graph.microsoft.com/v1.0/users?$filter=userPrincipalName%20eq%20%27o%27%27neil%40example.com%27%20or%20"
                + "mail%20eq%20%27o%27%27neil%40example.com%27&$select=id%2CuserPrincipalName")
        #expect(
            AzurePaths.tokenEndpoint(authority: "https://login.microsoftonline.com/", tenant: "t1")
                == "https://login.microsoftonline.com/t1/oauth2/v2.0/token")
        #expect(AzurePaths.defaultScope(of: "https://management.azure.com/") == "https://management.azure.com/.default")
    }

    @Test func scheduleRequestBodiesOmitAbsentAndReadOnlyMembers() throws {
        var properties = Authorization.ScheduleRequest.Properties(
            roleDefinitionId: "/r", principalId: "p", requestType: "AdminRemove", justification: "j", scheduleInfo: nil)
        properties.status = "Provisioned"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var body = properties
        body.status = nil
        let text = String(decoding: try encoder.encode(Authorization.ScheduleRequest(properties: body)), as: UTF8.self)
        #expect(text == #"{"properties":{"justification":"j","principalId":"p","requestType":"AdminRemove","roleDefinitionId":"\/r"}}"#)
    }

    @Test func armErrorsMapToCodesWithAzuresCodeAndMessage() {
        func answer(_ status: Int, _ code: String) -> AzureClient.Response {
            .init(status: status, headers: [:], body: Data(#"{"error":{"code":"\#(code)","message":"m \#(code)"}}"#.utf8))
        }
        let forbidden = AzureClient.error(answer(403, "AuthorizationFailed"))
        #expect(forbidden.code == .forbidden && forbidden.azureCode == "AuthorizationFailed" && forbidden.message == "m AuthorizationFailed")
        #expect(AzureClient.error(answer(409, "RoleAssignmentExists")).code == .conflict)
        #expect(AzureClient.error(answer(400, "RoleAssignmentExists")).code == .conflict)
        #expect(AzureClient.error(answer(400, "RoleAssignmentDoesNotExist")).code == .badRequest)
        #expect(AzureClient.error(answer(503, "ServiceUnavailable")).code == .server)
        #expect(AzureClient.error(.init(status: 502, headers: [:], body: Data("<html>".utf8))).message == "HTTP 502")
    }

    @Test func tokenAnswersAndRefusals() throws {
        let issued = Date(timeIntervalSince1970: 1_000)
        let ok = AzureClient.Response(status: 200, headers: [:], body: Data(#"{"token_type":"Bearer","expires_in":3599,"access_token":"tok"}"#.utf8))
        let token = try AzureClient.token(from: ok, issuedAt: issued)
        #expect(token.token == "tok" && token.expiresOn == issued.addingTimeInterval(3599))
        let refused = AzureClient.Response(
            status: 401, headers: [:],
            body: Data(
                #"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"}"#.utf8))
        #expect(throws: AzureError(.authentication, "")) { try AzureClient.token(from: refused, issuedAt: issued) }
        do {
            _ = try AzureClient.token(from: refused, issuedAt: issued)
        } catch {
            #expect(error.message == "Entra refused jitsudod's credentials: AADSTS7000215: Invalid client secret provided.")
        }
    }

    @Test func tokensAreRefreshedFiveMinutesBeforeTheyEndOrAtHalfLifeWhenShort() {
        let issued = Date(timeIntervalSince1970: 0)
        let hour = AccessToken(token: "t", expiresOn: issued.addingTimeInterval(3600), issuedAt: issued)
        #expect(!hour.needsRefresh(at: issued.addingTimeInterval(3299)))
        #expect(hour.needsRefresh(at: issued.addingTimeInterval(3300)))
        let short = AccessToken(token: "t", expiresOn: issued.addingTimeInterval(60), issuedAt: issued)
        #expect(!short.needsRefresh(at: issued.addingTimeInterval(29)))
        #expect(short.needsRefresh(at: issued.addingTimeInterval(30)))
    }

    @Test func retriesFollowRetryAfterAndBackOffOnServerErrorsOnly() {
        let policy = RetryPolicy()
        #expect(policy.delay(after: .status(429, retryAfter: "2"), attempt: 1) == .seconds(2))
        #expect(policy.delay(after: .status(429, retryAfter: "3600"), attempt: 1) == nil)
        #expect(policy.delay(after: .status(429, retryAfter: nil), attempt: 1) == .milliseconds(500))
        #expect(policy.delay(after: .status(503, retryAfter: nil), attempt: 1) == .milliseconds(500))
        #expect(policy.delay(after: .status(500, retryAfter: nil), attempt: 3) == .seconds(2))
        #expect(policy.delay(after: .status(500, retryAfter: nil), attempt: 4) == nil)
        #expect(policy.delay(after: .transportFailure, attempt: 2) == .seconds(1))
        for status in [200, 201, 400, 403, 404, 409] { #expect(policy.delay(after: .status(status, retryAfter: "1"), attempt: 1) == nil) }
    }

    @Test func formBodiesArePercentEncoded() {
        #expect(
            AzureClient.form([("scope", "https://x/.default"), ("client_secret", "a+b=c&d")])
                == "scope=https%3A%2F%2Fx%2F.default&client_secret=a%2Bb%3Dc%26d")
    }
}
