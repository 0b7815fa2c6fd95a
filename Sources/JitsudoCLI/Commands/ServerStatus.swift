import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI
import BoundedJSON

/// `jitsudo server status`: liveness, readiness and version, exit 1 on any failure.
struct ServerStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Check liveness, readiness and version of the server, and the role of every replica.",
        discussion: """
            Calls /healthz, /readyz and /version (no login needed) and prints one row per check, then one row \
            per replica sharing the database (role, epoch, heartbeat age, address). Any row that is not UP \
            (a replica silent for more than 15 s is DOWN) makes the exit code 1, so this works in scripts and probes.

            Example:
              jitsudo server status --server-url https://jitsudo.internal
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("server-url"), help: "Server to check (default: the configured server, else http://localhost:8080).")
    var serverURL: String?

    func validate() throws { try global.requireNoCSV() }

    struct Check: Encodable {
        var component: String
        var status: String
        var detail: String
    }

    func run() async throws {
        let address = try ServerCommand.address(serverURL, global: global)
        let checks = try await Session(global).withClient(authenticated: false, server: address) { client in
            var replicas: [ReplicaReadiness] = []
            var checks = [
                await check("liveness", client: client, path: "/healthz") { _ in "jitsudod is running" },
                await check("readiness", client: client, path: "/readyz") { body in
                    guard let readiness = try? JSONDecoder().decodeBounded(Readiness.self, from: body) else { return "database connection ok" }
                    replicas = readiness.replicas ?? []
                    return "database connection ok (role \(readiness.role), epoch \(readiness.epoch), "
                        + "leader heartbeat \(readiness.heartbeatAgeMs) ms ago)"
                },
                await check("version", client: client, path: "/version") { body in
                    guard let info = try? JSONDecoder().decodeBounded(VersionInfo.self, from: body) else { return "unknown version" }
                    return "\(info.version) (API: \(info.apiVersions.first ?? "v1alpha1"))"
                },
            ]
            checks += replicas.map(Self.replicaCheck)
            return checks
        }
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(checks, format: global.output)
        case .table:
            if !global.quiet {
                Console.out(Renderer.table(["Component", "Status", "Detail"], checks.map { [$0.component, $0.status, $0.detail] }, gap: 3))
            }
        }
        if checks.contains(where: { $0.status != "UP" }) { throw ExitCode.failure }
    }

    /// A replica that has not reported for this long (it reports every second) is shown DOWN.
    static let replicaSilenceLimitMs: Int64 = 15_000

    /// One row per replica the server knows of (`replicas` of `/readyz`): role, epoch, and its report's age.
    static func replicaCheck(_ replica: ReplicaReadiness) -> Check {
        let detail = "\(replica.role), epoch \(replica.epoch), heartbeat \(replica.heartbeatAgeMs) ms ago, \(replica.address)"
        guard replica.heartbeatAgeMs <= replicaSilenceLimitMs else {
            return Check(component: "replica \(replica.id)", status: "DOWN", detail: "not seen for \(replica.heartbeatAgeMs / 1000) s (\(detail))")
        }
        return Check(component: "replica \(replica.id)", status: "UP", detail: detail)
    }

    private func check(_ name: String, client: APIClient, path: String, detail: (Data) -> String) async -> Check {
        do {
            let response = try await client.raw(.GET, path, authenticated: false)
            if response.status == 200 { return Check(component: name, status: "UP", detail: detail(response.body)) }
            let body = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return Check(component: name, status: "DEGRADED", detail: body.isEmpty ? "HTTP \(response.status)" : body)
        } catch let error as CLIError {
            let reason =
                error.message.components(separatedBy: ": ").dropFirst().joined(separator: ": ")
                .components(separatedBy: " — ").first ?? error.message
            return Check(component: name, status: "DOWN", detail: "cannot reach \(client.server.url(path)): \(reason)")
        } catch {
            return Check(component: name, status: "DOWN", detail: "cannot reach \(client.server.url(path)): \(error)")
        }
    }
}
