import Foundation
import Testing

/// The runbook's commands, verbatim, against a real `jitsudod dev` and PostgreSQL.
@Suite(.serialized) struct RunbookTests {
    /// Logs the CLI in through the device flow of the dev issuer (dev@example.com, admin).
    static func loggedIn(_ server: DevServer) throws -> CLIRunner {
        let cli = try CLIRunner()
        let login = try cli.run(["login", "--provider", server.url + "/dev-oidc", "--server", server.url])
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

    @Test func runbook1DisableBrokenPolicyRestoresAccess() async throws {
        try await DevServer.with { server in
            let cli = try Self.loggedIn(server)
            let correct = try Self.write("package jitsudo.eligibility\n\nallow if \"sre\" in input.user.groups\n", name: "correct-eligibility.rego")
            let broken = try Self.write("package jitsudo.eligibility\n\nallow := false if input.request.provider == \"aws\"\n", name: "broken-policy.rego")
            #expect(try cli.run(["policy", "update", "--name", "dev-allow-all-eligibility", "--enabled", "false"]).status == 0)
            let applied = try cli.run(["policy", "apply", "-f", correct, "--type", "eligibility"])
            #expect(applied.status == 0, "\(applied)")
            #expect(applied.stdout.hasPrefix("Policy correct-eligibility (eligibility) applied — id: pol_"), "\(applied)")
            #expect(try cli.run(["policy", "apply", "-f", broken, "--type", "eligibility"]).status == 0)

            let input = #"'{"user":{"email":"admin@example.com","groups":["sre"]},"request":{"provider":"aws","role":"prod-infra-admin","resource_scope":"123456789012","duration_seconds":3600}}'"#
            let locked = try cli.shell("jitsudo policy eval --type eligibility --input \(input)")
            #expect(locked.stdout.hasPrefix("allowed: false"), "\(locked)")
            let lockedExit = try cli.shell("jitsudo policy eval --type eligibility --exit-code --input \(input)")
            #expect(lockedExit.status == 5, "\(lockedExit)")

            let list = try cli.shell("jitsudo policy list")
            #expect(list.status == 0, "\(list)")
            #expect(list.stdout.hasPrefix("ID"), "\(list)")
            #expect(list.stdout.contains("broken-policy"), "\(list)")

            let disable = try cli.shell("jitsudo policy update --name broken-policy --enabled false")
            #expect(disable.status == 0, "\(disable)")
            #expect(disable.stdout == "Policy broken-policy (eligibility) updated — enabled: false\n", "\(disable)")
            let reload = try cli.shell("jitsudo server reload-policies")
            #expect(reload.status == 0, "\(reload)")
            #expect(reload.stdout.hasPrefix("Policy engine reloaded. Active policies: "), "\(reload)")
            let verify = try cli.shell(
                """
                jitsudo policy eval \\
                --type eligibility \\
                --input \(input)
                """
            )
            #expect(verify.status == 0, "\(verify)")
            #expect(verify.stdout.hasPrefix("allowed: true\n"), "\(verify)")

            // An expired ID token is renewed with the stored refresh token before the call.
            let credentialsPath = cli.home + "/.jitsudo/credentials"
            let stored = try String(contentsOfFile: credentialsPath, encoding: .utf8)
            let expired = stored.split(separator: "\n").map { $0.hasPrefix("expires_at:") ? "expires_at: 2020-01-01T00:00:00Z" : String($0) }
            try expired.joined(separator: "\n").write(toFile: credentialsPath, atomically: true, encoding: .utf8)
            let refreshed = try cli.run(["policy", "list", "-q"])
            #expect(refreshed.status == 0, "\(refreshed)")
            #expect(!(try String(contentsOfFile: credentialsPath, encoding: .utf8)).contains("2020-01-01"))

            let json = try cli.run(["policy", "list", "-o", "json"])
            let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
            #expect(rows?.first { $0["name"] as? String == "broken-policy" }?["enabled"] as? Bool == false, "\(json)")
            #expect(rows?.allSatisfy { $0["rego"] == nil } == true)
        }
    }

    @Test func runbook4BreakGlassThenRevoke() async throws {
        try await DevServer.with { server in
            let cli = try Self.loggedIn(server)
            let policy = try Self.write(
                "package jitsudo.eligibility\n\nallow if {\n\tinput.request.break_glass\n\t\"jitsudo-admins\" in input.user.groups\n}\n",
                name: "break-glass.rego"
            )
            #expect(try cli.run(["policy", "update", "--name", "dev-allow-all-eligibility", "--enabled", "false"]).status == 0)
            #expect(try cli.run(["policy", "apply", "-f", policy, "--name", "break-glass-admins"]).status == 0)

            let refused = try cli.run(["request", "--provider", "mock", "--role", "prod-infra-admin", "--scope", "dev", "--duration", "2h"])
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.hasPrefix("Error: not eligible"), "\(refused)")

            let request = try cli.shell(
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

            let detail = try cli.run(["status", id, "-o", "json"])
            let row = try JSONSerialization.jsonObject(with: Data(detail.stdout.utf8)) as? [String: Any]
            #expect(row?["break_glass"] as? Bool == true, "\(detail)")
            #expect((row?["duration_seconds"] as? NSNumber)?.intValue == 7200, "\(detail)")

            let revoke = try cli.shell("jitsudo revoke \(id)")
            #expect(revoke.status == 0, "\(revoke)")
            #expect(revoke.stdout == "Request \(id) → REVOKED\n", "\(revoke)")
            let again = try cli.run(["revoke", id])
            #expect(again.status == 0, "revoking a final request is not an error: \(again)")
        }
    }

    @Test func runbook5RevokeEveryGrantOfACompromisedUser() async throws {
        try await DevServer.with { server in
            let admin = try Self.loggedIn(server)
            let user = "compromised-user@example.com"
            let userToken = try server.token(email: user, groups: ["sre"])
            let approverToken = try server.token(email: "bob@example.com", groups: ["sre"])
            var ids: [String] = []
            for index in 1...3 {
                let created = try admin.run(
                    ["request", "-q", "--provider", "mock", "--role", "role\(index)", "--scope", "dev", "--duration", "30m", "--reason", "work, \"quoted\""],
                    env: ["JITSUDO_TOKEN": userToken]
                )
                #expect(created.status == 0, "\(created)")
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(id.hasPrefix("req_") && !id.contains("\n"), "-q prints only the id: \(created)")
                let approved = try admin.run(["approve", id, "--comment", "ok"], env: ["JITSUDO_TOKEN": approverToken])
                #expect(approved.stdout == "Request \(id) → ACTIVE\n", "\(approved)")
                ids.append(id)
            }

            let exec = try admin.run(
                ["exec", ids[0], "--", "/bin/sh", "-c", "test -n \"$MOCK_ACCESS_KEY\" && echo \"id=$JITSUDO_REQUEST_ID\"; exit 3"],
                env: ["JITSUDO_TOKEN": userToken]
            )
            #expect(exec.status == 3, "\(exec)")
            #expect(exec.stdout == "id=\(ids[0])\n", "\(exec)")

            let debug = try admin.run(["status", "--debug", "--user", user], env: ["JITSUDO_TOKEN": userToken])
            #expect(debug.stderr.contains("debug: GET /api/v1alpha1/requests → 200 (X-Request-Id: "), "\(debug)")
            #expect(!debug.stderr.contains(userToken) && !debug.stderr.contains("Bearer"), "\(debug)")

            let active = try admin.shell("jitsudo status \\\n--user \(user) \\\n--state active")
            #expect(active.status == 0, "\(active)")
            for id in ids { #expect(active.stdout.contains(id), "\(active)") }

            let pipeline = try admin.shell(
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

            let empty = try admin.shell("jitsudo status --user \(user) --state active")
            #expect(empty.stdout == "No requests found.\n", "\(empty)")
            let emptyJSON = try admin.run(["status", "--user", user, "--state", "active", "-o", "json"])
            #expect(emptyJSON.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(emptyJSON)")

            let audit = try admin.shell("jitsudo audit --user \(user) --since 7d")
            #expect(audit.status == 0, "\(audit)")
            #expect(audit.stdout.hasPrefix("TIMESTAMP"), "\(audit)")
            #expect(audit.stdout.contains(ids[0]), "\(audit)")

            let csv = try admin.run(["audit", "--user", user, "--since", "7d", "-o", "csv"])
            #expect(csv.stdout.hasPrefix("timestamp,actor,action,request_id,provider,outcome\r\n"), "\(csv)")
            #expect(csv.stdout.contains(",\(user),"), "\(csv)")

            // The bulk form of the same runbook step.
            for index in 1...2 {
                let created = try admin.run(
                    ["request", "-q", "--provider", "mock", "--role", "bulk\(index)", "--scope", "dev"], env: ["JITSUDO_TOKEN": userToken]
                )
                let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                _ = try admin.run(["approve", id], env: ["JITSUDO_TOKEN": approverToken])
            }
            let bulk = try admin.run(["revoke", "--user", user, "--reason", "account takeover"])
            #expect(bulk.status == 0, "\(bulk)")
            #expect(bulk.stdout.hasSuffix("Revoked 2 grants of \(user)\n"), "\(bulk)")

            let verify = try admin.run(["audit", "verify"])
            #expect(verify.status == 0, "\(verify)")
            #expect(verify.stdout.hasPrefix("Chain intact: "), "\(verify)")

            let status = try admin.run(["server", "status"])
            #expect(status.status == 0, "\(status)")
            #expect(status.stdout.contains("readiness"), "\(status)")
        }
    }
}
