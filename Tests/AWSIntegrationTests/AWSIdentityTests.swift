import AWSSigV4
import Foundation
import JitsudoAWSProvider
import JitsudoProviders
import Logging
import Synchronization
import Testing

/// jitsudod's own identity through web identity, and the identity_center mode, against moto.
extension MotoTests {
    @Suite struct AWSIdentityTests {
        @Test func webIdentityCredentialsAreFetchedFromSTSAndRefreshedBeforeTheyExpire() async throws {
            // moto answers unsigned calls only with its IAM checks off: a second moto for this test.
            let endpoint = try await Moto.launch()
            let tokenFile = NSTemporaryDirectory() + "jitsudo-web-identity-\(UUID().uuidString)"
            try "eyJhbGciOiJSUzI1NiJ9.e30.c2ln".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let environment = [
                "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::\(Moto.account):role/jitsudod-irsa",
                "HOME": "/nonexistent",
            ]
            let source = try AWSCredentialChain.source(
                environment: environment, region: "us-east-1", endpointURL: endpoint, logger: Logger(label: "t"))
            let client = AWSClient(configuration: .init(region: "us-east-1", endpointURL: endpoint), credentials: source, logger: Logger(label: "t"))
            let caller = try await STSCalls.callerIdentity(client)
            #expect(caller.arn == "arn:aws:sts::\(Moto.account):assumed-role/jitsudod-irsa/jitsudod", "\(caller)")

            // The same fetch behind a clock the test moves: reused while valid, fetched again 5 minutes before expiry.
            let clock = Mutex(Date())
            let fetches = Mutex(0)
            let sts = AWSClient(configuration: .init(region: "us-east-1", endpointURL: endpoint), credentials: nil, logger: Logger(label: "t"))
            let refreshing = RefreshingCredentials(now: { clock.withLock { $0 } }) { () async throws(AWSError) -> AWSCredentials in
                fetches.withLock { $0 += 1 }
                return try await STSCalls.assumeRoleWithWebIdentity(
                    sts, roleARN: environment["AWS_ROLE_ARN"] ?? "", sessionName: "jitsudod",
                    token: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
            }
            let first = try await refreshing.credentials()
            let expiration = try #require(first.expiration)
            #expect(try await refreshing.credentials() == first && fetches.withLock { $0 } == 1)
            clock.withLock { $0 = expiration.addingTimeInterval(-299) }
            let second = try await refreshing.credentials()
            #expect(fetches.withLock { $0 } == 2 && second.accessKeyID != first.accessKeyID)
        }

        @Test func identityCenterGrantAssignsThePermissionSetAndRevokeRemovesIt() async throws {
            let moto = try await Moto.shared.environment()
            let user = "carol-\(UUID().uuidString.prefix(6))@example.com"
            let output = try await Moto.fixture(moto.endpoint, ["identity-center", user], keys: moto.admin)
            let ids = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let instance = try #require(ids["instance_arn"] as? String), store = try #require(ids["identity_store_id"] as? String)
            let permissionSet = try #require(ids["permission_set_arn"] as? String), userID = try #require(ids["user_id"] as? String)
            let settings = ProviderSettings(
                provider: "aws",
                values: [
                    "enabled": "true", "endpoint_url": moto.endpoint, "mode": "identity_center", "identity_center.instance_arn": instance,
                    "identity_center.identity_store_id": store, "identity_center.permission_sets": "readonly=\(permissionSet)",
                    "identity_center.start_url": "https://example.awsapps.com/start",
                ])
            // The fixture admin stands in for jitsudod here (the least-privilege policy under test is assume_role's).
            let admin = AWSCredentials(accessKeyID: moto.admin.access_key_id, secretAccessKey: moto.admin.secret_access_key)
            let provider = AWSProvider(
                configuration: try AWSProvider.Configuration(settings: settings), credentials: StaticCredentials(admin),
                runsOnSession: false, logger: Logger(label: "t"))
            let client = AWSClient(
                configuration: .init(region: "us-east-1", endpointURL: moto.endpoint), credentials: StaticCredentials(admin),
                logger: Logger(label: "t"))
            func holders() async throws -> [String] {
                try await IdentityCenterCalls.principals(client, instanceARN: instance, account: Moto.account, permissionSetARN: permissionSet)
                    .map { "\($0.type):\($0.id)" }
            }
            let request = GrantRequest(
                requestID: "req_ic1", requesterIdentity: user, role: "readonly", resourceScope: Moto.account,
                durationSeconds: 3600, metadata: [:])
            let issued = try await provider.grant(request)
            #expect(try await holders() == ["USER:\(userID)"])
            #expect(issued.credentials["AWS_SSO_START_URL"] == "https://example.awsapps.com/start" && issued.credentials["AWS_ACCESS_KEY_ID"] == nil)
            _ = try await provider.grant(request)
            #expect(try await holders() == ["USER:\(userID)"], "granting twice is granting once")
            try await provider.revoke(requestID: "req_ic1", revokeToken: issued.revokeToken)
            #expect(try await holders().isEmpty)
            try await provider.revoke(requestID: "req_ic1", revokeToken: issued.revokeToken)
            await #expect(throws: ProviderError.self) {
                _ = try await provider.grant(
                    GrantRequest(
                        requestID: "req_ic2", requesterIdentity: "nobody@example.com", role: "readonly",
                        resourceScope: Moto.account, durationSeconds: 60, metadata: [:]))
            }
        }
    }
}
