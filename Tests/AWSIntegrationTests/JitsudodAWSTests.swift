import AWSSigV4
import Foundation
import JitsudoAWSProvider
import JitsudoServer
import JitsudoTesting
import NIOHTTP1
import Testing

/// The whole path against moto with its IAM checks on: request → approve → STS session → the real `aws` CLI
/// (through `jitsudo exec` and `credential_process`) → revoke → the same session denied.
extension MotoTests {
    @Suite struct JitsudodAWSTests {
        static let alice = "alice@example.com;sre"
        static let bob = "bob@example.com;sre"

        struct Session: Sendable {
            var environment: [String: String]
        }

        /// The session's keys as `jitsudo credentials --format json` prints them, as AWS CLI environment.
        static func session(_ server: AWSJitsudod, _ id: String) async throws -> Session {
            let printed = try await server.cli(["credentials", id, "--format", "json"], as: alice)
            #expect(printed.status == 0, "\(printed)")
            let object = try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any]
            let values = try #require(object?["credentials"] as? [String: String], "\(printed)")
            var environment: [String: String] = [:]
            for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] { environment[key] = values[key] }
            return Session(environment: environment)
        }

        @Test func anApprovedGrantWorksWithTheAWSCLIAndRevokeDeniesTheSameSessionWithinFiveSeconds() async throws {
            try await AWSJitsudod.with { server in
                let role = try await Moto.shared.role("e2e-\(UUID().uuidString.prefix(8))")
                let created = try await server.cli(
                    [
                        "request", "-q", "--provider", "aws", "--role", role, "--scope", Moto.account, "--duration", "2h",
                        "--reason", "INC-1",
                    ], as: Self.alice)
                #expect(created.status == 0, "\(created)")
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let approved = try await server.cli(["approve", id, "--comment", "ok"], as: Self.bob)
                #expect(approved.stdout == "Request \(id) → ACTIVE\n", "\(approved)")

                let endpoint = server.moto.endpoint
                let viaExec = try await server.shell("jitsudo exec \(id) -- aws --endpoint-url \(endpoint) sts get-caller-identity", as: Self.alice)
                #expect(viaExec.status == 0, "\(viaExec)")
                #expect(viaExec.stdout.contains("arn:aws:sts::\(Moto.account):assumed-role/\(role)/alice@example.com"), "\(viaExec)")

                let config = NSTemporaryDirectory() + "jitsudo-aws-config-\(UUID().uuidString)"
                try
                    "[profile jit]\ncredential_process = \(AWSJitsudod.cliPath) credentials \(id) --format aws-credential-process\nregion = us-east-1\n"
                    .write(toFile: config, atomically: true, encoding: .utf8)
                let viaProcess = try await server.shell(
                    "aws --endpoint-url \(endpoint) --profile jit sts get-caller-identity", as: Self.alice,
                    env: ["AWS_CONFIG_FILE": config])
                #expect(viaProcess.status == 0, "\(viaProcess)")
                #expect(viaProcess.stdout.contains("assumed-role/\(role)/alice@example.com"), "\(viaProcess)")

                let session = try await Self.session(server, id)
                let before = try await Moto.shared.aws(["iam", "list-roles", "--max-items", "1"], environment: session.environment)
                #expect(before.status == 0, "the session works before revoke: \(before)")

                let revoked = try await server.cli(["revoke", id], as: Self.alice)
                #expect(revoked.status == 0, "\(revoked)")
                let denied = try await secondsUntil(within: 5) {
                    let result = try await Moto.shared.aws(["iam", "list-roles", "--max-items", "1"], environment: session.environment)
                    return result.status != 0 && result.stderr.contains("AccessDenied")
                }
                #expect(denied != nil, "the revoked session was not denied within 5 s")
                // Revoking again is a no-op (the request is final; the provider's write is idempotent too).
                #expect(try await server.cli(["revoke", id], as: Self.alice).status == 0)
            }
        }

        @Test func aRoleThatDoesNotTrustJitsudodIsRefusedWithAWSsMessageAndNothingIsLeftBehind() async throws {
            try await AWSJitsudod.with { server in
                let role = try await Moto.shared.role(
                    "untrusted-\(UUID().uuidString.prefix(8))", trusting: "arn:aws:iam::\(Moto.account):user/someone-else")
                let created = try await server.cli(
                    [
                        "request", "-q", "--provider", "aws", "--role", role, "--scope", Moto.account, "--duration", "1h",
                        "--reason", "x",
                    ], as: Self.alice)
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let approved = try await server.cli(["approve", id], as: Self.bob)
                #expect(approved.status != 0, "\(approved)")
                #expect(approved.stderr.contains("not authorized to perform: sts:AssumeRole"), "\(approved)")
                let status = try await server.cli(["status", id, "-o", "json"], as: Self.alice)
                #expect(!status.stdout.contains("ACTIVE"), "\(status)")
                let policies = try await Moto.shared.aws(
                    ["iam", "list-role-policies", "--role-name", role],
                    environment: [
                        "AWS_ACCESS_KEY_ID": server.moto.admin.access_key_id, "AWS_SECRET_ACCESS_KEY": server.moto.admin.secret_access_key,
                    ])
                #expect(policies.status == 0 && !policies.stdout.contains(RevocationPolicy.policyName), "\(policies)")
            }
        }

        @Test func aRoleThatDoesNotExistIsRefusedBeforeAnySessionIsIssued() async throws {
            try await AWSJitsudod.with { server in
                let created = try await server.cli(
                    [
                        "request", "-q", "--provider", "aws", "--role", "no-such-role", "--scope", Moto.account,
                        "--duration", "1h", "--reason", "x",
                    ], as: Self.alice)
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let approved = try await server.cli(["approve", id], as: Self.bob)
                // AWS answers NoSuchEntity ("does not exist"); moto cannot resolve a missing role's ARN for its policy check and
                // answers AccessDenied on iam:GetRole. Either way the GetRole before AssumeRole stops the grant.
                #expect(approved.status != 0, "\(approved)")
                #expect(
                    approved.stderr.contains("does not exist") || approved.stderr.contains("not authorized to perform: iam:GetRole"), "\(approved)")
                let status = try await server.cli(["status", id, "-o", "json"], as: Self.alice)
                #expect(status.status == 0 && !status.stdout.contains("ACTIVE"), "\(status)")
            }
        }

        @Test func atExpiryTheSessionIsDeniedWithoutAPerson() async throws {
            try await AWSJitsudod.with { server in
                let role = try await Moto.shared.role("auto-\(UUID().uuidString.prefix(8))")
                let submission = #"{"provider":"aws","role":"\#(role)","resource_scope":"\#(Moto.account)","duration_seconds":3,"reason":"x"}"#
                let (status, body) = try await server.call(.POST, "/requests", as: Self.alice, json: submission)
                #expect(status == 200 && body.contains("REQUEST_STATE_ACTIVE"), "\(body)")
                let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
                let id = try #require((object?["request"] as? [String: Any])?["id"] as? String)
                let session = try await Self.session(server, id)
                let denied = try await secondsUntil(within: 30) {
                    let result = try await Moto.shared.aws(["iam", "list-roles", "--max-items", "1"], environment: session.environment)
                    return result.status != 0 && result.stderr.contains("AccessDenied")
                }
                #expect(denied != nil, "the expired grant's session was not denied")
            }
        }
    }
}
