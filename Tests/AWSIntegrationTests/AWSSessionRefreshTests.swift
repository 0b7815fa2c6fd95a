import AWSSigV4
import Foundation
import JitsudoAWSProvider
import JitsudoProviders
import Logging
import Testing

extension MotoTests {
    /// A grant longer than its session: `refreshCredentials` issues a fresh session only when the stored one is ending.
    @Suite struct AWSSessionRefreshTests {
        @Test func aSessionEndingWithinFiveMinutesIsReissuedWithinTheGrant() async throws {
            let moto = try await Moto.shared.environment()
            let role = try await Moto.shared.role("refresh-\(UUID().uuidString.prefix(8))")
            let settings = ProviderSettings(
                provider: "aws",
                values: [
                    "enabled": "true", "endpoint_url": moto.endpoint,
                    "shared_credentials_file": moto.credentialsFile, "profile": "jitsudod",
                ])
            let provider = try AWSProvider.make(settings: settings, environment: [:], logger: Logger(label: "t"))
            let request = GrantRequest(
                requestID: "req_refresh", requesterIdentity: "dave@example.com", role: role, resourceScope: Moto.account,
                durationSeconds: 8 * 3600, metadata: [:])
            let issued = try await provider.grant(request)
            #expect(issued.credentials["AWS_SESSION_TOKEN"] != nil && issued.credentials["AWS_DEFAULT_REGION"] == "us-east-1")
            #expect(issued.revokeToken == "assume_role|arn:aws:iam::\(Moto.account):role/\(role)")
            #expect(try await provider.refreshCredentials(request, current: issued.credentials) == nil, "the stored session is still good")
            var ending = issued.credentials
            ending["AWS_CREDENTIAL_EXPIRATION"] = ISOTime.format(Date().addingTimeInterval(120))
            let fresh = try #require(try await provider.refreshCredentials(request, current: ending))
            #expect(fresh["AWS_ACCESS_KEY_ID"] != issued.credentials["AWS_ACCESS_KEY_ID"])
            let client = AWSClient(
                configuration: .init(region: "us-east-1", endpointURL: moto.endpoint),
                credentials: StaticCredentials(
                    AWSCredentials(
                        accessKeyID: fresh["AWS_ACCESS_KEY_ID"] ?? "", secretAccessKey: fresh["AWS_SECRET_ACCESS_KEY"] ?? "",
                        sessionToken: fresh["AWS_SESSION_TOKEN"])),
                logger: Logger(label: "t"))
            #expect(try await STSCalls.callerIdentity(client).arn == "arn:aws:sts::\(Moto.account):assumed-role/\(role)/dave@example.com")
            try await provider.revoke(requestID: "req_refresh", revokeToken: issued.revokeToken)
            try await provider.revoke(requestID: "req_refresh", revokeToken: issued.revokeToken)
            let admin = AWSClient(
                configuration: .init(region: "us-east-1", endpointURL: moto.endpoint),
                credentials: StaticCredentials(
                    AWSCredentials(
                        accessKeyID: moto.admin.access_key_id, secretAccessKey: moto.admin.secret_access_key)), logger: Logger(label: "t"))
            let document = try #require(try await IAMCalls.rolePolicy(admin, roleName: role, policyName: RevocationPolicy.policyName))
            #expect(RevocationPolicy.parse(document).requestIDs == ["req_refresh"], "revoking twice writes one entry")
        }
    }
}
