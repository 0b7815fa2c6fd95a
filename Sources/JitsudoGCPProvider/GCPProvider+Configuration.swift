import Foundation
public import JitsudoProviders

extension GCPProvider {
    /// What the `gcp` provider may grant and how it reaches Google, from `providers.gcp.*`.
    public struct Configuration: Sendable, Hashable {
        /// `binding`: a conditional IAM binding per grant. `impersonate`: a short-lived access token of the service
        /// account the role maps to.
        public enum Mode: String, Sendable, Hashable, CaseIterable {
            case binding
            case impersonate
        }

        public var mode = Mode.binding
        /// Cloud Resource Manager; empty means Google's.
        public var resourceManagerURL = ""
        /// IAM Credentials; empty means Google's.
        public var iamCredentialsURL = ""
        /// The OAuth token endpoint for a service-account key; empty means the key file's `token_uri` or Google's.
        public var tokenURL = ""
        /// Roles a request may name (`roles/viewer`). Empty refuses every request in `binding` mode.
        public var allowedRoles: Set<String> = []
        /// Resource names (`projects/p`, `folders/1`) a request may name; empty allows any.
        public var allowedResources: Set<String> = []
        /// The longest grant; longer requests are shortened to it (seconds, default 12 h).
        public var maximumDurationSeconds: Int64 = 12 * 3600
        /// Condition titles are `<prefix> <request id>`; revoke and drift cleanup touch only titles with this prefix,
        /// so two installations can share a project.
        public var conditionTitlePrefix = "jitsudo"
        /// The principal a binding names; `{identity}` becomes the requester's e-mail.
        public var memberTemplate = "user:{identity}"
        /// `impersonate` mode: role → service-account e-mail.
        public var serviceAccounts: [String: String] = [:]
        /// `impersonate` mode: OAuth scopes of the issued tokens.
        public var tokenScopes = ["https://www.googleapis.com/auth/cloud-platform"]
        /// `impersonate` mode: the longest token (seconds; Google's default cap is one hour).
        public var tokenLifetimeSeconds: Int64 = 3600
        /// How often the leader removes drift and prunes expired bindings (seconds).
        public var reconcileIntervalSeconds: Int64 = 60
        /// Whole read-modify-write cycles tried when the etag went stale (409 ABORTED) before giving up.
        public var policyWriteAttempts = 40

        /// The keys under `providers.gcp.` this configuration reads (for the server's catalogue of settings).
        public static let settingKeys = [
            "enabled", "mode", "endpoint_url", "iam_credentials_url", "token_url", "credentials_file", "metadata_host",
            "allowed_roles", "allowed_resources", "max_duration", "condition_title_prefix", "member_template",
            "service_accounts", "token_scopes", "token_lifetime", "reconcile_interval",
        ]

        public init() {}

        /// Reads and validates `settings`.
        ///
        /// - Throws: ``ProviderSettingsError`` naming the full key and what is wrong.
        public init(settings: ProviderSettings) throws(ProviderSettingsError) {
            mode = try Mode(rawValue: settings.choice("mode", default: "binding", Mode.allCases.map(\.rawValue))) ?? .binding
            resourceManagerURL = try Self.url(settings, "endpoint_url")
            iamCredentialsURL = try Self.url(settings, "iam_credentials_url")
            tokenURL = try Self.url(settings, "token_url")
            allowedRoles = Set(settings.list("allowed_roles"))
            for role in allowedRoles where !(role.hasPrefix("roles/") || role.contains("/roles/")) {
                throw ProviderSettingsError(
                    key: settings.fullKey("allowed_roles"),
                    "names roles as roles/NAME or projects/P/roles/NAME, got '\(role)'")
            }
            var resources = Set<String>()
            for scope in settings.list("allowed_resources") {
                do { resources.insert(try GCPResource(scope: scope).name) } catch {
                    throw ProviderSettingsError(key: settings.fullKey("allowed_resources"), error.message)
                }
            }
            allowedResources = resources
            maximumDurationSeconds = try settings.durationSeconds("max_duration", default: 12 * 3600)
            conditionTitlePrefix = settings.string("condition_title_prefix", default: "jitsudo")
            guard (1...40).contains(conditionTitlePrefix.count),
                conditionTitlePrefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            else {
                throw ProviderSettingsError(
                    key: settings.fullKey("condition_title_prefix"),
                    "must be 1 to 40 characters of letters, digits, '.', '_' and '-'")
            }
            memberTemplate = settings.string("member_template", default: "user:{identity}")
            let template = memberTemplate
            guard ["user:", "group:", "serviceAccount:"].contains(where: { template.hasPrefix($0) }), template.contains("{identity}") else {
                throw ProviderSettingsError(
                    key: settings.fullKey("member_template"),
                    "must start with user:, group: or serviceAccount: and contain {identity}, got '\(memberTemplate)'")
            }
            serviceAccounts = try settings.pairs("service_accounts")
            let scopes = settings.list("token_scopes")
            if !scopes.isEmpty { tokenScopes = scopes }
            tokenLifetimeSeconds = try settings.durationSeconds("token_lifetime", default: 3600)
            guard (60...3600).contains(tokenLifetimeSeconds) else {
                throw ProviderSettingsError(key: settings.fullKey("token_lifetime"), "must be from 1m to 1h")
            }
            reconcileIntervalSeconds = try max(1, settings.durationSeconds("reconcile_interval", default: 60))
            if mode == .impersonate, serviceAccounts.isEmpty {
                throw ProviderSettingsError(
                    key: settings.fullKey("service_accounts"),
                    "must map at least one role to a service account in impersonate mode "
                        + "(role=sa@project.iam.gserviceaccount.com)")
            }
        }

        /// The reconcile interval as a `Duration`.
        public var reconcileInterval: Duration { .seconds(reconcileIntervalSeconds) }

        private static func url(_ settings: ProviderSettings, _ key: String) throws(ProviderSettingsError) -> String {
            let value = settings.string(key)
            guard !value.isEmpty else { return "" }
            guard let components = URLComponents(string: value), ["http", "https"].contains(components.scheme ?? ""), components.host != nil else {
                throw ProviderSettingsError(key: settings.fullKey(key), "must be an http(s) URL, got '\(value)'")
            }
            return value.hasSuffix("/") ? String(value.dropLast()) : value
        }
    }
}
