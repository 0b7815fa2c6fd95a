import AsyncHTTPClient
public import Foundation
public import Hummingbird
import JitsudoAPI
public import HummingbirdCore
public import JitsudoCore
import JitsudoNotify
public import JitsudoTLS
import JitsudoPolicy
import JitsudoProviders
import JitsudoKubernetesProvider
import JitsudoAWSProvider
import JitsudoAzureProvider
import JitsudoGCPProvider
import KubernetesClient
import Metrics
public import JitsudoStore
public import Logging
public import ServiceLifecycle
public import NIOCore
public import UnixSignals

/// Assembles `jitsudod` from its configuration: the database, the policy engine, the workflow, the
/// providers, the background services and the HTTP application.
public struct Daemon: Sendable {
    public let configuration: ServerConfiguration
    public let databaseURL: DatabaseURL
    public let connections: DatabaseConnections
    public let database: Database
    public let policyService: PolicyService
    /// The replica's one LISTEN connection, for every notification channel it follows.
    let changes: ChangeFeed
    public let requestService: RequestService
    let logger: Logger
    let elector: LeaderElector
    let reporter: ReplicaReporter
    let notificationService: NotificationService?
    /// The served certificate, re-read when its files change; nil for plain HTTP.
    public let tls: ReloadingTLSContext?
    /// Open once the connection pool runs: the migrations wait for it.
    let poolRunning = StartupGate()
    /// Open once the migrations ran and the policies loaded: every background service waits for it.
    let prepared = StartupGate()
    /// Draining on SIGTERM: `/readyz` turns 503 while the server still answers for `shutdown_delay_seconds`.
    public let drain: ShutdownDrain
    /// The policy evaluations and compilations in flight, bounded by `limits.max_concurrent_evaluations`.
    public let evaluations: EvaluationGate

    /// A startup failure with the runbook's wording (`database connection refused: …`, `TLS: failed to load certificate: …`).
    public struct StartupError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Checks the database is reachable and builds every component; nothing runs yet.
    ///
    /// Time: `clock` paces the background services (leader election, sweeps, policy re-syncs, replica reports) and
    /// `now` is the wall clock every decision about time reads (expiry, pending TTL, policies' `time.now_ns`). Tests
    /// pass a manual clock and its reading to move time themselves.
    ///
    /// - Throws: ``StartupError`` naming what to fix.
    public init(
        configuration: ServerConfiguration, logger: Logger, clock: AnyClock = .continuous, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        self.configuration = configuration
        self.logger = logger
        drain = ShutdownDrain(delay: .seconds(configuration.http.shutdownDelaySeconds), clock: clock, logger: logger)
        evaluations = EvaluationGate(limit: configuration.limits.maxConcurrentEvaluations)
        do {
            databaseURL = try DatabaseURL(configuration.database.url)
        } catch {
            throw StartupError("configuration: database_url \(error.message)")
        }
        do {
            try await databaseURL.checkReachable(logger: logger)
        } catch let error as StoreError {
            throw StartupError("database connection refused: \(error.message)")
        }
        connections = configuration.database.connections(for: databaseURL, logger: logger)
        database = Database(connections: connections, logger: logger)
        let vault: CredentialVault
        do {
            if configuration.credentialsKey.isEmpty {
                guard configuration.developmentMode else {
                    throw StartupError("configuration: credentials_key is required (base64 of 32 random bytes: head -c 32 /dev/urandom | base64)")
                }
                vault = try CredentialVault(base64Key: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
            } else {
                vault = try CredentialVault(base64Key: configuration.credentialsKey)
            }
        } catch let error as CoreError {
            throw StartupError("configuration: credentials_key \(error.message)")
        }
        tls = try Self.tlsContext(configuration.tls, logger: logger)
        let notifiers = try NotificationWiring.notifiers(configuration.notifications)
        var providers: [String: any CredentialProvider] = [:]
        let mock = configuration.providers.mock
        if mock.enabled {
            providers["mock"] = MockProvider(database: database, maximumDurationSeconds: mock.maxDurationSeconds)
        }
        var drift: [DriftReconciler] = []
        let kubernetes = configuration.providers.kubernetes
        if kubernetes.enabled {
            let provider = try Self.kubernetesProvider(kubernetes, logger: logger)
            providers["kubernetes"] = provider
            drift.append(
                DriftReconciler(
                    provider: provider, requests: RequestRepository(database: database), audit: AuditLog(database: database),
                    interval: .seconds(max(kubernetes.reconcileIntervalSeconds, 1)), logger: logger))
        }
        // The cloud providers: each owns its settings (ProviderSettings) and corrects its drift on the leader.
        let (store, log) = (database, logger)
        func register(_ provider: some DriftCorrecting, reconcileEvery interval: Duration) {
            providers[provider.name] = provider
            drift.append(
                DriftReconciler(
                    provider: provider, requests: RequestRepository(database: store), audit: AuditLog(database: store),
                    interval: max(interval, .seconds(1)), logger: log))
        }
        let environment = ProcessInfo.processInfo.environment
        do {
            if let settings = configuration.providers.cloud["aws"], settings.isEnabled {
                let provider = try AWSProvider.make(settings: settings, environment: environment, logger: logger)
                register(provider, reconcileEvery: .seconds(provider.configuration.reconcileIntervalSeconds))
            }
            if let settings = configuration.providers.cloud["azure"], settings.isEnabled {
                let provider = try AzureProvider.make(settings: settings, logger: logger)
                register(provider, reconcileEvery: .seconds(provider.configuration.reconcileIntervalSeconds))
            }
            if let settings = configuration.providers.cloud["gcp"], settings.isEnabled {
                let provider = try GCPProvider(settings: settings, environment: environment, logger: logger)
                register(provider, reconcileEvery: provider.configuration.reconcileInterval)
            }
        } catch {
            throw StartupError("\(error)")
        }
        let engine = PolicyEngine()
        changes = ChangeFeed(url: databaseURL, channels: ChangeFeed.replicaChannels, connectionID: 1, logger: logger)
        policyService = PolicyService(
            repository: PolicyRepository(database: database), engine: engine, changes: changes,
            syncInterval: .seconds(configuration.policies.syncIntervalSeconds), clock: clock, logger: logger)
        let leaderURL: DatabaseURL
        do {
            leaderURL = configuration.leader.databaseURL.isEmpty ? databaseURL : try DatabaseURL(configuration.leader.databaseURL)
        } catch {
            throw StartupError("configuration: leader_database_url \(error.message)")
        }
        requestService = RequestService(
            requests: RequestRepository(database: database), principals: PrincipalRepository(database: database),
            audit: AuditLog(database: database), revocations: RevocationQueue(database: database), policies: engine,
            providers: providers, vault: vault,
            notify: NotificationWiring.writes(channels: notifiers.map(\.channel), publicURL: configuration.http.publicURL), logger: logger,
            now: { AuditTimestamp.at(now()) },
            trustTiers: TrustTierCache(lifetime: .seconds(configuration.policies.trustTierCacheSeconds))
        )
        if notifiers.isEmpty {
            notificationService = nil
        } else {
            do {
                let dispatcher = try NotificationDispatcher(
                    queue: OutboxQueueAdapter(outbox: NotificationOutbox(database: database)),
                    notifiers: notifiers, logger: logger)
                notificationService = NotificationService(dispatcher: dispatcher)
            } catch {
                throw StartupError("configuration: notifications \(error.message)")
            }
        }
        let service = requestService
        let sweeper = GrantSweeper(
            service: service, revocations: service.revocations, changes: changes,
            safetyInterval: .seconds(max(configuration.sweeper.intervalSeconds, 1)),
            pendingTTLSeconds: configuration.sweeper.pendingTTLSeconds, clock: clock, logger: logger)
        let driftReconcilers = drift
        let sequencing = AuditSequencing(
            sequencer: AuditSequencer(database: database), changes: changes, idlePause: .milliseconds(100), logger: logger)
        let chainMonitor = AuditChainMonitor(
            audit: service.audit, interval: .seconds(max(configuration.audit.verifyIntervalSeconds, 1)), logger: logger)
        let replica =
            configuration.leader.replicaID.isEmpty
            ? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)" : configuration.leader.replicaID
        elector = LeaderElector(
            url: leaderURL, leadership: Leadership(database: database), replicaID: replica, clock: clock, logger: logger,
            leaderWork: { epoch in
                // Leader-only work ends together when leadership is lost.
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await sweeper.lead(epoch: epoch) }
                    group.addTask { await sequencing.lead(epoch: epoch) }
                    group.addTask { await chainMonitor.run() }
                    for reconciler in driftReconcilers { group.addTask { await reconciler.run() } }
                    await group.next()
                    group.cancelAll()
                }
            })
        let http = configuration.http
        let host = ["", "0.0.0.0", "::"].contains(http.host) ? ProcessInfo.processInfo.hostName : http.host
        reporter = ReplicaReporter(
            registry: ReplicaRegistry(database: database), elector: elector, address: "\(host):\(http.port)",
            interval: .seconds(1), clock: clock, logger: logger)
    }

    /// The served certificate from its settings; nil (plain HTTP) when no certificate file is set.
    static func tlsContext(_ settings: ServerConfiguration.TLS, logger: Logger) throws -> ReloadingTLSContext? {
        guard !settings.certFile.isEmpty else { return nil }
        do {
            return try ReloadingTLSContext(
                configuration: .init(
                    certificatePath: settings.certFile, keyPath: settings.keyFile,
                    clientCAPath: settings.clientCAFile.isEmpty ? nil : settings.clientCAFile,
                    requireClientCertificate: settings.requireClientCert,
                    pollInterval: .seconds(settings.reloadIntervalSeconds)),
                logger: logger
            )
        } catch let error as TLSLoadError {
            throw StartupError(error.description)
        }
    }

    /// The `kubernetes` provider from its settings: the kubeconfig when one is named, else the pod's service account.
    static func kubernetesProvider(_ settings: ServerConfiguration.Providers.Kubernetes, logger: Logger) throws -> KubernetesProvider {
        let clientConfiguration: KubernetesConfiguration
        do {
            if settings.kubeconfig.isEmpty {
                clientConfiguration = try KubernetesConfiguration.inCluster(environment: ProcessInfo.processInfo.environment)
            } else {
                clientConfiguration = try KubernetesConfiguration.fromKubeconfig(
                    at: settings.kubeconfig, context: settings.context.isEmpty ? nil : settings.context)
            }
        } catch let error as KubernetesError {
            throw StartupError("configuration: providers.kubernetes \(error.message)")
        }
        do {
            return KubernetesProvider(
                client: try KubernetesClient(configuration: clientConfiguration, logger: logger), configuration: settings.provider)
        } catch let error as KubernetesError {
            throw StartupError("configuration: providers.kubernetes \(error.message)")
        }
    }

    /// Runs before the server accepts traffic: migrations, development seeds, the first policy load.
    public func prepare() async throws {
        await poolRunning.wait()
        try await Migrator.migrate(database, logger: logger)
        if !configuration.policies.seeds.isEmpty {
            try await PolicyRepository(database: database).seedIfMissing(configuration.policies.seeds)
        }
        do {
            try await policyService.reload()
        } catch {
            logger.error(
                "policies failed to load at start; every request is denied until they compile", metadata: ["error": "\(Database.describe(error))"])
        }
        prepared.open()
    }

    /// Every (method, path) the server answers, in OpenAPI path form (for the document-agreement test).
    public func servedOperations() -> [(method: String, path: String)] {
        JitsudoApplication.router(routeDependencies(), authenticator: RefuseAll(), metricsText: { "" }, extend: nil).1
    }

    func routeDependencies() -> RouteDependencies {
        RouteDependencies(
            requests: requestService, policies: policyService, policyRepository: policyService.repository, audit: requestService.audit,
            principals: requestService.principals, health: HealthChecks(database: database, policies: policyService, elector: elector, drain: drain),
            evaluations: evaluations,
            mcp: configuration.mcp.token.isEmpty
                ? nil
                : MCPApprover(requests: requestService, token: configuration.mcp.token, identity: configuration.mcp.identity),
            slack: SlackWiring.approvals(
                configuration.notifications.slack, admin: configuration.admin, publicURL: configuration.http.publicURL,
                requests: requestService, logger: logger),
            console: consoleSettings()
        )
    }

    /// The web console's settings: the same issuer and client id as the API's tokens.
    func consoleSettings() -> ConsoleSettings? {
        let oidc = configuration.oidc
        guard !oidc.issuer.isEmpty else { return nil }
        let client: HTTPClient
        do {
            client = oidc.caFile.isEmpty ? .shared : try Authentication.client(trusting: oidc.caFile)
        } catch {
            logger.error("web console disabled: \(error)")
            return nil
        }
        return ConsoleSettings(
            oidc: ConsoleOIDCClient(
                issuer: oidc.issuer, discoveryURL: oidc.discoveryURL, clientID: oidc.clientID, clientSecret: oidc.clientSecret,
                client: client),
            sessions: ConsoleSessionStore(database: database), publicURL: configuration.http.publicURL, scheme: tls == nil ? "http" : "https")
    }

    /// The services that run beside the HTTP server, each ending within about 1.5 s of a graceful shutdown whatever
    /// the database does (see ``BoundedShutdown``). Order matters: the group stops them in reverse.
    var backgroundServices: [any Service] {
        var services: [(String, any Service)] = [
            ("postgres", DatabaseConnectionsService(connections: connections, running: poolRunning)),
            ("changes", GatedService(after: prepared, ChangeFeedService(feed: changes))),
            ("policies", GatedService(after: prepared, policyService)),
            ("trust tiers", GatedService(after: prepared, TrustTierCacheService(changes: changes, cache: requestService.trustTiers))),
            ("leader", GatedService(after: prepared, elector)),
            ("replica", GatedService(after: prepared, reporter)),
        ]
        if let notificationService { services.append(("notifications", GatedService(after: prepared, notificationService))) }
        if let tls { services.append(("tls", TLSReloadService(context: tls))) }
        return services.map { BoundedShutdown($0.1, name: $0.0, logger: logger) }
    }

    /// The HTTP application with every background service attached.
    public func application(
        authenticator: any CallerAuthenticator,
        server: HTTPServerBuilder? = nil,
        host: String? = nil,
        port: Int? = nil,
        metricsText: @escaping @Sendable () -> String = { "" },
        extraRoutes: JitsudoApplication.RouteExtension? = nil,
        extraServices: [any Service] = [],
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let deps = routeDependencies()
        let (router, _) = JitsudoApplication.router(
            deps, authenticator: authenticator, metricsText: metricsText, extend: extraRoutes,
            limits: configuration.limits, tls: tls != nil)
        var app = Application(
            router: router, server: server ?? .hardened(configuration.limits, tls: tls),
            configuration: .init(address: .hostname(host ?? configuration.http.host, port: port ?? configuration.http.port), serverName: "jitsudod"),
            services: backgroundServices + extraServices,
            onServerRunning: onServerRunning, logger: logger
        )
        app.beforeServerStarts { try await prepare() }
        return app
    }

    /// The group that runs `application` until one of `signals` (none: until ``ServiceGroup/triggerGracefulShutdown()``):
    /// the shutdown first drains (``ShutdownDrain``), then stops the HTTP server and every service.
    public func serviceGroup(running application: some ApplicationProtocol, signals: [UnixSignal] = []) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: [.init(service: application), .init(service: drain)], gracefulShutdownSignals: signals, logger: logger))
    }
}

/// Polls the certificate files and swaps in a new valid pair (a bad pair is refused; the old one keeps serving), and
/// exports the served certificate's expiry as `jitsudo_tls_certificate_not_after_seconds` (the alert
/// `JitsudoCertificateExpiresSoon`, ops/alerts/jitsudo-rules.yaml, fires 30 days before).
struct TLSReloadService: Service {
    let context: ReloadingTLSContext
    func run() async throws {
        exportExpiry()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: context.configuration.pollInterval)
                } catch {
                    return
                }
                context.reloadIfChanged()
                exportExpiry()
            }
        }
    }

    private func exportExpiry() {
        Gauge(label: "jitsudo_tls_certificate_not_after_seconds").record(context.currentNotAfter.timeIntervalSince1970)
    }
}
