import JitsudoKubernetesProvider
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
        #expect(configuration.providers.kubernetes.enabled && configuration.providers.kubernetes.kubeconfig == "/etc/jitsudo/kubeconfig")
        #expect(configuration.providers.kubernetes.context == "prod" && configuration.providers.kubernetes.provider.allowedRoles == ["view", "edit"])
        #expect(configuration.providers.kubernetes.provider.namespaces == ["team-c"], "the environment overrides the file")
        #expect(configuration.providers.kubernetes.provider.allowClusterScope && configuration.providers.kubernetes.provider.userPrefix == "oidc:")
        #expect(configuration.providers.kubernetes.provider.groupMapping == ["oncall@example.com": "oncall"])
        #expect(
            configuration.providers.kubernetes.provider.maximumDurationSeconds == 7200
                && configuration.providers.kubernetes.reconcileIntervalSeconds == 30)
        #expect(configuration.providers.kubernetes.provider.instance == "prod-jitsudo")
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
