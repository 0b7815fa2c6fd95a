import Foundation
import Testing

/// A server the runbooks run against: `jitsudod dev` (real OIDC device flow) or the in-process server.
protocol RunbookBackend: Sendable {
    var url: String { get }
    /// A CLI acting as dev@example.com, an admin.
    func adminCLI() async throws -> CLIRunner
    /// A bearer token for `email` with `groups`.
    func token(email: String, groups: [String]) async throws -> String
}

extension DevServer: RunbookBackend {
    func adminCLI() async throws -> CLIRunner { try await Runbooks.loggedIn(self) }
}

/// The runbook's commands against a real `jitsudod dev` subprocess and PostgreSQL, with the OIDC device-flow
/// login.
@Suite(.serialized)
struct RunbookTests {
    @Test func runbook1DisableBrokenPolicyRestoresAccess() async throws {
        try await DevServer.with { try await Runbooks.runbook1($0) }
    }

    @Test func runbook4BreakGlassThenRevoke() async throws {
        try await DevServer.with { try await Runbooks.runbook4($0) }
    }

    @Test func runbook5RevokeEveryGrantOfACompromisedUser() async throws {
        try await DevServer.with { try await Runbooks.runbook5($0) }
    }

    @Test func overHTTPSTheCLITrustsOnlyTheConfiguredCA() async throws {
        try await DevServer.with(tls: true) { server in
            #expect(server.url.hasPrefix("https://127.0.0.1:"), "\(server.url)")
            // No CA: refused with the next step, nothing stored.
            let stranger = try CLIRunner()
            let refused = try await stranger.run(["login", "--provider", server.url + "/dev-oidc", "--server", server.url])
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.contains("not trusted") && refused.stderr.contains("--ca-file"), "\(refused)")
            #expect(!FileManager.default.fileExists(atPath: stranger.home + "/.jitsudo/credentials"))
            // --ca-file: the device-flow login, the issuer's keys and the API all over HTTPS.
            let cli = try CLIRunner()
            let login = try await cli.run([
                "login", "--provider", server.url + "/dev-oidc", "--server", server.url, "--ca-file", server.caCertificate,
            ])
            #expect(login.status == 0 && login.stdout.contains("Logged in as dev@example.com"), "\(login)")
            let created = try await cli.run([
                "request", "--provider", "mock", "--role", "admin", "--scope", "dev", "--duration", "30m",
                "--reason", "tls check", "-q", "--ca-file", server.caCertificate,
            ])
            #expect(created.status == 0 && created.stdout.hasPrefix("req_"), "\(created)")
            // ~/.jitsudo/ca.crt is trusted without a flag.
            try FileManager.default.copyItem(atPath: server.caCertificate, toPath: cli.home + "/.jitsudo/ca.crt")
            let listed = try await cli.run(["status", "-o", "json"])
            #expect(listed.status == 0 && listed.stdout.contains(created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(listed)")
        }
    }

    @Test func expiredLoginIsRefreshedWithTheRefreshToken() async throws {
        try await DevServer.with { server in
            let cli = try await Runbooks.loggedIn(server)
            // An expired ID token is renewed with the stored refresh token before the call.
            let credentialsPath = cli.home + "/.jitsudo/credentials"
            let stored = try String(contentsOfFile: credentialsPath, encoding: .utf8)
            let expired = stored.split(separator: "\n").map { $0.hasPrefix("expires_at:") ? "expires_at: 2020-01-01T00:00:00Z" : String($0) }
            try expired.joined(separator: "\n").write(toFile: credentialsPath, atomically: true, encoding: .utf8)
            let refreshed = try await cli.run(["policy", "list", "-q"])
            #expect(refreshed.status == 0, "\(refreshed)")
            #expect(!(try String(contentsOfFile: credentialsPath, encoding: .utf8)).contains("2020-01-01"))

        }
    }
}

/// The runbook steps, verbatim where the runbook gives commands, against any backend.
enum Runbooks {
    /// Logs the CLI in through the device flow of the dev issuer (dev@example.com, admin).
    static func loggedIn(_ server: DevServer) async throws -> CLIRunner {
        let cli = try CLIRunner()
        let login = try await cli.run(["login", "--provider", server.url + "/dev-oidc", "--server", server.url])
        #expect(login.status == 0, "\(login)")
        #expect(login.stdout.contains("Waiting for authorization..."), "\(login)")
        #expect(login.stdout.contains("Logged in as dev@example.com"), "\(login)")
        #expect(login.stdout.contains("Server:     \(server.url)"), "\(login)")
        let attributes = try FileManager.default.attributesOfItem(atPath: cli.home + "/.jitsudo/credentials")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        return cli
    }

    static func write(_ text: String, name: String) throws -> String {
        let path = try CLIRunner.temporaryDirectory(prefix: "rego") + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func runbook1(_ server: some RunbookBackend) async throws {
        do {
            let cli = try await server.adminCLI()
            let correct = try Self.write("package jitsudo.eligibility\n\nallow if \"sre\" in input.user.groups\n", name: "correct-eligibility.rego")
            let broken = try Self.write(
                "package jitsudo.eligibility\n\nallow := false if input.request.provider == \"aws\"\n", name: "broken-policy.rego")
            #expect(try await cli.run(["policy", "update", "--name", "dev-allow-all-eligibility", "--enabled", "false"]).status == 0)
            let applied = try await cli.run(["policy", "apply", "-f", correct, "--type", "eligibility"])
            #expect(applied.status == 0, "\(applied)")
            #expect(applied.stdout.hasPrefix("Policy correct-eligibility (eligibility) applied — id: pol_"), "\(applied)")
            #expect(try await cli.run(["policy", "apply", "-f", broken, "--type", "eligibility"]).status == 0)

            let input =
                #"'{"user":{"email":"admin@example.com","groups":["sre"]},"request":{"provider":"aws","role":"prod-infra-admin","resource_scope":"123456789012","duration_seconds":3600}}'"#
            let locked = try await cli.shell("jitsudo policy eval --type eligibility --input \(input)")
            #expect(locked.stdout.hasPrefix("allowed: false"), "\(locked)")
            let lockedExit = try await cli.shell("jitsudo policy eval --type eligibility --exit-code --input \(input)")
            #expect(lockedExit.status == 5, "\(lockedExit)")

            let list = try await cli.shell("jitsudo policy list")
            #expect(list.status == 0, "\(list)")
            #expect(list.stdout.hasPrefix("ID"), "\(list)")
            #expect(list.stdout.contains("broken-policy"), "\(list)")

            let disable = try await cli.shell("jitsudo policy update --name broken-policy --enabled false")
            #expect(disable.status == 0, "\(disable)")
            #expect(disable.stdout == "Policy broken-policy (eligibility) updated — enabled: false\n", "\(disable)")
            let reload = try await cli.shell("jitsudo server reload-policies")
            #expect(reload.status == 0, "\(reload)")
            #expect(reload.stdout.hasPrefix("Policy engine reloaded. Active policies: "), "\(reload)")
            let verify = try await cli.shell(
                """
                jitsudo policy eval \\
                --type eligibility \\
                --input \(input)
                """
            )
            #expect(verify.status == 0, "\(verify)")
            #expect(verify.stdout.hasPrefix("allowed: true\n"), "\(verify)")

            let json = try await cli.run(["policy", "list", "-o", "json"])
            let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
            #expect(rows?.first { $0["name"] as? String == "broken-policy" }?["enabled"] as? Bool == false, "\(json)")
            #expect(rows?.allSatisfy { $0["rego"] == nil } == true)
        }
    }

    static func runbook4(_ server: some RunbookBackend) async throws {
        do {
            let cli = try await server.adminCLI()
            let policy = try Self.write(
                "package jitsudo.eligibility\n\nallow if {\n\tinput.request.break_glass\n\t\"jitsudo-admins\" in input.user.groups\n}\n\n"
                    + "break_glass_allowed if \"jitsudo-admins\" in input.user.groups\n",
                name: "break-glass.rego"
            )
            #expect(try await cli.run(["policy", "update", "--name", "dev-allow-all-eligibility", "--enabled", "false"]).status == 0)
            #expect(try await cli.run(["policy", "apply", "-f", policy, "--name", "break-glass-admins"]).status == 0)

            let refused = try await cli.run(["request", "--provider", "mock", "--role", "prod-infra-admin", "--scope", "dev", "--duration", "2h"])
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.hasPrefix("Error: not eligible"), "\(refused)")

            let request = try await cli.shell(
                """
                jitsudo request \\
                --provider mock \\
                --role prod-infra-admin \\
                --scope YOUR_ACCOUNT_ID \\
                --duration 2h \\
                --reason "P0 ECS crash - INC-4421. No approvers reachable. Break-glass invoked per runbook." \\
                --break-glass
                """
            )
            #expect(request.status == 0, "\(request)")
            let lines = request.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 5, "\(request)")
            #expect(lines.first?.hasPrefix("Request ID: req_") == true, "\(request)")
            #expect(lines.dropFirst().first == "State:      ACTIVE", "\(request)")
            let id = String(lines.first?.dropFirst("Request ID: ".count) ?? "")

            let detail = try await cli.run(["status", id, "-o", "json"])
            let row = try JSONSerialization.jsonObject(with: Data(detail.stdout.utf8)) as? [String: Any]
            #expect(row?["break_glass"] as? Bool == true, "\(detail)")
            #expect((row?["duration_seconds"] as? NSNumber)?.intValue == 7200, "\(detail)")

            let revoke = try await cli.shell("jitsudo revoke \(id)")
            #expect(revoke.status == 0, "\(revoke)")
            #expect(revoke.stdout == "Request \(id) → REVOKED\n", "\(revoke)")
            let again = try await cli.run(["revoke", id])
            #expect(again.status == 0, "revoking a final request is not an error: \(again)")
        }
    }

    static func runbook5(_ server: some RunbookBackend) async throws {
        do {
            let admin = try await server.adminCLI()
            let user = "compromised-user@example.com"
            let userToken = try await server.token(email: user, groups: ["sre"])
            let approverToken = try await server.token(email: "bob@example.com", groups: ["sre"])
            var ids: [String] = []
            for index in 1...3 {
                let created = try await admin.run(
                    [
                        "request", "-q", "--provider", "mock", "--role", "role\(index)", "--scope", "dev", "--duration", "30m", "--reason",
                        "work, \"quoted\"",
                    ],
                    env: ["JITSUDO_TOKEN": userToken]
                )
                #expect(created.status == 0, "\(created)")
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(id.hasPrefix("req_") && !id.contains("\n"), "-q prints only the id: \(created)")
                let approved = try await admin.run(["approve", id, "--comment", "ok"], env: ["JITSUDO_TOKEN": approverToken])
                #expect(approved.stdout == "Request \(id) → ACTIVE\n", "\(approved)")
                ids.append(id)
            }

            let exec = try await admin.run(
                ["exec", ids[0], "--", "/bin/sh", "-c", "test -n \"$MOCK_ACCESS_KEY\" && echo \"id=$JITSUDO_REQUEST_ID\"; exit 3"],
                env: ["JITSUDO_TOKEN": userToken]
            )
            #expect(exec.status == 3, "\(exec)")
            #expect(exec.stdout == "id=\(ids[0])\n", "\(exec)")

            let debug = try await admin.run(["status", "--debug", "--user", user], env: ["JITSUDO_TOKEN": userToken])
            #expect(debug.stderr.contains("debug: GET /api/v1alpha1/requests → 200 (X-Request-Id: "), "\(debug)")
            #expect(!debug.stderr.contains(userToken) && !debug.stderr.contains("Bearer"), "\(debug)")

            let active = try await admin.shell("jitsudo status \\\n--user \(user) \\\n--state active")
            #expect(active.status == 0, "\(active)")
            for id in ids { #expect(active.stdout.contains(id), "\(active)") }

            let pipeline = try await admin.shell(
                """
                jitsudo status \\
                --user \(user) \\
                --state active \\
                --output json \\
                | jq -r '.[].id' \\
                | xargs -I{} jitsudo revoke {}
                """
            )
            #expect(pipeline.status == 0, "\(pipeline)")
            for id in ids { #expect(pipeline.stdout.contains("Request \(id) → REVOKED"), "\(pipeline)") }

            let empty = try await admin.shell("jitsudo status --user \(user) --state active")
            #expect(empty.stdout == "No requests found.\n", "\(empty)")
            let emptyJSON = try await admin.run(["status", "--user", user, "--state", "active", "-o", "json"])
            #expect(emptyJSON.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(emptyJSON)")

            let audit = try await admin.shell("jitsudo audit --user \(user) --since 7d")
            #expect(audit.status == 0, "\(audit)")
            #expect(audit.stdout.hasPrefix("TIMESTAMP"), "\(audit)")
            #expect(audit.stdout.contains(ids[0]), "\(audit)")

            let csv = try await admin.run(["audit", "--user", user, "--since", "7d", "-o", "csv"])
            #expect(csv.stdout.hasPrefix("timestamp,actor,action,request_id,provider,outcome\r\n"), "\(csv)")
            #expect(csv.stdout.contains(",\(user),"), "\(csv)")

            // The bulk form of the same runbook step.
            for index in 1...2 {
                let created = try await admin.run(
                    ["request", "-q", "--provider", "mock", "--role", "bulk\(index)", "--scope", "dev"], env: ["JITSUDO_TOKEN": userToken]
                )
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                _ = try await admin.run(["approve", id], env: ["JITSUDO_TOKEN": approverToken])
            }
            let bulk = try await admin.run(["revoke", "--user", user, "--reason", "account takeover"])
            #expect(bulk.status == 0, "\(bulk)")
            #expect(bulk.stdout.hasSuffix("Revoked 2 grants of \(user)\n"), "\(bulk)")

            let tier = try await admin.run(["principal", "set-tier", user, "0", "--notes", "compromised"])
            #expect(tier.stdout == "Principal \(user) → trust tier 0\n", "\(tier)")
            let principal = try await admin.run(["principal", "get", user, "-o", "json"])
            let principalRow = try JSONSerialization.jsonObject(with: Data(principal.stdout.utf8)) as? [String: Any]
            #expect(principalRow?["notes"] as? String == "compromised", "\(principal)")

            let verify = try await admin.run(["audit", "verify"])
            #expect(verify.status == 0, "\(verify)")
            #expect(verify.stdout.hasPrefix("Chain intact: "), "\(verify)")

            let status = try await admin.run(["server", "status"])
            #expect(status.status == 0, "\(status)")
            #expect(status.stdout.contains("readiness"), "\(status)")
        }
    }
}
