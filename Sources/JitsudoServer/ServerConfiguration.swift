import Foundation
import JitsudoCore
import JitsudoKubernetesProvider
import JitsudoProviders

/// Everything `jitsudod` is configured with, validated at startup. Loaded from `jitsudod.yaml` (nested keys)
/// with `JITSUDOD_*` environment overrides; unknown keys and bad values are errors that name the key.
public struct ServerConfiguration: Sendable {
    public var http = HTTP()
    public var database = Database()
    public var leader = Leader()
    public var oidc = OIDC()
    public var admin = Admin()
    public var tls = TLS()
    /// base64 of 32 bytes; sealing key for credentials at rest.
    public var credentialsKey = ""
    public var sweeper = Sweeper()
    public var policies = Policies()
    public var audit = Audit()
    public var providers = Providers()
    public var notifications = Notifications()
    public var mcp = MCP()
    /// Rate limits, request bounds and slow-client protection (`limits.*`).
    public var limits = AbuseLimits()
    public var logLevel = "info"
    /// Development mode (`jitsudod dev`): no OIDC issuer or credentials key required.
    public var developmentMode = false

    public init() {}

    /// Every key the file and the environment may set, with how to apply it.
    static let keys: [String: @Sendable (inout ServerConfiguration, String) throws(ConfigurationError) -> Void] = [
        "http_addr": { config, value throws(ConfigurationError) in try config.setAddress(value) },
        "shutdown_delay_seconds": { config, value throws(ConfigurationError) in
            config.http.shutdownDelaySeconds = try int(value, "shutdown_delay_seconds", 0...300)
        },
        "database_url": { config, value in config.database.url = value },
        "database_max_connections": { config, value throws(ConfigurationError) in
            config.database.maxConnections = try int(value, "database_max_connections", 1...500)
        },
        // Removed; named so that a file that still sets it gets the reason, not "unknown key".
        "database_min_connections": { _, _ throws(ConfigurationError) in
            throw ConfigurationError(
                key: "database_min_connections",
                "was removed: every one of database_max_connections is opened at start and kept open; remove the key")
        },
        "database_keepalive_seconds": { config, value throws(ConfigurationError) in
            config.database.keepAliveSeconds = try int(value, "database_keepalive_seconds", 0...3600)
        },
        "leader_database_url": { config, value in config.leader.databaseURL = value },
        "replica_id": { config, value in config.leader.replicaID = value },
        "oidc.issuer": { config, value in config.oidc.issuer = value },
        "oidc.discovery_url": { config, value in config.oidc.discoveryURL = value },
        "oidc.client_id": { config, value in config.oidc.clientID = value },
        "oidc.client_secret": { config, value in config.oidc.clientSecret = value },
        "oidc.groups_claim": { config, value in config.oidc.groupsClaim = value },
        "oidc.ca_file": { config, value in config.oidc.caFile = value },
        "oidc.leeway_seconds": { config, value throws(ConfigurationError) in
            config.oidc.leewaySeconds = try int(value, "oidc.leeway_seconds", 0...600)
        },
        "admin.groups": { config, value in config.admin.groups = list(value) },
        "admin.emails": { config, value in config.admin.emails = list(value) },
        "tls.cert_file": { config, value in config.tls.certFile = value },
        "tls.key_file": { config, value in config.tls.keyFile = value },
        "tls.client_ca_file": { config, value in config.tls.clientCAFile = value },
        "tls.require_client_cert": { config, value throws(ConfigurationError) in
            config.tls.requireClientCert = try bool(value, "tls.require_client_cert")
        },
        "tls.reload_interval_seconds": { config, value throws(ConfigurationError) in
            config.tls.reloadIntervalSeconds = try int(value, "tls.reload_interval_seconds", 1...3600)
        },
        "credentials_key": { config, value in config.credentialsKey = value },
        "mcp.token": { config, value throws(ConfigurationError) in
            guard value.isEmpty || value.utf8.count >= 32 else {
                throw ConfigurationError(key: "mcp.token", "must be at least 32 characters (for example: head -c 32 /dev/urandom | base64)")
            }
            config.mcp.token = value
        },
        "mcp.identity": { config, value throws(ConfigurationError) in
            guard !value.isEmpty, value.count <= 128 else { throw ConfigurationError(key: "mcp.identity", "must be 1 to 128 characters") }
            config.mcp.identity = value
        },
        "pending_ttl": { config, value throws(ConfigurationError) in config.sweeper.pendingTTLSeconds = try duration(value, "pending_ttl") },
        "policy_sync_interval": { config, value throws(ConfigurationError) in
            config.policies.syncIntervalSeconds = try duration(value, "policy_sync_interval")
        },
        "trust_tier_cache_seconds": { config, value throws(ConfigurationError) in
            config.policies.trustTierCacheSeconds = try int(value, "trust_tier_cache_seconds", 0...300)
        },
        "sweep_interval": { config, value throws(ConfigurationError) in config.sweeper.intervalSeconds = try duration(value, "sweep_interval") },
        "audit_verify_interval": { config, value throws(ConfigurationError) in
            config.audit.verifyIntervalSeconds = try duration(value, "audit_verify_interval")
        },
        "providers.mock.enabled": { config, value throws(ConfigurationError) in
            config.providers.mock.enabled = try bool(value, "providers.mock.enabled")
        },
        "providers.mock.max_duration": { config, value throws(ConfigurationError) in
            config.providers.mock.maxDurationSeconds = try duration(value, "providers.mock.max_duration")
        },
        "providers.kubernetes.enabled": { config, value throws(ConfigurationError) in
            config.providers.kubernetes.enabled = try bool(value, "providers.kubernetes.enabled")
        },
        "providers.kubernetes.kubeconfig": { config, value in config.providers.kubernetes.kubeconfig = value },
        "providers.kubernetes.context": { config, value in config.providers.kubernetes.context = value },
        "providers.kubernetes.allowed_roles": { config, value in config.providers.kubernetes.provider.allowedRoles = Set(list(value)) },
        "providers.kubernetes.namespaces": { config, value in config.providers.kubernetes.provider.namespaces = Set(list(value)) },
        "providers.kubernetes.allow_cluster_scope": { config, value throws(ConfigurationError) in
            config.providers.kubernetes.provider.allowClusterScope = try bool(value, "providers.kubernetes.allow_cluster_scope")
        },
        "providers.kubernetes.instance": { config, value in config.providers.kubernetes.provider.instance = value },
        "providers.kubernetes.user_prefix": { config, value in config.providers.kubernetes.provider.userPrefix = value },
        "providers.kubernetes.group_mapping": { config, value throws(ConfigurationError) in
            var mapping: [String: String] = [:]
            for pair in list(value) {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ConfigurationError(key: "providers.kubernetes.group_mapping", "must be identity=group pairs, got '\(pair)'")
                }
                mapping[parts[0]] = parts[1]
            }
            config.providers.kubernetes.provider.groupMapping = mapping
        },
        "providers.kubernetes.max_duration": { config, value throws(ConfigurationError) in
            config.providers.kubernetes.provider.maximumDurationSeconds = try duration(value, "providers.kubernetes.max_duration")
        },
        "providers.kubernetes.reconcile_interval": { config, value throws(ConfigurationError) in
            config.providers.kubernetes.reconcileIntervalSeconds = try duration(value, "providers.kubernetes.reconcile_interval")
        },
        "notifications.slack.webhook_url": { config, value in config.notifications.slack.webhookURL = value },
        "notifications.slack.signing_secret": { config, value in config.notifications.slack.signingSecret = value },
        "notifications.slack.bot_token": { config, value in config.notifications.slack.botToken = value },
        "notifications.slack.api_url": { config, value throws(ConfigurationError) in
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ConfigurationError(key: "notifications.slack.api_url", "must be an http(s) URL like https://slack.com/api")
            }
            config.notifications.slack.apiURL = value
        },
        "notifications.slack.user_map": { config, value throws(ConfigurationError) in
            config.notifications.slack.userMap = try pairs(value, "notifications.slack.user_map", "slack_user_id=identity")
        },
        "public_url": { config, value throws(ConfigurationError) in
            guard value.isEmpty || (URL(string: value).map { ["http", "https"].contains($0.scheme?.lowercased() ?? "") && $0.host != nil } ?? false)
            else { throw ConfigurationError(key: "public_url", "must be the http(s) URL people reach jitsudod at, like https://jitsudo.example.com") }
            config.http.publicURL = value
        },
        "notifications.webhook.url": { config, value in config.notifications.webhook.url = value },
        "notifications.webhook.secret": { config, value in config.notifications.webhook.secret = value },
        "notifications.smtp.host": { config, value in config.notifications.smtp.host = value },
        "notifications.smtp.port": { config, value throws(ConfigurationError) in
            config.notifications.smtp.port = try int(value, "notifications.smtp.port", 1...65535)
        },
        "notifications.smtp.from": { config, value in config.notifications.smtp.from = value },
        "notifications.smtp.security": { config, value throws(ConfigurationError) in
            guard ["starttls", "tls", "none"].contains(value) else {
                throw ConfigurationError(key: "notifications.smtp.security", "must be starttls, tls or none")
            }
            config.notifications.smtp.security = value
        },
        "notifications.smtp.username": { config, value in config.notifications.smtp.username = value },
        "notifications.smtp.password": { config, value in config.notifications.smtp.password = value },
        "notifications.smtp.to": { config, value in config.notifications.smtp.to = list(value) },
        "notifications.siem.file": { config, value in config.notifications.siem.file = value },
        "notifications.syslog.address": { config, value in config.notifications.syslog.address = value },
        "notifications.syslog.protocol": { config, value throws(ConfigurationError) in
            guard ["udp", "tcp"].contains(value) else { throw ConfigurationError(key: "notifications.syslog.protocol", "must be udp or tcp") }
            config.notifications.syslog.protocol = value
        },
        "log_level": { config, value throws(ConfigurationError) in
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(value) else {
                throw ConfigurationError(key: "log_level", "must be one of trace, debug, info, notice, warning, error, critical")
            }
            config.logLevel = value
        },
        "grpc_addr": { _, _ in },  // accepted and ignored, as `jitsudod init --grpc-addr`
        "limits.requests_per_minute_per_identity": { config, value throws(ConfigurationError) in
            config.limits.requestsPerMinutePerIdentity = try int(value, "limits.requests_per_minute_per_identity", 0...1_000_000)
        },
        "limits.requests_per_minute_per_address": { config, value throws(ConfigurationError) in
            config.limits.requestsPerMinutePerAddress = try int(value, "limits.requests_per_minute_per_address", 0...1_000_000)
        },
        "limits.failed_authentications_per_minute_per_address": { config, value throws(ConfigurationError) in
            config.limits.failedAuthenticationsPerMinutePerAddress = try int(
                value, "limits.failed_authentications_per_minute_per_address", 0...1_000_000)
        },
        "limits.max_concurrent_evaluations": { config, value throws(ConfigurationError) in
            config.limits.maxConcurrentEvaluations = try int(value, "limits.max_concurrent_evaluations", 1...10_000)
        },
        "limits.request_read_timeout": { config, value throws(ConfigurationError) in
            let seconds = try duration(value, "limits.request_read_timeout")
            guard (1...3_600).contains(seconds) else {
                throw ConfigurationError(key: "limits.request_read_timeout", "must be from 1s to 1h")
            }
            config.limits.requestReadTimeoutSeconds = Int(seconds)
        },
        "limits.max_header_bytes": { config, value throws(ConfigurationError) in
            config.limits.maxHeaderBytes = try int(value, "limits.max_header_bytes", 4_096...1_048_576)
        },
        "limits.max_header_count": { config, value throws(ConfigurationError) in
            config.limits.maxHeaderCount = try int(value, "limits.max_header_count", 16...10_000)
        },
    ]

    /// Loads `yaml` (may be empty), then applies `environment` overrides, then validates.
    ///
    /// - Throws: ``ConfigurationError`` naming the key and the fix.
    public static func load(yaml: String, environment: [String: String], requireDatabase: Bool = true) throws(ConfigurationError)
        -> ServerConfiguration
    {
        var config = ServerConfiguration()
        var values: [String: String] = [:]
        if !yaml.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            values = try ConfigurationFile.values(yaml: yaml)
        }
        let providerKeys = ProviderCatalog.settingKeys.flatMap { name, keys in keys.map { "providers.\(name).\($0)" } }
        for key in Array(keys.keys) + providerKeys {
            let variable = "JITSUDOD_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
            if let value = environment[variable] { values[key] = value }
        }
        if values["database_url"] == nil, let fallback = environment["DATABASE_URL"] { values["database_url"] = fallback }
        var providerValues: [String: [String: String]] = [:]
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            if let split = providerKey(key) {
                providerValues[split.provider, default: [:]][split.key] = value
                continue
            }
            guard let apply = keys[key] else {
                throw ConfigurationError(key: key, "is not a setting jitsudod knows; check the spelling (see docs/configuration.md)")
            }
            try apply(&config, value)
        }
        for (provider, settings) in providerValues { config.providers.cloud[provider] = ProviderSettings(provider: provider, values: settings) }
        try config.validate(requireDatabase: requireDatabase)
        return config
    }

    func validate(requireDatabase: Bool) throws(ConfigurationError) {
        if requireDatabase, database.url.isEmpty {
            throw ConfigurationError(key: "database_url", "is required: set it in the file, or JITSUDOD_DATABASE_URL / DATABASE_URL")
        }
        if !developmentMode, oidc.issuer.isEmpty {
            throw ConfigurationError(key: "oidc.issuer", "is required: the URL of your OIDC identity provider (JITSUDOD_OIDC_ISSUER)")
        }
        try tls.validate()
        if !credentialsKey.isEmpty {
            do { _ = try CredentialVault(base64Key: credentialsKey) } catch { throw ConfigurationError(key: "credentials_key", error.message) }
        }
        try providers.kubernetes.validate()
        try notifications.validate()
    }

    /// `providers.<name>.<key>` of a cataloged provider and known key, split into name and relative key.
    static func providerKey(_ key: String) -> (provider: String, key: String)? {
        let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "providers", let known = ProviderCatalog.settingKeys[parts[1]], known.contains(parts[2]) else {
            return nil
        }
        return (parts[1], parts[2])
    }

    mutating func setAddress(_ value: String) throws(ConfigurationError) {
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError(key: "http_addr", "must look like :8080 or 127.0.0.1:8080, got '\(value)'")
        }
        let host = String(value[..<colon])
        http.host = host.isEmpty ? "0.0.0.0" : host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        http.port = port
    }

    /// `key=value` pairs separated by commas.
    static func pairs(_ value: String, _ key: String, _ shape: String) throws(ConfigurationError) -> [String: String] {
        var mapping: [String: String] = [:]
        for pair in list(value) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ConfigurationError(key: key, "must be \(shape) pairs, got '\(pair)'")
            }
            mapping[parts[0]] = parts[1]
        }
        return mapping
    }

    static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func bool(_ value: String, _ key: String) throws(ConfigurationError) -> Bool {
        switch value.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw ConfigurationError(key: key, "must be true or false, got '\(value)'")
        }
    }

    static func int(_ value: String, _ key: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw ConfigurationError(key: key, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(value)'")
        }
        return number
    }

    static func duration(_ value: String, _ key: String) throws(ConfigurationError) -> Int64 {
        do { return try GrantDuration.parse(value).seconds } catch { throw ConfigurationError(key: key, error.message) }
    }
}
