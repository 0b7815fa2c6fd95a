import AzureClient
import Foundation
@testable import JitsudoAzureProvider
import JitsudoCore
import JitsudoProviders
import AsyncHTTPClient
import Logging
import Testing

@Suite struct AzureProviderPlanTests {
    @Test func uuidV5MatchesRFCVectorAndNamesAreDeterministic() {
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(UUIDv5.make(namespace: dns, name: "python.org").uuidString.lowercased() == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        let a = AzureGrantPlan.objectName(requestID: "req_1", instance: "prod", step: "assign")
        #expect(a == AzureGrantPlan.objectName(requestID: "req_1", instance: "prod", step: "assign"))
        #expect(a != AzureGrantPlan.objectName(requestID: "req_2", instance: "prod", step: "assign"))
        #expect(a != AzureGrantPlan.objectName(requestID: "req_1", instance: "staging", step: "assign"))
        #expect(a != AzureGrantPlan.objectName(requestID: "req_1", instance: "prod", step: "remove"))
    }

    @Test func scopesParseInTheirThreeFormsAndRefuseTheRest() throws {
        let sub = "33333333-3333-3333-3333-33333333AAAA"
        #expect(try AzureScope(parsing: sub).path == "/subscriptions/33333333-3333-3333-3333-33333333aaaa")
        #expect(try AzureScope(parsing: "/subscriptions/\(sub)/").resourceGroup == nil)
        let group = try AzureScope(parsing: "/subscriptions/\(sub)/resourcegroups/rg-App_1.(x)")
        #expect(group.path == "/subscriptions/33333333-3333-3333-3333-33333333aaaa/resourceGroups/rg-App_1.(x)")
        for bad in [
            "", "*", "prod", "/subscriptions/not-a-uuid", "/subscriptions/\(sub)/resourceGroups/", "/subscriptions/\(sub)/resourceGroups/rg.",
            "/subscriptions/\(sub)/providers/Microsoft.Compute", "/subscriptions/\(sub)/resourceGroups/rg/providers/x/y",
            "/subscriptions/\(sub)/resourceGroups/\(String(repeating: "a", count: 91))", "/providers/Microsoft.Management/managementGroups/x",
        ] {
            #expect(throws: ScopeError.self, "\(bad)") { try AzureScope(parsing: bad) }
        }
        let subscription = try AzureScope(parsing: sub)
        #expect(subscription.contains(group) && !group.contains(subscription))
        #expect(group.contains(try AzureScope(parsing: "/subscriptions/\(sub)/resourceGroups/RG-APP_1.(X)")))
        #expect(!subscription.contains(try AzureScope(parsing: "44444444-3333-3333-3333-333333333333")))
    }

    @Test func bodiesAndMarkers() {
        let principal = Principal(objectID: "p1")
        let start = Date(timeIntervalSince1970: 1_773_936_000)
        let assign = AzureGrantPlan.assign(principal: principal, roleDefinitionID: "/r", start: start, seconds: 5400, justification: "j")
        #expect(assign.requestType == "AdminAssign" && assign.principalId == "p1" && assign.roleDefinitionId == "/r")
        #expect(assign.scheduleInfo == .init(startDateTime: "2026-03-19T16:00:00Z", expiration: .init(type: "AfterDuration", duration: "PT1H30M")))
        let extend = AzureGrantPlan.extend(
            principal: principal, roleDefinitionID: "/r", start: start, notAfter: start.addingTimeInterval(60), justification: "j")
        #expect(
            extend.requestType == "AdminExtend"
                && extend.scheduleInfo?.expiration == .init(type: "AfterDateTime", endDateTime: "2026-03-19T16:01:00Z"))
        #expect(AzureGrantPlan.remove(principal: principal, roleDefinitionID: "/r", justification: "j").scheduleInfo == nil)
        #expect(
            ["PT0S", "PT45S", "PT8H", "PT2H0M1S".replacingOccurrences(of: "0M", with: "")]
                == [0, 45, 28_800, 7201].map { AzureGrantPlan.isoDuration(seconds: $0) })
        let text = AzureGrantPlan.justification(reason: "INC-7 [db]", instance: "prod", requestID: "req_01J")
        #expect(text == "INC-7 [db] [jitsudo:prod req_01J]")
        #expect(AzureGrantPlan.requestID(inMarkedText: text, instance: "prod") == "req_01J")
        #expect(AzureGrantPlan.requestID(inMarkedText: text, instance: "staging") == nil)
        let token = AzureGrantPlan.RevokeToken(scope: "/subscriptions/s", principalID: "p", principalType: "User", roleDefinitionID: "/r")
        #expect(AzureGrantPlan.RevokeToken(decoding: token.encoded) == token && AzureGrantPlan.RevokeToken(decoding: "a|b") == nil)
    }

    @Test func liveSchedulesAreTheLatestGrantingRequestOfEachOfThisInstallationsRequests() {
        func request(
            _ id: String, _ type: String, _ created: String, status: String = "Provisioned", end: String = "2030-01-01T00:00:00Z",
            instance: String = "prod"
        ) -> Authorization.ScheduleRequest {
            var properties = Authorization.ScheduleRequest.Properties(
                roleDefinitionId: "/r", principalId: "p", requestType: type, justification: "x [jitsudo:\(instance) \(id)]",
                scheduleInfo: .init(startDateTime: "2026-01-01T00:00:00Z", expiration: .init(type: "AfterDateTime", endDateTime: end)))
            properties.status = status
            properties.createdOn = created
            return Authorization.ScheduleRequest(properties: properties)
        }
        let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027
        let live = AzureProvider.liveSchedules(
            [
                request("a", "AdminAssign", "2026-01-01T00:00:00Z"),
                request("b", "AdminAssign", "2026-01-01T00:00:00Z"), request("b", "AdminRemove", "2026-01-01T01:00:00Z", status: "Revoked"),
                request("c", "AdminAssign", "2026-01-01T00:00:00Z", end: "2026-06-01T00:00:00Z"),
                request("d", "AdminAssign", "2026-01-01T00:00:00Z", instance: "staging"),
                request("e", "AdminAssign", "2026-01-01T00:00:00Z", status: "Failed"),
            ], instance: "prod", now: now)
        #expect(live.keys.sorted() == ["a"])
        #expect(AzureProvider.isoDurationSeconds("PT1H30M") == 5400 && AzureProvider.isoDurationSeconds("P1DT1S") == 86_401)
        #expect(AzureProvider.isoDurationSeconds("PT5X") == nil && AzureProvider.isoDurationSeconds("1H") == nil)
    }

    @Test func configurationReadsEveryKeyAndNamesTheKeyOfAMistake() throws {
        let base = ["tenant_id": "t", "client_id": "c", "client_secret": "s", "allowed_roles": "Reader, Contributor"]
        let configuration = try AzureProvider.Configuration(
            settings: ProviderSettings(
                provider: "azure",
                values: base.merging([
                    "mode": "role_assignment", "allowed_scopes": "33333333-3333-3333-3333-333333333333", "max_duration": "2h",
                    "principal_mapping": "bob@x=44444444-4444-4444-4444-444444444444,ops@x=group:55555555-5555-5555-5555-555555555555",
                    "arm_url": "https://127.0.0.1:8443",
                ]) { $1 }))
        #expect(configuration.mode == .roleAssignment && configuration.allowedRoles == ["Reader", "Contributor"])
        #expect(configuration.maximumDurationSeconds == 7200 && configuration.client.armURL == "https://127.0.0.1:8443")
        #expect(configuration.client.authorityURL == "https://login.microsoftonline.com")
        #expect(configuration.principalMapping["ops@x"] == Principal(objectID: "55555555-5555-5555-5555-555555555555", type: "Group"))
        func key(_ values: [String: String?]) -> String? {
            var merged = base
            for (k, v) in values { merged[k] = v }
            do { _ = try AzureProvider.Configuration(settings: ProviderSettings(provider: "azure", values: merged)) } catch { return error.key }
            return nil
        }
        #expect(key(["tenant_id": nil]) == "providers.azure.tenant_id")
        #expect(key(["federated_token_file": "/f"]) == "providers.azure.client_secret")
        #expect(key(["client_secret": nil]) == "providers.azure.client_secret")
        #expect(key(["mode": "jit"]) == "providers.azure.mode")
        #expect(key(["allowed_scopes": "prod"]) == "providers.azure.allowed_scopes")
        #expect(key(["arm_url": "http://x"]) == "providers.azure.arm_url")
        #expect(key(["principal_mapping": "a=b"]) == "providers.azure.principal_mapping")
        #expect(key([:]) == nil)
    }

    @Test func validationRefusesRolesAndScopesOutsideTheConfiguration() throws {
        var configuration = AzureProvider.Configuration(
            client: .init(tenantID: "t", clientID: "c", credential: .secret("s")), allowedRoles: ["Reader"])
        configuration.allowedScopes = [try AzureScope(parsing: "33333333-3333-3333-3333-333333333333")]
        let provider = AzureProvider(
            client: AzureClient(configuration: configuration.client, http: .shared, logger: .init(label: "t")),
            configuration: configuration, logger: .init(label: "t"))
        func request(_ role: String, _ scope: String) -> GrantRequest {
            GrantRequest(requestID: "req_1", requesterIdentity: "a@x", role: role, resourceScope: scope, durationSeconds: 60, metadata: [:])
        }
        #expect(throws: Never.self) {
            try provider.validate(request("Reader", "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg"))
        }
        func refusal(_ request: GrantRequest) -> ProviderError? {
            do { try provider.validate(request) } catch { return error }
            return nil
        }
        #expect(refusal(request("Owner", "33333333-3333-3333-3333-333333333333"))?.message.hasPrefix("role 'Owner' is not allowed") == true)
        #expect(refusal(request("Reader", "44444444-3333-3333-3333-333333333333"))?.message.contains("is not allowed; allowed:") == true)
        #expect(refusal(request("Reader", "prod"))?.code == .invalidRequest)
    }
}
