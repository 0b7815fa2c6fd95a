import Foundation
import JitsudoTesting
import Testing

/// Runbook 4 (break-glass) and runbook 1's `policy eval` input, verbatim, with `--provider aws` against moto.
extension MotoTests {
    @Suite struct AWSRunbookTests {
        @Test func runbook4BreakGlassIsActiveWithWorkingCredentialsThenRevoked() async throws {
            try await AWSJitsudod.with { server in
                _ = try await Moto.shared.role("prod-infra-admin")
                let admin = "oncall@example.com;jitsudo-admins"
                let policy = NSTemporaryDirectory() + "break-glass-\(UUID().uuidString).rego"
                try
                    "package jitsudo.eligibility\n\nallow if {\n\tinput.request.break_glass\n\t\"jitsudo-admins\" in input.user.groups\n}\n\nbreak_glass_allowed if \"jitsudo-admins\" in input.user.groups\n"
                    .write(toFile: policy, atomically: true, encoding: .utf8)
                #expect(try await server.cli(["policy", "apply", "-f", policy, "--name", "break-glass-admins"], as: admin).status == 0)
                let request = try await server.shell(
                    """
                    jitsudo request \\
                    --provider aws \\
                    --role prod-infra-admin \\
                    --scope \(Moto.account) \\
                    --duration 2h \\
                    --reason "P0 ECS crash - INC-4421. No approvers reachable. Break-glass invoked per runbook." \\
                    --break-glass
                    """, as: admin)
                #expect(request.status == 0, "\(request)")
                let lines = request.stdout.split(separator: "\n").map(String.init)
                #expect(lines.dropFirst().first == "State:      ACTIVE", "\(request)")
                let id = String(lines.first?.dropFirst("Request ID: ".count) ?? "")
                let identity = try await server.shell(
                    "jitsudo exec \(id) -- aws --endpoint-url \(server.moto.endpoint) sts get-caller-identity", as: admin)
                #expect(identity.status == 0 && identity.stdout.contains("assumed-role/prod-infra-admin/oncall@example.com"), "\(identity)")
                let revoke = try await server.shell("jitsudo revoke \(id)", as: admin)
                #expect(revoke.stdout == "Request \(id) → REVOKED\n", "\(revoke)")
            }
        }

        @Test func runbook1PolicyEvalInputForAWS() async throws {
            try await AWSJitsudod.with { server in
                let input =
                    #"'{"user":{"email":"admin@example.com","groups":["sre"]},"request":{"provider":"aws","role":"prod-infra-admin","resource_scope":"123456789012","duration_seconds":3600}}'"#
                let admin = "root@example.com;jitsudo-admins"
                let allowed = try await server.shell("jitsudo policy eval --type eligibility --input \(input)", as: admin)
                #expect(allowed.status == 0 && allowed.stdout.hasPrefix("allowed: true"), "\(allowed)")
                let broken = NSTemporaryDirectory() + "broken-policy-\(UUID().uuidString).rego"
                try "package jitsudo.eligibility\n\nallow := false if input.request.provider == \"aws\"\n".write(
                    toFile: broken, atomically: true, encoding: .utf8)
                #expect(
                    try await server.cli(["policy", "apply", "-f", broken, "--type", "eligibility", "--name", "broken-policy"], as: admin).status == 0
                )
                let locked = try await server.shell("jitsudo policy eval --type eligibility --exit-code --input \(input)", as: admin)
                #expect(locked.status == 5 && locked.stdout.hasPrefix("allowed: false"), "\(locked)")
            }
        }
    }
}
