import Foundation
import JitsudoCore
import JitsudoKubernetesProvider
import JitsudoProviders
import JitsudoStore
import JitsudoTesting
import KubernetesClient
import Logging
import PostgresNIO
import Synchronization
import Testing

@Suite struct KubernetesProviderTests {
    static func provider(_ client: KubernetesClient, namespace: String, now: @escaping @Sendable () -> Date = { Date() }) -> KubernetesProvider {
        var configuration = KubernetesProvider.Configuration(allowedRoles: ["view", "edit"], namespaces: [namespace], allowClusterScope: true)
        configuration.groupMapping = ["oncall@example.com": "oncall"]
        configuration.instance = "test-\(namespace)"  // tests running at once must not clean up each other's bindings
        return KubernetesProvider(client: client, configuration: configuration, now: now)
    }

    static func request(_ id: String = newRequestID(), requester: String = "alice", role: String = "view", scope: String) -> GrantRequest {
        GrantRequest(requestID: id, requesterIdentity: requester, role: role, resourceScope: scope, durationSeconds: 3600, metadata: [:])
    }

    static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        return RequestID.generate(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), using: &generator).rawValue
    }

    @Test func aNamespaceGrantIsARoleBindingTheUserCanUseUntilRevoked() async throws {
        try await TestEnvironment.withNamespace("team-a") { client, namespace in
            let provider = Self.provider(client, namespace: namespace)
            let kubectl = try Kubectl()
            defer { kubectl.cleanUp() }
            let before = try await kubectl.run(["get", "pods", "-n", namespace, "--as=alice"])
            #expect(before.status != 0 && before.stderr.contains("forbidden"), "\(before.stderr)")

            let request = Self.request(scope: namespace)
            let issued = try await provider.grant(request)
            #expect(issued.credentials == ["JITSUDO_K8S_ROLE": "view", "JITSUDO_K8S_NAMESPACE": namespace])
            let bindings = try await client.list(
                RoleBinding.self, namespace: namespace,
                options: .labels(["jitsudo.dev/request-id": request.requestID])
            ).items
            #expect(bindings.count == 1)
            let binding = try #require(bindings.first)
            #expect(binding.subjects == [.user("alice")])
            #expect(binding.roleRef == .clusterRole("view"))
            #expect(binding.metadata.labels?["app.kubernetes.io/managed-by"] == "jitsudo")
            let expiry = try #require(binding.metadata.annotations?["jitsudo.dev/expires-at"].flatMap(KubernetesTime.parse))
            #expect(abs(expiry.timeIntervalSinceNow - 3600) < 120)

            // The API server's RBAC cache follows the binding within moments.
            try await TestEnvironment.eventually("alice can list pods during the grant") {
                try await kubectl.run(["get", "pods", "-n", namespace, "--as=alice"]).status == 0
            }
            let elsewhere = try await kubectl.run(["get", "pods", "-n", "default", "--as=alice"])
            #expect(elsewhere.status != 0, "the grant is limited to its namespace")

            // Granting twice is granting once; granting again for longer (an extension) moves the expiry annotation forward.
            var longer = request
            longer.durationSeconds = 7200
            _ = try await provider.grant(longer)
            // Every binding of the namespace (a second one under another name would show here).
            let again = try await client.list(RoleBinding.self, namespace: namespace).items
            #expect(again.count == 1 && again.first?.metadata.name == binding.metadata.name)
            let extended = try #require(again.first?.metadata.annotations?["jitsudo.dev/expires-at"].flatMap(KubernetesTime.parse))
            #expect(extended.timeIntervalSince(expiry) > 3000)

            try await provider.revoke(requestID: request.requestID, revokeToken: issued.revokeToken)
            #expect(try await client.list(RoleBinding.self, namespace: namespace).items.isEmpty)
            try await TestEnvironment.eventually("alice is forbidden after the revoke") {
                let after = try await kubectl.run(["get", "pods", "-n", namespace, "--as=alice"])
                return after.status != 0 && after.stderr.contains("forbidden")
            }
            // Already gone is success.
            try await provider.revoke(requestID: request.requestID, revokeToken: issued.revokeToken)
            try await provider.revoke(requestID: request.requestID, revokeToken: nil)
        }
    }

    @Test func aClusterScopeGrantIsAClusterRoleBindingAndAGroupMappingBindsTheGroup() async throws {
        try await TestEnvironment.withNamespace("cluster") { client, namespace in
            let provider = Self.provider(client, namespace: namespace)
            let request = Self.request(requester: "oncall@example.com", scope: "*")
            let issued = try await provider.grant(request)
            let binding = try await client.get(ClusterRoleBinding.self, name: KubernetesProvider.bindingName(for: request.requestID))
            #expect(binding.subjects == [.group("oncall")])
            #expect(binding.roleRef == .clusterRole("view"))
            // Revoke without the token still finds it by its label.
            try await provider.revoke(requestID: request.requestID, revokeToken: nil)
            await #expect(throws: KubernetesError(.notFound, "")) {
                try await client.get(ClusterRoleBinding.self, name: KubernetesProvider.bindingName(for: request.requestID))
            }
            _ = issued
        }
    }

    @Test func requestsOutsideTheConfigurationAreRefusedAndChangeNothing() async throws {
        try await TestEnvironment.withNamespace("refuse") { client, namespace in
            let provider = Self.provider(client, namespace: namespace)
            for (role, scope, words) in [
                ("cluster-admin", namespace, "not allowed"), ("view", "kube-system", "not allowed"),
                ("view", "Bad_Name", "namespace name"),
            ] {
                let error = await #expect(throws: ProviderError.self) { try await provider.grant(Self.request(role: role, scope: scope)) }
                #expect(error?.code == .invalidRequest)
                #expect(error?.message.contains(words) == true, "\(error?.message ?? "")")
            }
            let strict = KubernetesProvider(client: client, configuration: .init(allowedRoles: ["view"]))
            #expect(throws: ProviderError.self) { try strict.validate(Self.request(scope: "*")) }
            let managed = try await client.list(RoleBinding.self, allNamespaces: true, options: .labels(["app.kubernetes.io/managed-by": "jitsudo"]))
            #expect(managed.items.allSatisfy { $0.metadata.namespace != namespace })
        }
    }

    @Test func driftCleanupRemovesBindingsOfInactiveOrExpiredGrantsAndAuditsIt() async throws {
        try await TestEnvironment.withNamespace("drift") { client, namespace in
            try await withTestDatabase { test in
                let provider = Self.provider(client, namespace: namespace)
                let requests = RequestRepository(database: test.database)
                // An ACTIVE grant (kept), a REVOKED one whose binding was left behind (removed), an unknown one (removed).
                let active = try await storeRequest(requests, test.database, state: .active, scope: namespace)
                let revoked = try await storeRequest(requests, test.database, state: .revoked, scope: namespace)
                let unknown = Self.newRequestID()
                for id in [active, revoked, unknown] { _ = try await provider.grant(Self.request(id, scope: namespace)) }
                let reconciler = DriftReconciler(
                    provider: provider, requests: requests, audit: AuditLog(database: test.database),
                    interval: .seconds(60), logger: Logger(label: "drift-tests"))
                let removed = try await reconciler.reconcileOnce()
                let mine = removed.filter { $0.scope == namespace }
                #expect(Set(mine.map(\.requestID)) == [revoked, unknown])
                #expect(mine.allSatisfy { $0.reason == "grant_not_active" && $0.kind == "RoleBinding" })
                let left = try await client.list(RoleBinding.self, namespace: namespace).items.compactMap {
                    $0.metadata.labels?["jitsudo.dev/request-id"]
                }
                #expect(left == [active])
                try await test.sequenceAudit()
                let events = try await AuditLog(database: test.database).events(matching: .init(), pageSize: 50).events
                    .filter { $0.action == "grant.drift_removed" }
                #expect(events.count == 2)
                #expect(events.contains { $0.requestID == revoked && $0.detailsJSON.contains("\"reason\":\"grant_not_active\"") })
                #expect(events.contains { $0.requestID == unknown && $0.detailsJSON.contains("RoleBinding") })
                #expect(events.allSatisfy { $0.actorIdentity == "system" && $0.provider == "kubernetes" && $0.resourceScope == namespace })

                // An ACTIVE grant past its expires_at loses its binding even before the sweeper expires it (fail closed).
                try await test.database.query("UPDATE requests SET expires_at = now() - interval '1 second' WHERE id = \(active)")
                let expired = try await reconciler.reconcileOnce().filter { $0.scope == namespace }
                #expect(expired.map(\.requestID) == [active] && expired.first?.reason == "expired")
                #expect(try await client.list(RoleBinding.self, namespace: namespace).items.isEmpty)
                #expect(try await reconciler.reconcileOnce().filter { $0.scope == namespace }.isEmpty)
            }
        }
    }
}

/// Stores a kubernetes request for `scope` and moves it to `state` directly in the table (fixture only).
func storeRequest(_ requests: RequestRepository, _ database: Database, state: RequestState, scope: String) async throws -> String {
    var generator = SystemRandomNumberGenerator()
    let id = RequestID.generate(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), using: &generator)
    let now = AuditTimestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
    let request = ElevationRequest(
        id: id, requesterIdentity: "alice", provider: "kubernetes", role: "view", resourceScope: scope,
        durationSeconds: 3600, reason: "INC-1", createdAt: now, updatedAt: now)
    let stored = try await requests.create(request, audit: []).request.id.rawValue
    try await database.query(
        """
        UPDATE requests SET state = \(state.rawValue), issued_at = now(), expires_at = now() + interval '1 hour' WHERE id = \(stored)
        """
    )
    return stored
}
