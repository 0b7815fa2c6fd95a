import Foundation
import GoogleCloudClient
import JitsudoCore
import JitsudoGCPProvider
import JitsudoProviders
import Logging
import Testing

@Suite struct GCPProviderConfigurationTests {
    static func settings(_ values: [String: String]) -> ProviderSettings { ProviderSettings(provider: "gcp", values: values) }

    @Test func everySettingIsRead() throws {
        let configuration = try GCPProvider.Configuration(
            settings: Self.settings([
                "mode": "impersonate", "endpoint_url": "http://127.0.0.1:1/", "iam_credentials_url": "http://127.0.0.1:2",
                "token_url": "http://127.0.0.1:3/token", "allowed_roles": "roles/viewer, roles/container.admin",
                "allowed_resources": "my-project,folders/12", "max_duration": "2h", "condition_title_prefix": "jit-prod",
                "member_template": "group:{identity}", "service_accounts": "deployer=deploy@p.iam.gserviceaccount.com",
                "token_scopes": "https://www.googleapis.com/auth/cloud-platform.read-only", "token_lifetime": "30m", "reconcile_interval": "15s",
            ]))
        #expect(configuration.mode == .impersonate && configuration.resourceManagerURL == "http://127.0.0.1:1")
        #expect(configuration.allowedRoles == ["roles/viewer", "roles/container.admin"])
        #expect(configuration.allowedResources == ["projects/my-project", "folders/12"] && configuration.maximumDurationSeconds == 7200)
        #expect(configuration.conditionTitlePrefix == "jit-prod" && configuration.memberTemplate == "group:{identity}")
        #expect(configuration.serviceAccounts == ["deployer": "deploy@p.iam.gserviceaccount.com"] && configuration.tokenLifetimeSeconds == 1800)
        #expect(configuration.reconcileIntervalSeconds == 15 && configuration.tokenScopes.count == 1)
        let defaults = try GCPProvider.Configuration(settings: Self.settings([:]))
        #expect(defaults.mode == .binding && defaults.maximumDurationSeconds == 43200 && defaults.conditionTitlePrefix == "jitsudo")
        #expect(defaults.memberTemplate == "user:{identity}" && defaults.allowedRoles.isEmpty)
    }

    @Test(arguments: [
        (["mode": "both"], "providers.gcp.mode"), (["endpoint_url": "ftp://x"], "providers.gcp.endpoint_url"),
        (["allowed_roles": "viewer"], "providers.gcp.allowed_roles"), (["allowed_resources": "folders/x"], "providers.gcp.allowed_resources"),
        (["condition_title_prefix": "has space"], "providers.gcp.condition_title_prefix"),
        (["member_template": "user:alice"], "providers.gcp.member_template"),
        (["member_template": "domain:{identity}"], "providers.gcp.member_template"),
        (["mode": "impersonate"], "providers.gcp.service_accounts"), (["token_lifetime": "2h"], "providers.gcp.token_lifetime"),
        (["max_duration": "soon"], "providers.gcp.max_duration"),
    ])
    func badSettingsNameTheirKey(_ values: [String: String], _ key: String) {
        let error = #expect(throws: ProviderSettingsError.self) { try GCPProvider.Configuration(settings: Self.settings(values)) }
        #expect(error?.key == key)
    }

    @Test func anUnreadableKeyFileNamesTheSetting() {
        let error = #expect(throws: ProviderSettingsError.self) {
            try GCPProvider(settings: Self.settings(["credentials_file": "/nonexistent/key.json"]), environment: [:], logger: Logger(label: "t"))
        }
        #expect(error?.key == "providers.gcp.credentials_file")
        let fromEnvironment = #expect(throws: ProviderSettingsError.self) {
            try GCPProvider(
                settings: Self.settings([:]), environment: ["GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent/k.json"],
                logger: Logger(label: "t"))
        }
        #expect(fromEnvironment?.key == "providers.gcp.credentials_file")
    }

    @Test func withoutAKeyTheMetadataServerNamedByTheEnvironmentIsUsed() throws {
        let provider = try GCPProvider(settings: Self.settings([:]), environment: ["GCE_METADATA_HOST": "127.0.0.1:9"], logger: Logger(label: "t"))
        guard case .metadataServer(let host) = provider.client.configuration.credentials else {
            Issue.record("expected the metadata server")
            return
        }
        #expect(host == "127.0.0.1:9")
    }

    static func request(role: String = "roles/viewer", scope: String = "my-project", identity: String = "alice@example.com") -> GrantRequest {
        GrantRequest(requestID: "req_1", requesterIdentity: identity, role: role, resourceScope: scope, durationSeconds: 60, metadata: [:])
    }

    @Test func validationRefusesWhatIsNotAllowed() throws {
        var configuration = GCPProvider.Configuration()
        let client = GoogleCloudClient(configuration: .init(credentials: .metadataServer(host: "127.0.0.1:9")), logger: Logger(label: "t"))
        let none = GCPProvider(configuration: configuration, client: client, logger: Logger(label: "t"))
        let refused = #expect(throws: ProviderError.self) { try none.validate(Self.request()) }
        #expect(refused?.code == .invalidRequest && refused?.message.contains("providers.gcp.allowed_roles") == true)
        configuration.allowedRoles = ["roles/viewer"]
        configuration.allowedResources = ["projects/my-project"]
        let provider = GCPProvider(configuration: configuration, client: client, logger: Logger(label: "t"))
        try provider.validate(Self.request())
        try provider.validate(Self.request(scope: "projects/my-project"))
        for bad in [
            Self.request(role: "roles/owner"), Self.request(scope: "other-project"), Self.request(scope: "folders/x"),
            Self.request(identity: "alice"), Self.request(identity: "a@b.c,user:eve@evil.com"), Self.request(identity: "a b@c.d"),
        ] {
            #expect(throws: ProviderError.self, "\(bad)") { try provider.validate(bad) }
        }
        #expect(provider.member(for: "alice@example.com") == "user:alice@example.com")
    }
}
