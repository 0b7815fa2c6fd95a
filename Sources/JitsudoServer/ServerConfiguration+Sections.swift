public import JitsudoCore
public import JitsudoKubernetesProvider
public import JitsudoProviders

// The sections of ``ServerConfiguration``: each subsystem owns one and is handed only that one. The file keys
// and `JITSUDOD_*` variables that set each field are listed in ``ServerConfiguration/keys``.

extension ServerConfiguration {
    /// The listener (`http_addr`, `shutdown_delay_seconds`) and the URL people reach it at (`public_url`).
    public struct HTTP: Sendable {
        public var host = "0.0.0.0"
        public var port = 8080
        /// The URL people reach this server at (`https://jitsudo.example.com`): notifications and Slack messages link
        /// to the request's console page under it, and the console's login callback is under it.
        public var publicURL = ""
        /// Seconds between SIGTERM and the server closing its listener (`shutdown_delay_seconds`): `/readyz` answers 503
        /// meanwhile, so load balancers stop sending connections first. 0 stops at once; the chart sets 5.
        public var shutdownDelaySeconds = 0
        public init() {}
    }

    /// The application database (`database_url`, `database_max_connections`, `database_keepalive_seconds`).
    public struct Database: Sendable {
        public var url = ""
        /// Connections per replica, all opened at start and kept (the leader lock and LISTEN connections come on top).
        public var maxConnections = 20
        /// Seconds between `SELECT 1` pings on an idle pooled connection; 0 sends none. Each release of a connection
        /// arms (and its next lease cancels) that timer.
        public var keepAliveSeconds = 0
        public init() {}
    }

    /// Leader election and the replica registry (`replica_id`, `leader_database_url`).
    public struct Leader: Sendable {
        /// This replica's name; empty means `<hostname>-<pid>`.
        public var replicaID = ""
        /// A direct (session-pooled) connection for the leader lock when `database_url` goes through a transaction
        /// pooler; empty uses `database_url`.
        public var databaseURL = ""
        public init() {}
    }

    /// The identity provider the API's tokens and the web console's logins come from (`oidc.*`).
    public struct OIDC: Sendable {
        public var issuer = ""
        public var discoveryURL = ""
        public var clientID = "jitsudo-cli"
        /// The client secret the web console sends to the token endpoint (`client_secret_post`) when the identity
        /// provider treats the client as confidential; empty for a public client (PKCE alone).
        public var clientSecret = ""
        public var groupsClaim = "groups"
        public var leewaySeconds = 60
        /// PEM file of a CA to trust (besides the system roots) when fetching the issuer's discovery document and keys.
        public var caFile = ""
        public init() {}
    }

    /// Who is an administrator (`admin.groups`, `admin.emails`).
    public struct Admin: Sendable {
        public var groups: [String] = ["jitsudo-admins"]
        public var emails: [String] = []
        public init() {}
    }

    /// The served certificate (`tls.*`); no certificate file means plain HTTP.
    public struct TLS: Sendable {
        public var certFile = ""
        public var keyFile = ""
        public var clientCAFile = ""
        public var requireClientCert = false
        public var reloadIntervalSeconds = 1

        public init() {}

        func validate() throws(ConfigurationError) {
            if certFile.isEmpty != keyFile.isEmpty {
                throw ConfigurationError(key: certFile.isEmpty ? "tls.cert_file" : "tls.key_file", "tls.cert_file and tls.key_file go together")
            }
            if requireClientCert, clientCAFile.isEmpty {
                throw ConfigurationError(key: "tls.client_ca_file", "is required when tls.require_client_cert is true")
            }
        }
    }

    /// The grant sweeper (`sweep_interval`, `pending_ttl`).
    public struct Sweeper: Sendable {
        /// How often the leader looks for due grants besides the wake-ups the database sends.
        public var intervalSeconds: Int64 = 1
        /// How long a request may stay pending before it expires.
        public var pendingTTLSeconds: Int64 = 24 * 3600
        public init() {}
    }

    /// The policy service (`policy_sync_interval`), the policies seeded at startup, and how long a trust tier read
    /// for a policy input may be reused (`trust_tier_cache_seconds`, ``TrustTierCache``; 0 = read on every request).
    public struct Policies: Sendable {
        public var syncIntervalSeconds: Int64 = 30
        public var trustTierCacheSeconds: Int = 5
        /// Policies stored at startup when none of that name exists (the permissive ones of `jitsudod dev`, from the
        /// JitsudoDevelopment target). Set by code only, never by the file or the environment.
        public var seeds: [Policy] = []
        public init() {}
    }

    /// The audit chain monitor (`audit_verify_interval`).
    public struct Audit: Sendable {
        /// How often the leader verifies the whole audit hash chain and exports the result (`jitsudo_audit_chain_intact`).
        public var verifyIntervalSeconds: Int64 = 900
        public init() {}
    }

    /// The credential providers (`providers.*`): each one's own settings.
    public struct Providers: Sendable {
        public var mock = Mock()
        public var kubernetes = Kubernetes()
        /// The settings of the cloud providers of ``ProviderCatalog``, by provider name (only those with a key set);
        /// each provider reads its own `Configuration` from them.
        public var cloud: [String: ProviderSettings] = [:]
        public init() {}

        /// The `mock` provider (`providers.mock.*`), for tests and the chaos test.
        public struct Mock: Sendable {
            public var enabled = false
            public var maxDurationSeconds: Int64 = 12 * 3600
            public init() {}
        }

        /// The `kubernetes` provider (`providers.kubernetes.*`): how to reach the cluster, how often to correct drift,
        /// and the provider's own ``KubernetesProvider/Configuration``.
        public struct Kubernetes: Sendable {
            public var enabled = false
            /// A kubeconfig path, or empty for the pod's service account (in-cluster).
            public var kubeconfig = ""
            public var context = ""
            public var reconcileIntervalSeconds: Int64 = 60
            /// Roles, namespaces, cluster scope, user prefix, group mapping, longest grant and instance label.
            public var provider = KubernetesProvider.Configuration(allowedRoles: [])
            public init() {}

            func validate() throws(ConfigurationError) {
                guard enabled else { return }
                let instance = provider.instance
                if instance.isEmpty || instance.count > 63
                    || !instance.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" || $0 == "." })
                {
                    throw ConfigurationError(key: "providers.kubernetes.instance", "must be a label value: 1-63 letters, digits, '-', '_' or '.'")
                }
                if provider.allowedRoles.isEmpty {
                    throw ConfigurationError(
                        key: "providers.kubernetes.allowed_roles", "is required when the kubernetes provider is enabled (e.g. view,edit)")
                }
            }
        }
    }

    /// The notification channels (`notifications.*`).
    public struct Notifications: Sendable {
        public var slack = Slack()
        public var webhook = Webhook()
        public var smtp = SMTP()
        public var siem = SIEM()
        public var syslog = Syslog()
        public init() {}

        func validate() throws(ConfigurationError) {
            if !slack.signingSecret.isEmpty, slack.botToken.isEmpty {
                throw ConfigurationError(
                    key: "notifications.slack.bot_token", "is required with notifications.slack.signing_secret (to look up users and update messages)"
                )
            }
            if !webhook.url.isEmpty, webhook.secret.count < 32 {
                throw ConfigurationError(key: "notifications.webhook.secret", "must be at least 32 characters to sign webhook bodies")
            }
        }

        /// Slack notifications (`webhook_url`) and interactive approvals (the rest).
        public struct Slack: Sendable {
            public var webhookURL = ""
            /// The app's signing secret: enables `POST /slack/interactions` and the buttons.
            public var signingSecret = ""
            /// The bot token (`xoxb-…`) for `users.info`, `chat.update` and `chat.postEphemeral`.
            public var botToken = ""
            /// The Slack Web API base URL.
            public var apiURL = "https://slack.com/api"
            /// Slack user id → identity, consulted before `users.info`.
            public var userMap: [String: String] = [:]
            public init() {}
        }

        /// Signed JSON POSTs (`notifications.webhook.*`).
        public struct Webhook: Sendable {
            public var url = ""
            public var secret = ""
            public init() {}
        }

        /// E-mail (`notifications.smtp.*`).
        public struct SMTP: Sendable {
            public var host = ""
            public var port = 587
            /// `starttls` (default), `tls` or `none`.
            public var security = "starttls"
            public var username = ""
            public var password = ""
            public var from = ""
            public var to: [String] = []
            public init() {}
        }

        /// JSON lines to a file or `-` for standard output (`notifications.siem.file`).
        public struct SIEM: Sendable {
            public var file = ""
            public init() {}
        }

        /// Syslog (`notifications.syslog.*`).
        public struct Syslog: Sendable {
            /// `host:port`; empty disables the channel.
            public var address = ""
            /// `udp` or `tcp`.
            public var `protocol` = "udp"
            public init() {}
        }
    }

    /// The automated approver's `POST /mcp` (`mcp.*`).
    public struct MCP: Sendable {
        /// Static bearer token; empty disables the endpoint (404).
        public var token = ""
        /// The identity MCP decisions are recorded with.
        public var identity = "mcp-agent"
        public init() {}
    }
}
