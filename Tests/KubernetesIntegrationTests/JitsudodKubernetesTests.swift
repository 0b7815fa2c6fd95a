import AsyncHTTPClient
import Foundation
import Hummingbird
import JitsudoAPI
import JitsudoCore
import JitsudoKubernetesProvider
import JitsudoServer
import JitsudoServerTesting
import JitsudoStore
import JitsudoTesting
import KubernetesClient
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// jitsudod with the `kubernetes` provider against the test API server: the whole path from request to binding
/// to expiry to revocation.
@Suite struct JitsudodKubernetesTests {
    static let eligibility = """
        package jitsudo.eligibility

        allow if {
            input.request.provider == "kubernetes"
            "sre" in input.user.groups
        }
        """
    static let approval = """
        package jitsudo.approval

        approver_tier := "auto" if input.request.role == "view"
        """

    @Test func anApprovedRequestBindsTheRoleUntilItExpiresThenTheUserIsForbiddenAgain() async throws {
        let kubeconfig = try TestEnvironment.kubeconfigPath()
        try await TestEnvironment.withNamespace("jit") { client, namespace in
            let url = try await TestPostgres.shared.createDatabase()
            var configuration = ServerConfiguration()
            configuration.database.url = url.urlString
            configuration.oidc.issuer = "https://issuer.invalid"
            configuration.credentialsKey = Data(repeating: 7, count: 32).base64EncodedString()
            configuration.sweeper.intervalSeconds = 1
            configuration.database.maxConnections = 5
            configuration.providers.kubernetes.enabled = true
            configuration.providers.kubernetes.kubeconfig = kubeconfig
            configuration.providers.kubernetes.provider.allowedRoles = ["view"]
            configuration.providers.kubernetes.provider.namespaces = [namespace]
            configuration.providers.kubernetes.provider.instance = "e2e-\(namespace)"
            // Stopped through graceful shutdown, as jitsudod stops on SIGTERM (the harness fails if it does not stop).
            try await InProcessDaemon.run(configuration, label: "jitsudod.kubernetes-test") { baseURL, daemon in
                let base = baseURL + "/api/v1alpha1"
                func call(_ method: HTTPMethod, _ path: String, as caller: String, json: String? = nil) async throws -> (Int, String) {
                    var request = HTTPClientRequest(url: base + path)
                    request.method = method
                    request.headers.add(name: "Authorization", value: "Bearer \(caller)")
                    if let json {
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: json))
                    }
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    LeakCapture.recordResponse(path: path, status: Int(response.status.code), text)
                    return (Int(response.status.code), text)
                }
                let admin = "root@example.com;jitsudo-admins"
                for (name, type, rego) in [("eligibility", "eligibility", Self.eligibility), ("approval", "approval", Self.approval)] {
                    let body = try JSONSerialization.data(withJSONObject: ["name": name, "type": type, "rego": rego, "enabled": true])
                    let (status, text) = try await call(.POST, "/policies", as: admin, json: String(decoding: body, as: UTF8.self))
                    #expect(status == 200, "\(text)")
                }
                let kubectl = try Kubectl()
                defer { kubectl.cleanUp() }
                let user = "alice@example.com"
                #expect(try await kubectl.run(["get", "pods", "-n", namespace, "--as=\(user)"]).status != 0)

                let submission = #"{"provider":"kubernetes","role":"view","resource_scope":"\#(namespace)","duration_seconds":4,"reason":"INC-7"}"#
                let (status, body) = try await call(.POST, "/requests", as: "\(user);sre", json: submission)
                #expect(status == 200, "\(body)")
                let request = try JSONDecoder().decode(RequestEnvelope.self, from: Data(body.utf8)).request
                #expect(request.state == "REQUEST_STATE_ACTIVE", "\(body)")
                let bindings = try await client.list(RoleBinding.self, namespace: namespace, options: .labels(["jitsudo.dev/request-id": request.id]))
                    .items
                #expect(bindings.first?.subjects == [.user(user)] && bindings.first?.roleRef == .clusterRole("view"))
                try await TestEnvironment.eventually("alice can list pods during the grant") {
                    try await kubectl.run(["get", "pods", "-n", namespace, "--as=\(user)"]).status == 0
                }

                try await TestEnvironment.eventually("the grant expires and its binding is deleted", timeout: .seconds(30)) {
                    try await client.list(RoleBinding.self, namespace: namespace).items.isEmpty
                }
                try await TestEnvironment.eventually("alice is forbidden after expiry") {
                    let after = try await kubectl.run(["get", "pods", "-n", namespace, "--as=\(user)"])
                    return after.status != 0 && after.stderr.contains("forbidden")
                }
                let actions = try await AuditLog(database: daemon.database).events(matching: .init(requestID: request.id), pageSize: 50).events.map(
                    \.action)
                #expect(actions.contains("grant.issued") && actions.contains("grant.expired"), "\(actions)")
            }
        }
    }
}
