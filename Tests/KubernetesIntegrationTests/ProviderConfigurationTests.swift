import JitsudoServer
import Testing

/// The `providers.kubernetes.*` settings of jitsudod.
@Suite struct ProviderConfigurationTests {
    static let base = "database_url: postgres://localhost/db\noidc:\n  issuer: https://issuer.example\n"

    @Test func everyKubernetesSettingIsRead() throws {
        let yaml =
            Self.base + """
                providers:
                  kubernetes:
                    enabled: true
                    kubeconfig: /etc/jitsudo/kubeconfig
                    context: prod
                    allowed_roles: [view, edit]
                    namespaces: [team-a, team-b]
                    allow_cluster_scope: true
                    user_prefix: "oidc:"
                    group_mapping: ["oncall@example.com=oncall"]
                    max_duration: 2h
                    reconcile_interval: 30s
                    instance: prod-jitsudo
                """
        let configuration = try ServerConfiguration.load(yaml: yaml, environment: ["JITSUDOD_PROVIDERS_KUBERNETES_NAMESPACES": "team-c"])
        #expect(configuration.kubernetesProviderEnabled && configuration.kubernetesKubeconfig == "/etc/jitsudo/kubeconfig")
        #expect(configuration.kubernetesContext == "prod" && configuration.kubernetesAllowedRoles == ["view", "edit"])
        #expect(configuration.kubernetesNamespaces == ["team-c"], "the environment overrides the file")
        #expect(configuration.kubernetesAllowClusterScope && configuration.kubernetesUserPrefix == "oidc:")
        #expect(configuration.kubernetesGroupMapping == ["oncall@example.com": "oncall"])
        #expect(configuration.kubernetesMaxDurationSeconds == 7200 && configuration.kubernetesReconcileIntervalSeconds == 30)
        #expect(configuration.kubernetesInstance == "prod-jitsudo")
    }

    @Test func badKubernetesSettingsNameTheKey() {
        let cases: [(String, String)] = [
            ("providers:\n  kubernetes:\n    enabled: true\n", "providers.kubernetes.allowed_roles"),
            ("providers:\n  kubernetes:\n    enabled: true\n    allowed_roles: [view]\n    instance: 'has space'\n", "providers.kubernetes.instance"),
            ("providers:\n  kubernetes:\n    group_mapping: [nogroup]\n", "providers.kubernetes.group_mapping"),
            ("providers:\n  kubernetes:\n    enabled: maybe\n", "providers.kubernetes.enabled"),
        ]
        for (yaml, key) in cases {
            let error = #expect(throws: ConfigurationError.self) { try ServerConfiguration.load(yaml: Self.base + yaml, environment: [:]) }
            #expect(error?.key == key, "\(yaml)")
        }
    }
}
