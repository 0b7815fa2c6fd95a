import AWSSigV4
import Foundation
import JitsudoAWSProvider
import JitsudoCore
import JitsudoProviders
import JitsudoStore
import JitsudoTesting
import Logging
import Synchronization
import Testing

/// Identity Center assignments shared by several grants, the drift passes of both modes, and jitsudod's own
/// credentials from a live container credentials endpoint — against moto.
extension MotoTests {
    @Suite struct AWSSharedAssignmentTests {
        struct IdentityCenter {
            var instance: String
            var store: String
            var permissionSet: String
            var userIDs: [String: String]
        }

        static func identityCenter(_ moto: Moto.Environment, users: [String]) async throws -> IdentityCenter {
            let output = try await Moto.fixture(moto.endpoint, ["identity-center"] + users, keys: moto.admin)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            return IdentityCenter(
                instance: try #require(object["instance_arn"] as? String), store: try #require(object["identity_store_id"] as? String),
                permissionSet: try #require(object["permission_set_arn"] as? String), userIDs: try #require(object["user_ids"] as? [String: String]))
        }

        /// A shared credentials file whose `[admin]` profile is the fixture admin (the least-privilege policy under test
        /// is assume_role's; docs/providers/aws.md lists identity_center's).
        static func adminProfile(_ moto: Moto.Environment) throws -> String {
            let file = NSTemporaryDirectory() + "jitsudo-aws-admin-\(UUID().uuidString)"
            try "[admin]\naws_access_key_id = \(moto.admin.access_key_id)\naws_secret_access_key = \(moto.admin.secret_access_key)\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        static func adminClient(_ moto: Moto.Environment) -> AWSClient {
            AWSClient(
                configuration: .init(region: "us-east-1", endpointURL: moto.endpoint),
                credentials: StaticCredentials(AWSCredentials(accessKeyID: moto.admin.access_key_id, secretAccessKey: moto.admin.secret_access_key)),
                logger: Logger(label: "t"))
        }

        /// Waits until the revocation of `id` is confirmed and returns its `grant.revocation_completed` details.
        static func completedRevocation(_ id: String, in database: Database) async throws -> String {
            var details = ""
            try await waitUntil("the revocation of \(id) is completed", timeout: .seconds(20)) {
                let events = try await AuditLog(database: database).events(
                    matching: .init(requestID: id, action: "grant.revocation_completed"), pageSize: 5
                ).events
                details = events.first?.detailsJSON ?? ""
                return !events.isEmpty
            }
            return details
        }

        @Test func grantsSharingOneAssignmentKeepItUntilTheLastEndsAndDriftRemovesOnlyJitsudosOrphans() async throws {
            let moto = try await Moto.shared.environment()
            let suffix = UUID().uuidString.prefix(6).lowercased()
            let carol = "carol-\(suffix)@example.com", dave = "dave-\(suffix)@example.com"
            let center = try await Self.identityCenter(moto, users: [carol, dave])
            let values = [
                "mode": "identity_center", "identity_center.instance_arn": center.instance, "identity_center.identity_store_id": center.store,
                "identity_center.permission_sets": "auto-readonly=\(center.permissionSet)",
                "identity_center.start_url": "https://example.awsapps.com/start", "shared_credentials_file": try Self.adminProfile(moto),
                "profile": "admin",
            ]
            let admin = Self.adminClient(moto)
            @Sendable func holders() async throws -> [String] {
                try await IdentityCenterCalls.principals(
                    admin, instanceARN: center.instance, account: Moto.account, permissionSetARN: center.permissionSet
                )
                .map { "\($0.type):\($0.id)" }.sorted()
            }
            let carolHolds = ["USER:\(center.userIDs[carol] ?? "")"]
            try await AWSJitsudod.with(provider: values) { server in
                @Sendable func request() async throws -> String {
                    let created = try await server.cli(
                        [
                            "request", "-q", "--provider", "aws", "--role", "auto-readonly", "--scope", Moto.account, "--duration", "1h", "--reason",
                            "x",
                        ],
                        as: "\(carol);sre")
                    #expect(created.status == 0, "\(created)")
                    return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let first = try await request(), second = try await request()
                #expect(try await holders() == carolHolds, "two grants of one user, permission set and account share one assignment")

                // No keys: exec says how to sign in.
                let exec = try await server.cli(["exec", first, "--", "true"], as: "\(carol);sre")
                #expect(exec.status == 0 && exec.stderr.contains("sign in through the AWS access portal"), "\(exec)")
                #expect(exec.stderr.contains("sso_start_url = https://example.awsapps.com/start"), "\(exec)")

                try await withClient(server.databaseURL) { database in
                    #expect(try await server.cli(["revoke", first], as: "\(carol);sre").status == 0)
                    let kept = try await Self.completedRevocation(first, in: database)
                    #expect(kept.contains("\"kept_for\":\"\(second)\""), "\(kept)")
                    #expect(try await holders() == carolHolds, "revoking one grant must not end the other's access")

                    #expect(try await server.cli(["revoke", second], as: "\(carol);sre").status == 0)
                    let removed = try await Self.completedRevocation(second, in: database)
                    #expect(!removed.contains("kept_for"), "\(removed)")
                    #expect(try await holders().isEmpty, "the last grant's revoke removes the assignment")

                    // Out of band: carol's assignment re-created (jitsudo made it once: drift), dave's standing one (never jitsudo's).
                    for user in [carol, dave] {
                        let status = try await IdentityCenterCalls.create(
                            admin,
                            .init(
                                instanceARN: center.instance, account: Moto.account, permissionSetARN: center.permissionSet,
                                principalType: "USER", principalID: center.userIDs[user] ?? ""))
                        #expect(status.Status != "FAILED")
                    }
                    let provider = AWSProvider(
                        configuration: try AWSProvider.Configuration(
                            settings: ProviderSettings(
                                provider: "aws", values: values.merging(["enabled": "true", "endpoint_url": moto.endpoint]) { $1 })),
                        credentials: StaticCredentials(
                            AWSCredentials(accessKeyID: moto.admin.access_key_id, secretAccessKey: moto.admin.secret_access_key)),
                        runsOnSession: false, logger: Logger(label: "t"))
                    let reconciler = DriftReconciler(
                        provider: provider, requests: RequestRepository(database: database), audit: AuditLog(database: database),
                        interval: .seconds(60), logger: Logger(label: "t"))
                    let drift = try await reconciler.reconcileOnce()
                    #expect(drift.map(\.requestID) == [second] && drift.first?.kind == "AccountAssignment", "\(drift)")
                    #expect(try await holders() == ["USER:\(center.userIDs[dave] ?? "")"], "standing access people granted is never touched")
                    try await AuditSequencer(database: database).sequenceAll(fence: nil)
                    let audited = try await AuditLog(database: database).events(matching: .init(action: "grant.drift_removed"), pageSize: 5).events
                    #expect(audited.map(\.requestID) == [second] && audited.first?.detailsJSON.contains("grant_not_active") == true)
                    #expect(try await reconciler.reconcileOnce().isEmpty)
                }
            }
        }

        @Test func theDriftPassPrunesDenyEntriesOnceNoSessionOfTheGrantCanBeValid() async throws {
            try await AWSJitsudod.with { server in
                let role = try await Moto.shared.role("auto-prune-\(UUID().uuidString.prefix(8))")
                let created = try await server.cli(
                    ["request", "-q", "--provider", "aws", "--role", role, "--scope", Moto.account, "--duration", "1h", "--reason", "x"],
                    as: JitsudodAWSTests.alice)
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(created.status == 0, "\(created)")
                #expect(try await server.cli(["revoke", id], as: JitsudodAWSTests.alice).status == 0)
                let admin = Self.adminClient(server.moto)
                @Sendable func denyPolicy() async throws -> String? {
                    try await IAMCalls.rolePolicy(admin, roleName: role, policyName: RevocationPolicy.policyName)
                }
                try await waitUntil("the revocation writes the deny entry", timeout: .seconds(20)) { try await denyPolicy()?.contains(id) == true }

                // jitsudod's own least-privilege identity, at two moments: while a session could still be valid, and after.
                let clock = Mutex(Date())
                let provider = AWSProvider(
                    configuration: try AWSProvider.Configuration(
                        settings: ProviderSettings(provider: "aws", values: ["enabled": "true", "endpoint_url": server.moto.endpoint])),
                    credentials: StaticCredentials(
                        AWSCredentials(accessKeyID: server.moto.jitsudod.access_key_id, secretAccessKey: server.moto.jitsudod.secret_access_key)),
                    runsOnSession: false, logger: Logger(label: "t"), now: { clock.withLock { $0 } })
                #expect(try await provider.removeDrift { _ in nil }.filter { $0.name == role }.isEmpty)
                #expect(try await denyPolicy()?.contains(id) == true, "an entry whose sessions may still be valid stays")
                clock.withLock { $0 = $0.addingTimeInterval(12 * 3600 + 60) }
                let pruned = try await provider.removeDrift { _ in nil }.filter { $0.name == role }
                #expect(pruned.map(\.requestID) == [id] && pruned.first?.reason == "expired", "\(pruned)")
                #expect(try await denyPolicy() == nil, "a policy left empty is deleted")
            }
        }

        @Test func jitsudodsOwnCredentialsComeFromALiveContainerCredentialsEndpoint() async throws {
            let moto = try await Moto.shared.environment()
            let directory = NSTemporaryDirectory() + "jitsudo-container-credentials-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let portFile = directory + "/endpoint.port"
            let tokenFile = portFile + ".token"
            try "pod-identity-token-\(UUID().uuidString)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let keys = try String(
                decoding: JSONSerialization.data(withJSONObject: [
                    "access_key_id": moto.jitsudod.access_key_id, "secret_access_key": moto.jitsudod.secret_access_key,
                ]), as: UTF8.self)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", Moto.fixtures + "/container_credentials.py", portFile, token, keys]
            try process.run()
            defer { process.terminate() }
            let port = try await announcedPort(in: portFile, by: process)
            let url = "http://127.0.0.1:\(port)/v1/credentials"

            let environment = [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile, "HOME": "/nonexistent",
            ]
            let source = try AWSCredentialChain.source(
                environment: environment, region: "us-east-1", endpointURL: moto.endpoint, logger: Logger(label: "t"))
            let client = AWSClient(
                configuration: .init(region: "us-east-1", endpointURL: moto.endpoint), credentials: source, logger: Logger(label: "t"))
            let caller = try await STSCalls.callerIdentity(client)
            #expect(caller.arn == moto.jitsudod.arn, "\(caller)")
            _ = try await STSCalls.callerIdentity(client)
            #expect(try String(contentsOfFile: portFile + ".count", encoding: .utf8) == "1", "valid credentials are reused, not fetched per call")

            // A wrong token is refused by the endpoint: an error, never a call without credentials.
            try "wrong\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let refused = try AWSCredentialChain.source(
                environment: environment, region: "us-east-1", endpointURL: moto.endpoint, logger: Logger(label: "t"))
            await #expect(throws: AWSError.self) { _ = try await refused.credentials() }
        }
    }
}
