public import Foundation
public import JitsudoCore
public import KubernetesClient
public import Logging
import OperatorCore
import Synchronization

/// What one operator replica is told.
public struct OperatorOptions: Sendable {
    /// The namespace it manages (one release per namespace).
    public var namespace: String
    /// This replica's identity in the Lease (the pod name).
    public var identity: String
    /// The Lease name (`jitsudo-operator`).
    public var leaseName = "jitsudo-operator"
    public var leaseDuration: Duration = .seconds(15)
    public var renewDeadline: Duration = .seconds(10)
    public var retryPeriod: Duration = .seconds(2)
    /// Reconcile everything at least this often, even without a watch event.
    public var resync: Duration = .seconds(30)
    /// Ask jitsudod pods which certificate they serve (TLS hot-reload detection).
    public var probeServedCertificates = true
    /// Read the port to ask a pod on from this pod annotation instead of its container port (test beds whose pods
    /// share one address, like the fakelet's `fakelet.jitsudo.dev/port`).
    public var podPortAnnotation: String?

    public init(namespace: String, identity: String) {
        self.namespace = namespace
        self.identity = identity
    }
}

/// One operator replica: campaigns for the Lease and, while it leads, runs the level-triggered loop over every
/// JitsudoCluster and JitsudoRestore of its namespace, woken by watches on them, the jitsudod Deployment, its pods,
/// Secrets, ConfigMaps and the restore Jobs, and by each reconciler's requeue time.
///
/// Time: `clock` paces the campaign, the lease and the requeues; `now` is the wall clock the reconcilers decide with
/// and stamp Events and conditions with.
public final class OperatorController: Sendable {
    public let client: KubernetesClient
    public let options: OperatorOptions
    public let metrics: OperatorMetrics
    let logger: Logger
    let clock: AnyClock
    let now: @Sendable () -> Date
    private let readyState = Mutex(false)
    private let pdbType = Mutex<ResourceType?>(nil)

    public init(
        client: KubernetesClient, options: OperatorOptions, metrics: OperatorMetrics = OperatorMetrics(), logger: Logger,
        clock: AnyClock = .continuous, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.options = options
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        self.now = now
        metrics.set("jitsudo_operator_leader", 0)
    }

    /// True once the API server answered with the jitsudo.dev kinds (leader or standby).
    public var isReady: Bool { readyState.withLock { $0 } }

    /// Runs until cancelled: waits for the API server and the CRDs, then campaigns; leads while elected.
    public func run() async throws {
        while !Task.isCancelled {
            do {
                _ = try await client.list(GenericResource.self, namespace: options.namespace, options: ListOptions(limit: 1), in: .jitsudoClusters)
                readyState.withLock { $0 = true }
                break
            } catch is CancellationError {
                return
            } catch {
                logger.warning("waiting for the API server and the jitsudo.dev CRDs", metadata: ["error": "\(error)"])
                try? await clock.sleep(for: .seconds(2))
            }
        }
        var configuration = LeaderElection.Configuration(namespace: options.namespace, name: options.leaseName, identity: options.identity)
        configuration.leaseDuration = options.leaseDuration
        configuration.renewDeadline = options.renewDeadline
        configuration.retryPeriod = options.retryPeriod
        let election = LeaderElection(client: client, configuration: configuration, clock: clock, now: now)
        logger.info("campaigning for the lease", metadata: ["lease": "\(options.namespace)/\(options.leaseName)", "identity": "\(options.identity)"])
        try await election.run { [self] in
            logger.info("leading", metadata: ["identity": "\(options.identity)"])
            metrics.set("jitsudo_operator_leader", 1)
            defer {
                metrics.set("jitsudo_operator_leader", 0)
                logger.info("stopped leading", metadata: ["identity": "\(options.identity)"])
            }
            try await lead()
        }
    }

    /// The work of the leader: watches and the reconcile loop, until cancelled.
    public func lead() async throws {
        let wakeup = WakeSignal()
        let namespace = options.namespace
        let watched: [(ResourceType, String?)] = [
            (.jitsudoClusters, nil), (.jitsudoRestores, nil), (.deployments, nil), (.secrets, nil), (.configMaps, nil),
            (.pods, "app=jitsudod"), (.jobs, "app.kubernetes.io/managed-by=jitsudo-operator"),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (resource, selector) in watched {
                group.addTask { [client, logger] in
                    let watcher = ResourceWatcher<GenericResource>(
                        client: client, resource: resource, namespace: namespace, labelSelector: selector, watchTimeoutSeconds: 120)
                    do {
                        try await watcher.run { _ in wakeup.signal() }
                    } catch is CancellationError {
                    } catch {
                        // Periodic resync keeps the operator working without this watch.
                        logger.error("watch stopped", metadata: ["resource": "\(resource.plural)", "error": "\(error)"])
                    }
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    let requeue = await reconcileAll()
                    let wait = requeue.map { Duration.milliseconds(Int64(max($0, 0.05) * 1000)) } ?? options.resync
                    await wakeup.wait(until: clock.now + min(wait, options.resync), on: clock)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// One pass over everything; the earliest requeue asked for.
    func reconcileAll() async -> TimeInterval? {
        let namespace = options.namespace
        let recorder = Recorder(client: client, identity: options.identity, logger: logger, metrics: metrics, now: now)
        var requeue: TimeInterval?
        func earliest(_ value: TimeInterval?) {
            if let value { requeue = min(requeue ?? value, value) }
        }
        let clusters: [GenericResource]
        let restores: [GenericResource]
        do {
            clusters = try await client.list(GenericResource.self, namespace: namespace, in: .jitsudoClusters).items
            restores = try await client.list(GenericResource.self, namespace: namespace, in: .jitsudoRestores).items
                .sorted {
                    ($0.metadata.creationTimestamp ?? .distantPast, $0.metadata.name ?? "") < (
                        $1.metadata.creationTimestamp ?? .distantPast, $1.metadata.name ?? ""
                    )
                }
        } catch {
            if Task.isCancelled { return nil }
            logger.warning("cannot list the jitsudo.dev objects", metadata: ["error": "\(error)"])
            return 2
        }
        metrics.set("jitsudo_operator_restores_in_flight", Double(restores.filter { RestoreExecutor.phase(of: $0).isInFlight }.count))
        let restoreExecutor = RestoreExecutor(client: client, namespace: namespace, recorder: recorder, logger: logger, now: now)
        for restore in restores {
            do {
                earliest(try await restoreExecutor.reconcile(restore, all: restores, clusters: clusters))
                metrics.count("jitsudo_operator_reconciles_total", labels: ["kind": "JitsudoRestore", "outcome": "ok"])
            } catch {
                earliest(failure(error, kind: "JitsudoRestore", name: restore.metadata.name))
            }
        }
        // Restores first, then the clusters see the phases just written.
        let freshRestores = (try? await client.list(GenericResource.self, namespace: namespace, in: .jitsudoRestores).items) ?? restores
        let clusterExecutor = ClusterExecutor(
            client: client, namespace: namespace, recorder: recorder, logger: logger, podDisruptionBudgets: await podDisruptionBudgetType(),
            probe: options.probeServedCertificates ? ServedCertificateProbe(portAnnotation: options.podPortAnnotation, logger: logger) : nil,
            now: now)
        for cluster in clusters {
            do {
                earliest(try await clusterExecutor.reconcile(cluster, restores: freshRestores))
                metrics.count("jitsudo_operator_reconciles_total", labels: ["kind": "JitsudoCluster", "outcome": "ok"])
                exportCertificateExpiry(of: cluster)
            } catch {
                earliest(failure(error, kind: "JitsudoCluster", name: cluster.metadata.name))
            }
        }
        return requeue
    }

    /// `jitsudo_operator_tls_certificate_not_after_seconds{cluster}`: the notAfter of the certificate in the cluster's TLS
    /// Secret as its status last recorded it (the alert `JitsudoCertificateExpiresSoon` fires 30 days before).
    private func exportCertificateExpiry(of cluster: GenericResource) {
        guard let name = cluster.metadata.name, let tls = cluster.status?["tls"] else { return }
        do {
            guard let notAfter = try tls.decode(as: TLSReconciler.Status.self).notAfter else { return }
            metrics.set("jitsudo_operator_tls_certificate_not_after_seconds", notAfter.timeIntervalSince1970, labels: ["cluster": name])
        } catch {
            logger.debug("the cluster's status.tls is not readable", metadata: ["name": "\(name)", "error": "\(error)"])
        }
    }

    /// policy/v1 where served (Kubernetes 1.21+), else policy/v1beta1.
    private func podDisruptionBudgetType() async -> ResourceType {
        if let known = pdbType.withLock({ $0 }) { return known }
        var beta = ResourceType.podDisruptionBudgets
        beta.version = "v1beta1"
        let chosen: ResourceType
        do {
            _ = try await client.list(GenericResource.self, namespace: options.namespace, options: ListOptions(limit: 1), in: .podDisruptionBudgets)
            chosen = .podDisruptionBudgets
        } catch let error as KubernetesError where error.code == .notFound {
            chosen = beta
        } catch {
            return .podDisruptionBudgets
        }
        pdbType.withLock { $0 = chosen }
        return chosen
    }

    private func failure(_ error: any Error, kind: String, name: String?) -> TimeInterval {
        if error is CancellationError || Task.isCancelled { return 0 }
        metrics.count("jitsudo_operator_reconciles_total", labels: ["kind": kind, "outcome": "error"])
        if let error = error as? KubernetesError, error.code == .conflict {
            logger.debug("conflict, reconciling again", metadata: ["kind": "\(kind)", "name": "\(name ?? "")"])
            return 0.2
        }
        logger.error("reconcile failed", metadata: ["kind": "\(kind)", "name": "\(name ?? "")", "error": "\(error)"])
        return 2
    }
}
