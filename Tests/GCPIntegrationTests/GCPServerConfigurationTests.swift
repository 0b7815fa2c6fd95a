import JitsudoGCPProvider
import JitsudoProviders
import JitsudoServer
import Testing

/// `providers.gcp.*` in jitsudod.yaml and `JITSUDOD_PROVIDERS_GCP_*` reach the provider's own configuration.
@Suite struct GCPServerConfigurationTests {
    static let base = "database_url: postgres://localhost/db\noidc:\n  issuer: https://issuer.example\n"

    @Test func gcpSettingsFromTheFileAndTheEnvironmentReachTheProvider() throws {
        let yaml =
            Self.base + """
                providers:
                  gcp:
                    enabled: true
                    allowed_roles: [roles/viewer, roles/container.admin]
                    allowed_resources: [my-project]
                    max_duration: 4h
                    condition_title_prefix: jit-prod
                """
        let configuration = try ServerConfiguration.load(yaml: yaml, environment: ["JITSUDOD_PROVIDERS_GCP_MEMBER_TEMPLATE": "group:{identity}"])
        let settings = try #require(configuration.providers.cloud["gcp"])
        #expect(settings.isEnabled)
        let gcp = try GCPProvider.Configuration(settings: settings)
        #expect(gcp.allowedRoles == ["roles/viewer", "roles/container.admin"] && gcp.allowedResources == ["projects/my-project"])
        #expect(gcp.maximumDurationSeconds == 4 * 3600 && gcp.conditionTitlePrefix == "jit-prod" && gcp.memberTemplate == "group:{identity}")
    }

    @Test func anUnknownGCPKeyIsRefusedByName() {
        let yaml = Self.base + "providers:\n  gcp:\n    colour: red\n"
        #expect(throws: (any Error).self) { try ServerConfiguration.load(yaml: yaml, environment: [:]) }
    }
}
