import JitsudoKubernetesProvider
import JitsudoServer
import Testing

/// The loader: every file key and `JITSUDOD_*` variable (a contract: docs/configuration.md, the runbooks) lands in
/// the section of the subsystem that owns it, and bad values are refused naming the key.
@Suite struct ServerConfigurationTests {
    static let file = """
        http_addr: 127.0.0.1:9443
        public_url: https://jitsudo.example.com
        shutdown_delay_seconds: 5
        database_url: postgres://app@db/jitsudo
        database_max_connections: 7
        database_keepalive_seconds: 30
        leader_database_url: postgres://app@db-direct/jitsudo
        replica_id: replica-a
        credentials_key: AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
        pending_ttl: 2h
        sweep_interval: 5s
        policy_sync_interval: 1m
        trust_tier_cache_seconds: 2
        audit_verify_interval: 10m
        log_level: debug
        oidc:
          issuer: https://idp.example.com
          discovery_url: https://idp.example.com/.well-known/openid-configuration
          client_id: jitsudo-web
          client_secret: s3cret
          groups_claim: roles
          leeway_seconds: 30
          ca_file: /etc/jitsudo/idp-ca.pem
        admin:
          groups: [ops, security]
          emails: [root@example.com]
        tls:
          cert_file: /tls/tls.crt
          key_file: /tls/tls.key
          client_ca_file: /tls/ca.crt
          require_client_cert: true
          reload_interval_seconds: 30
        mcp:
          token: 0123456789abcdef0123456789abcdef
          identity: reviewer-bot
        providers:
          mock:
            enabled: true
            max_duration: 3h
          kubernetes:
            enabled: true
            kubeconfig: /etc/jitsudo/kubeconfig
            context: prod
            allowed_roles: [view, edit]
            namespaces: [team-a]
            allow_cluster_scope: true
            user_prefix: "oidc:"
            group_mapping: [oncall@example.com=oncall]
            max_duration: 4h
            reconcile_interval: 2m
            instance: prod-jitsudo
        notifications:
          slack:
            webhook_url: https://hooks.slack.example/T000
            signing_secret: signing
            bot_token: xoxb-1
            api_url: http://127.0.0.1:9999/api
            user_map: [U1=alice@example.com]
          webhook:
            url: https://hooks.example.com/jitsudo
            secret: 0123456789abcdef0123456789abcdef
          smtp:
            host: smtp.example.com
            port: 2525
            security: tls
            username: mailer
            password: hunter2
            from: jitsudo@example.com
            to: [ops@example.com, sec@example.com]
          siem:
            file: /var/log/jitsudo.jsonl
          syslog:
            address: syslog.example.com:514
            protocol: tcp
        limits:
          requests_per_minute_per_identity: 11
          max_header_count: 64
        """

    @Test func everyFileKeyLandsInItsSubsystemsSection() throws {
        let configuration = try ServerConfiguration.load(yaml: Self.file, environment: [:])
        #expect(configuration.http.host == "127.0.0.1" && configuration.http.port == 9443)
        #expect(configuration.http.publicURL == "https://jitsudo.example.com" && configuration.http.shutdownDelaySeconds == 5)
        #expect(configuration.database.url == "postgres://app@db/jitsudo" && configuration.database.maxConnections == 7)
        #expect(configuration.database.keepAliveSeconds == 30)
        #expect(configuration.leader.databaseURL == "postgres://app@db-direct/jitsudo" && configuration.leader.replicaID == "replica-a")
        #expect(configuration.credentialsKey == "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
        #expect(configuration.sweeper.pendingTTLSeconds == 7200 && configuration.sweeper.intervalSeconds == 5)
        #expect(configuration.policies.syncIntervalSeconds == 60 && configuration.audit.verifyIntervalSeconds == 600)
        #expect(configuration.policies.trustTierCacheSeconds == 2)
        #expect(configuration.logLevel == "debug")
        let oidc = configuration.oidc
        #expect(oidc.issuer == "https://idp.example.com" && oidc.discoveryURL.hasSuffix("/openid-configuration"))
        #expect(oidc.clientID == "jitsudo-web" && oidc.clientSecret == "s3cret" && oidc.groupsClaim == "roles")
        #expect(oidc.leewaySeconds == 30 && oidc.caFile == "/etc/jitsudo/idp-ca.pem")
        #expect(configuration.admin.groups == ["ops", "security"] && configuration.admin.emails == ["root@example.com"])
        let tls = configuration.tls
        #expect(tls.certFile == "/tls/tls.crt" && tls.keyFile == "/tls/tls.key" && tls.clientCAFile == "/tls/ca.crt")
        #expect(tls.requireClientCert && tls.reloadIntervalSeconds == 30)
        #expect(configuration.mcp.token == "0123456789abcdef0123456789abcdef" && configuration.mcp.identity == "reviewer-bot")
        #expect(configuration.providers.mock.enabled && configuration.providers.mock.maxDurationSeconds == 3 * 3600)
        let kubernetes = configuration.providers.kubernetes
        #expect(kubernetes.enabled && kubernetes.kubeconfig == "/etc/jitsudo/kubeconfig" && kubernetes.context == "prod")
        #expect(kubernetes.reconcileIntervalSeconds == 120)
        #expect(
            kubernetes.provider.allowedRoles == ["view", "edit"] && kubernetes.provider.namespaces == ["team-a"]
                && kubernetes.provider.allowClusterScope)
        #expect(kubernetes.provider.userPrefix == "oidc:" && kubernetes.provider.groupMapping == ["oncall@example.com": "oncall"])
        #expect(kubernetes.provider.maximumDurationSeconds == 4 * 3600 && kubernetes.provider.instance == "prod-jitsudo")
        let slack = configuration.notifications.slack
        #expect(slack.webhookURL == "https://hooks.slack.example/T000" && slack.signingSecret == "signing" && slack.botToken == "xoxb-1")
        #expect(slack.apiURL == "http://127.0.0.1:9999/api" && slack.userMap == ["U1": "alice@example.com"])
        let notifications = configuration.notifications
        #expect(notifications.webhook.url == "https://hooks.example.com/jitsudo" && notifications.webhook.secret.count == 32)
        let smtp = notifications.smtp
        #expect(smtp.host == "smtp.example.com" && smtp.port == 2525 && smtp.security == "tls")
        #expect(smtp.username == "mailer" && smtp.password == "hunter2" && smtp.from == "jitsudo@example.com")
        #expect(smtp.to == ["ops@example.com", "sec@example.com"])
        #expect(notifications.siem.file == "/var/log/jitsudo.jsonl")
        #expect(notifications.syslog.address == "syslog.example.com:514" && notifications.syslog.protocol == "tcp")
        #expect(configuration.limits.requestsPerMinutePerIdentity == 11 && configuration.limits.maxHeaderCount == 64)
    }

    @Test func environmentVariablesOverrideTheFileUnderTheirFlatNames() throws {
        let environment = [
            "JITSUDOD_HTTP_ADDR": ":8081",
            "JITSUDOD_LEADER_DATABASE_URL": "postgres://app@other/jitsudo",
            "JITSUDOD_OIDC_CLIENT_ID": "from-env",
            "JITSUDOD_TLS_RELOAD_INTERVAL_SECONDS": "5",
            "JITSUDOD_SWEEP_INTERVAL": "3s",
            "JITSUDOD_PROVIDERS_KUBERNETES_NAMESPACES": "team-b,team-c",
            "JITSUDOD_PROVIDERS_KUBERNETES_MAX_DURATION": "1h",
            "JITSUDOD_NOTIFICATIONS_SMTP_PORT": "465",
            "JITSUDOD_NOTIFICATIONS_SLACK_USER_MAP": "U2=bob@example.com",
            "JITSUDOD_MCP_IDENTITY": "env-bot",
        ]
        let configuration = try ServerConfiguration.load(yaml: Self.file, environment: environment)
        #expect(configuration.http.host == "0.0.0.0" && configuration.http.port == 8081)
        #expect(configuration.leader.databaseURL == "postgres://app@other/jitsudo")
        #expect(configuration.oidc.clientID == "from-env" && configuration.tls.reloadIntervalSeconds == 5)
        #expect(configuration.sweeper.intervalSeconds == 3)
        #expect(configuration.providers.kubernetes.provider.namespaces == ["team-b", "team-c"])
        #expect(configuration.providers.kubernetes.provider.maximumDurationSeconds == 3600)
        #expect(configuration.notifications.smtp.port == 465)
        #expect(configuration.notifications.slack.userMap == ["U2": "bob@example.com"])
        #expect(configuration.mcp.identity == "env-bot")
    }

    @Test func withoutAFileTheEnvironmentAloneConfiguresAndDatabaseURLIsTheFallback() throws {
        let configuration = try ServerConfiguration.load(
            yaml: "", environment: ["DATABASE_URL": "postgres://fallback/jitsudo", "JITSUDOD_OIDC_ISSUER": "https://idp.example.com"])
        #expect(configuration.database.url == "postgres://fallback/jitsudo" && configuration.oidc.issuer == "https://idp.example.com")
        #expect(configuration.http.port == 8080 && configuration.oidc.clientID == "jitsudo-cli" && configuration.admin.groups == ["jitsudo-admins"])
        // Twenty connections without keep-alive pings unless configured (docs/decisions.md, "Database connections").
        #expect(configuration.database.maxConnections == 20 && configuration.database.keepAliveSeconds == 0)
        #expect(configuration.policies.trustTierCacheSeconds == 5)
    }

    @Test(arguments: [
        ("database_url: x\noidc:\n  issuer: y\nunknown_key: 1\n", "configuration: unknown_key is not a setting jitsudod knows"),
        ("oidc:\n  issuer: y\n", "configuration: database_url is required"),
        ("database_url: x\n", "configuration: oidc.issuer is required"),
        ("database_url: x\noidc:\n  issuer: y\ntls:\n  cert_file: /a\n", "configuration: tls.key_file tls.cert_file and tls.key_file go together"),
        (
            "database_url: x\noidc:\n  issuer: y\ntls:\n  cert_file: /a\n  key_file: /b\n  require_client_cert: true\n",
            "configuration: tls.client_ca_file is required when tls.require_client_cert is true"
        ),
        (
            "database_url: x\noidc:\n  issuer: y\nproviders:\n  kubernetes:\n    enabled: true\n",
            "configuration: providers.kubernetes.allowed_roles is required"
        ),
        (
            "database_url: x\noidc:\n  issuer: y\nproviders:\n  kubernetes:\n    enabled: true\n    allowed_roles: [view]\n    instance: a/b\n",
            "configuration: providers.kubernetes.instance must be a label value"
        ),
        (
            "database_url: x\noidc:\n  issuer: y\nnotifications:\n  slack:\n    signing_secret: s\n",
            "configuration: notifications.slack.bot_token is required with notifications.slack.signing_secret"
        ),
        (
            "database_url: x\noidc:\n  issuer: y\nnotifications:\n  webhook:\n    url: https://h\n    secret: short\n",
            "configuration: notifications.webhook.secret must be at least 32 characters"
        ),
        (
            "database_url: x\noidc:\n  issuer: y\nnotifications:\n  smtp:\n    port: 0\n",
            "configuration: notifications.smtp.port must be a whole number"
        ),
        ("database_url: x\noidc:\n  issuer: y\nhttp_addr: nowhere\n", "configuration: http_addr must look like :8080"),
        ("database_url: x\noidc:\n  issuer: y\nshutdown_delay_seconds: 301\n", "configuration: shutdown_delay_seconds must be"),
        (
            "database_url: x\noidc:\n  issuer: y\ndatabase_max_connections: 4\ndatabase_min_connections: 2\n",
            "configuration: database_min_connections was removed: every one of database_max_connections is opened at start and kept open; remove the key"
        ),
        ("database_url: x\noidc:\n  issuer: y\ndatabase_keepalive_seconds: -1\n", "configuration: database_keepalive_seconds must be"),
        (
            "database_url: x\noidc:\n  issuer: y\ntrust_tier_cache_seconds: 301\n",
            "configuration: trust_tier_cache_seconds must be a whole number from 0 to 300"
        ),
        // Found by the libFuzzer target `config` (Tests/Fuzz/Regressions/config).
        ("\"\": x\ndatabase_url: x\n", "configuration: config has an empty key"),
        ("oidc:\n  \"\": x\n", "configuration: oidc has an empty key"),
        (
            "database_url: x\nk: " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65) + "\n",
            "configuration: config the file is not valid YAML: YAML nested more than 64"
        ),
        ("? {a: b}\n: c\n", "configuration: config the file is not valid YAML: a mapping key is a mapping or a list"),
    ])
    func refusesABadConfigurationNamingTheKey(yaml: String, message: String) {
        let error = #expect(throws: ConfigurationError.self) { try ServerConfiguration.load(yaml: yaml, environment: [:]) }
        #expect(error.map { "\($0)".hasPrefix(message) } == true, "\(error.map { "\($0)" } ?? "no error")")
    }
}
