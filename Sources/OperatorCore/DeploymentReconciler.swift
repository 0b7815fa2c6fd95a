public import Foundation

/// Observe → decide one step for a JitsudoCluster's workload: the ConfigMap (inline configuration), the Service, the
/// PodDisruptionBudget and the `jitsudod` Deployment, in that order, then readiness from the Deployment's status.
/// Pure: the executor reads the objects, calls ``decide(_:now:)``, performs the one ``Step`` (if any), writes the
/// returned status and records the event.
public enum DeploymentReconciler {
    /// What the executor read, fresh, for one reconcile.
    public struct Observation: Sendable {
        public var namespace: String
        public var generation: Int64
        public var spec: ClusterSpec
        /// Conditions currently on the object (for stable transition times).
        public var conditions: [Condition]
        /// Data of the ConfigMap jitsudod reads (the operator's own or the referenced one); nil when it does not exist.
        public var configData: [String: String]?
        /// Whether the database Secret exists and has the key.
        public var databaseSecretPresent: Bool
        /// Whether the service account named by `spec.serviceAccountName` exists (not consulted when none is named).
        public var serviceAccountPresent: Bool
        /// `jitsudo.dev/spec-hash` of the observed objects; nil when the object does not exist, "" when it lacks the annotation.
        public var serviceHash: String?
        public var configMapHash: String?
        public var podDisruptionBudgetHash: String?
        public var deployment: ObservedDeployment?
        /// The JitsudoRestore in flight, if any: the Deployment is then left alone (the restore owns its replicas).
        public var restoreInFlight: String?
        /// The upgrade's Jobs for the Deployment's image → `spec.image` (read only when they differ).
        public var upgradeWork: UpgradePlanner.Work
        /// Images of the ready `app=jitsudod` pods (read only when the Deployment's image and `spec.image` differ).
        public var servingImages: Set<String>

        public init(
            namespace: String, generation: Int64, spec: ClusterSpec, conditions: [Condition] = [], configData: [String: String]?,
            databaseSecretPresent: Bool, serviceAccountPresent: Bool = true, serviceHash: String? = nil, configMapHash: String? = nil,
            podDisruptionBudgetHash: String? = nil,
            deployment: ObservedDeployment? = nil, restoreInFlight: String? = nil, upgradeWork: UpgradePlanner.Work = .init(),
            servingImages: Set<String> = []
        ) {
            self.upgradeWork = upgradeWork
            self.servingImages = servingImages
            self.namespace = namespace
            self.generation = generation
            self.spec = spec
            self.conditions = conditions
            self.configData = configData
            self.databaseSecretPresent = databaseSecretPresent
            self.serviceAccountPresent = serviceAccountPresent
            self.serviceHash = serviceHash
            self.configMapHash = configMapHash
            self.podDisruptionBudgetHash = podDisruptionBudgetHash
            self.deployment = deployment
            self.restoreInFlight = restoreInFlight
        }
    }

    /// The observed `jitsudod` Deployment.
    public struct ObservedDeployment: Sendable, Equatable {
        public var generation: Int64
        public var observedGeneration: Int64
        public var specReplicas: Int
        public var replicas: Int
        public var updatedReplicas: Int
        public var readyReplicas: Int
        public var availableReplicas: Int
        /// The pod template's annotations.
        public var templateAnnotations: [String: String]
        /// The object's `jitsudo.dev/spec-hash` annotation ("" when absent).
        public var specHash: String
        /// The object's `jitsudo.dev/cluster-replicas` annotation (nil when absent or not a number).
        public var clusterReplicas: Int?
        /// The deployment controller gave up waiting for the new pods: condition `Progressing` with reason
        /// `ProgressDeadlineExceeded` (the rollout is held; with `maxUnavailable: 0` the old pods keep serving).
        public var progressDeadlineExceeded: Bool
        /// The jitsudod container's image; nil when the template has no container (nothing runs to upgrade from).
        public var image: String?

        public init(
            generation: Int64, observedGeneration: Int64, specReplicas: Int, replicas: Int, updatedReplicas: Int, readyReplicas: Int,
            availableReplicas: Int, templateAnnotations: [String: String], specHash: String, clusterReplicas: Int? = nil,
            progressDeadlineExceeded: Bool = false, image: String? = nil
        ) {
            self.image = image
            self.progressDeadlineExceeded = progressDeadlineExceeded
            self.generation = generation
            self.observedGeneration = observedGeneration
            self.specReplicas = specReplicas
            self.replicas = replicas
            self.updatedReplicas = updatedReplicas
            self.readyReplicas = readyReplicas
            self.availableReplicas = availableReplicas
            self.templateAnnotations = templateAnnotations
            self.specHash = specHash
            self.clusterReplicas = clusterReplicas
        }
    }

    /// The one mutating step of this reconcile. Each desired object comes with the hash to store in its
    /// `jitsudo.dev/spec-hash` annotation.
    public enum Step: Sendable, Equatable {
        case applyConfigMap(DesiredResources.ConfigMap, hash: String)
        case applyService(DesiredResources.Service, hash: String)
        case applyPodDisruptionBudget(DesiredResources.PodDisruptionBudget, hash: String)
        case createDeployment(DesiredResources.Deployment, hash: String)
        /// Update the template (a rolling update when the pod template changed); replicas as in the value unless
        /// ``DesiredResources/Deployment/replicasManagedExternally``.
        case updateDeployment(DesiredResources.Deployment, hash: String)
        /// Set the Deployment's replicas and its `jitsudo.dev/cluster-replicas` annotation to `replicas`, in one write.
        case scaleDeployment(replicas: Int)
        /// Create the upgrade's next Job (backup, then migration) before the Deployment's image changes.
        case createUpgradeJob(UpgradeJob)
    }

    /// The JitsudoCluster's `status` fields this reconciler owns.
    public struct Status: Sendable, Equatable {
        /// `Pending`, `Progressing`, `Ready`, `Degraded`, `Restoring` or `ScaledByHand`.
        public var phase: String
        public var replicas: Int
        public var readyReplicas: Int
        public var configChecksum: String?
        public var restore: String?
        public var observedGeneration: Int64
        public var conditions: [Condition]
    }

    public struct Decision: Sendable, Equatable {
        public var step: Step?
        public var status: Status
        public var event: ReconcileEvent?
        /// Reconcile again after this many seconds even without a watch event (nil: wait for one).
        public var requeueAfter: TimeInterval?
    }

    /// How long to wait before looking again at a rollout in progress.
    public static let rolloutRequeue: TimeInterval = 5

    /// Decides the next step for `observation` at `now`.
    public static func decide(_ observation: Observation, now: Date) -> Decision {
        let o = observation
        func decision(
            _ step: Step?, phase: String, _ summary: ConditionSummary, event: ReconcileEvent? = nil, requeue: TimeInterval? = nil,
            checksum: String? = nil
        ) -> Decision {
            Decision(
                step: step,
                status: Status(
                    phase: phase, replicas: o.deployment?.replicas ?? 0, readyReplicas: o.deployment?.readyReplicas ?? 0,
                    configChecksum: checksum, restore: o.restoreInFlight, observedGeneration: o.generation,
                    conditions: summary.conditions(previous: o.conditions, generation: o.generation, now: now)
                ),
                event: event, requeueAfter: requeue
            )
        }

        let spec: ResolvedClusterSpec
        do {
            spec = try o.spec.resolved(namespace: o.namespace)
        } catch {
            return decision(
                nil, phase: "Degraded", ConditionSummary(.degraded, reason: "InvalidSpec", message: error.message),
                event: ReconcileEvent(.warning, reason: "InvalidSpec", message: error.message)
            )
        }

        if let configMap = DesiredResources.configMap(spec) {
            let hash = DesiredResources.specHash(configMap)
            if o.configMapHash != hash {
                return decision(
                    .applyConfigMap(configMap, hash: hash), phase: "Progressing",
                    ConditionSummary(.progressing, reason: "ApplyingConfigMap", message: "writing configmap/\(configMap.name)"),
                    event: ReconcileEvent(.normal, reason: "ConfigMapApplied", message: "configmap/\(configMap.name) written")
                )
            }
        }
        let service = DesiredResources.service(spec)
        let serviceHash = DesiredResources.specHash(service)
        if o.serviceHash != serviceHash {
            return decision(
                .applyService(service, hash: serviceHash), phase: "Progressing",
                ConditionSummary(.progressing, reason: "ApplyingService", message: "writing service/\(service.name)"),
                event: ReconcileEvent(.normal, reason: "ServiceApplied", message: "service/\(service.name) written")
            )
        }
        let budget = DesiredResources.podDisruptionBudget(spec)
        let budgetHash = DesiredResources.specHash(budget)
        if spec.disruptionBudgetEnabled || o.podDisruptionBudgetHash != nil, o.podDisruptionBudgetHash != budgetHash {
            return decision(
                .applyPodDisruptionBudget(budget, hash: budgetHash), phase: "Progressing",
                ConditionSummary(.progressing, reason: "ApplyingPodDisruptionBudget", message: "writing poddisruptionbudget/\(budget.name)"),
                event: ReconcileEvent(
                    .normal, reason: "PodDisruptionBudgetApplied", message: "poddisruptionbudget/\(budget.name) minAvailable \(budget.minAvailable)")
            )
        }

        // Inputs jitsudod cannot start without: report, never roll out pods that would crash-loop.
        guard let configData = o.configData, configData[spec.configMapKey] != nil else {
            let message = "configmap/\(spec.configMapName) with key \(spec.configMapKey) not found; create it or set spec.config.inline"
            return decision(nil, phase: "Degraded", ConditionSummary(.degraded, reason: "ConfigMissing", message: message), requeue: 30)
        }
        guard o.databaseSecretPresent else {
            let message = "secret/\(spec.databaseSecretName) with key \(spec.databaseSecretKey) not found; create it with the PostgreSQL URL"
            return decision(nil, phase: "Degraded", ConditionSummary(.degraded, reason: "DatabaseSecretMissing", message: message), requeue: 30)
        }
        if let account = spec.podTemplate.serviceAccountName, !o.serviceAccountPresent {
            // The ReplicaSet controller could create no pod with it: report that here instead of a silent FailedCreate.
            let message =
                "serviceaccount/\(account) (spec.serviceAccountName) not found; create it (the chart does with "
                + "serviceAccount.create=true) or name an existing one"
            return decision(nil, phase: "Degraded", ConditionSummary(.degraded, reason: "ServiceAccountMissing", message: message), requeue: 30)
        }
        let checksum = DesiredResources.configChecksum(configData)

        if let restore = o.restoreInFlight {
            // The restore owns replicas until it completes: no create, update or scale here, so nothing starts pods early.
            return decision(
                nil, phase: "Restoring",
                ConditionSummary(.progressing, reason: "RestoreInProgress", message: "restore \(restore) in progress; jitsudod is held down"),
                checksum: checksum
            )
        }

        guard let observed = o.deployment else {
            let desired = DesiredResources.deployment(spec, configData: configData, replicas: spec.replicas, carriedAnnotations: [:])
            return decision(
                .createDeployment(desired, hash: DesiredResources.deploymentHash(desired)), phase: "Progressing",
                ConditionSummary(.progressing, reason: "CreatingDeployment", message: "creating deployment/\(desired.name)"),
                event: ReconcileEvent(
                    .normal, reason: "DeploymentCreated", message: "deployment/\(desired.name) created with \(spec.replicas) replicas"),
                requeue: rolloutRequeue, checksum: checksum
            )
        }
        // Someone else set the replicas (runbook 3's `kubectl scale deployment jitsudod --replicas=0`) since the operator
        // last set them for the JitsudoCluster's current count: left alone, reported, until the Deployment is scaled
        // back to that count or the JitsudoCluster's replicas change.
        let scaledByHand = !spec.autoscaling && observed.clusterReplicas == spec.replicas && observed.specReplicas != spec.replicas
        let replicas = spec.autoscaling || scaledByHand ? observed.specReplicas : spec.replicas
        let desired = DesiredResources.deployment(spec, configData: configData, replicas: replicas, carriedAnnotations: observed.templateAnnotations)
        let hash = DesiredResources.deploymentHash(desired)
        if observed.specHash != hash, let current = observed.image, current != desired.image, !o.servingImages.contains(desired.image) {
            // An upgrade: backup and migration Jobs first; the Deployment is untouched until both succeeded. Going back
            // to an image ready pods still serve (reverting a held rollout) needs neither: that image runs on this
            // database now.
            switch UpgradePlanner.decide(currentImage: current, spec: spec, work: o.upgradeWork) {
            case .createJob(let job, let message):
                return decision(
                    .createUpgradeJob(job), phase: "Progressing", ConditionSummary(.progressing, reason: "Upgrading", message: message),
                    event: ReconcileEvent(.normal, reason: job.kind == .backup ? "UpgradeBackupStarted" : "MigrationStarted", message: message),
                    requeue: rolloutRequeue, checksum: checksum)
            case .wait(let reason, let message):
                return decision(
                    nil, phase: "Progressing", ConditionSummary(.progressing, reason: reason, message: message), requeue: rolloutRequeue,
                    checksum: checksum)
            case .failed(let reason, let message):
                // One Event when the upgrade stops, not one per pass; the Jobs do not change until a person acts.
                let reported = o.conditions.contains { $0.type == .degraded && $0.status == .true && $0.reason == reason }
                return decision(
                    nil, phase: "Degraded", ConditionSummary(.degraded, reason: reason, message: message),
                    event: reported ? nil : ReconcileEvent(.warning, reason: reason, message: message), requeue: 30, checksum: checksum)
            case .roll(let message):
                return decision(
                    .updateDeployment(desired, hash: hash), phase: "Progressing",
                    ConditionSummary(.progressing, reason: "UpdatingDeployment", message: message),
                    event: ReconcileEvent(.normal, reason: "DeploymentUpdated", message: message), requeue: rolloutRequeue, checksum: checksum)
            }
        }
        if observed.specHash != hash {
            let configChanged = observed.templateAnnotations[DesiredResources.Annotation.configChecksum] != checksum
            return decision(
                .updateDeployment(desired, hash: hash), phase: "Progressing",
                ConditionSummary(.progressing, reason: "UpdatingDeployment", message: "rolling deployment/\(desired.name) to the new spec"),
                event: ReconcileEvent(
                    .normal, reason: "DeploymentUpdated",
                    message: configChanged
                        ? "configuration changed (checksum \(checksum.prefix(12))); rolling update" : "spec changed; rolling update"
                ),
                requeue: rolloutRequeue, checksum: checksum
            )
        }
        if !spec.autoscaling, !scaledByHand, observed.specReplicas != spec.replicas || observed.clusterReplicas != spec.replicas {
            guard observed.specReplicas != spec.replicas else {
                // Only the annotation is missing (a Deployment from before it existed): record it, nothing moves.
                return decision(
                    .scaleDeployment(replicas: spec.replicas), phase: "Progressing",
                    ConditionSummary(
                        .progressing, reason: "RecordingReplicas", message: "recording replicas \(spec.replicas) on deployment/jitsudod"),
                    requeue: rolloutRequeue, checksum: checksum
                )
            }
            return decision(
                .scaleDeployment(replicas: spec.replicas), phase: "Progressing",
                ConditionSummary(
                    .progressing, reason: "Scaling", message: "scaling deployment/jitsudod from \(observed.specReplicas) to \(spec.replicas)"),
                event: ReconcileEvent(
                    .normal, reason: "Scaled", message: "deployment/jitsudod scaled from \(observed.specReplicas) to \(spec.replicas)"),
                requeue: rolloutRequeue, checksum: checksum
            )
        }
        let phase = scaledByHand ? "ScaledByHand" : "Ready"
        let byHand =
            "deployment/jitsudod was scaled to \(observed.specReplicas) outside the operator (the JitsudoCluster asks for \(spec.replicas)); "
            + "left alone until it is scaled back (kubectl scale deployment jitsudod --replicas=\(spec.replicas)) or spec.replicas changes"
        if scaledByHand, observed.specReplicas == 0 {
            let message = observed.replicas == 0 ? byHand : "\(observed.replicas) pods stopping; \(byHand)"
            return decision(nil, phase: phase, ConditionSummary(.degraded, reason: "ScaledByHand", message: message), checksum: checksum)
        }
        if let progress = rolloutProgress(observed), observed.progressDeadlineExceeded, !scaledByHand {
            // An upgrade (spec.image) or configuration whose new pods never become ready: held by the deployment
            // controller with the old pods serving (maxUnavailable 0). Reported, not undone: a person decides.
            let message =
                "rollout held: \(progress); the new pods did not become ready within the progress deadline and the old replicas "
                + "keep serving — see kubectl get pods -l app=jitsudod and kubectl logs of a new pod, then fix or revert spec.image/config"
            // One Event when the rollout is found held, not one per pass (found by the held-rollout test on the test bed).
            let reported = o.conditions.contains { $0.type == .degraded && $0.status == .true && $0.reason == "RolloutStuck" }
            return decision(
                nil, phase: "Degraded", ConditionSummary(.degraded, reason: "RolloutStuck", message: message),
                event: reported ? nil : ReconcileEvent(.warning, reason: "RolloutStuck", message: message), requeue: rolloutRequeue,
                checksum: checksum
            )
        }
        if let progress = rolloutProgress(observed) {
            return decision(
                nil, phase: scaledByHand ? phase : "Progressing",
                ConditionSummary(.progressing, reason: "RollingOut", message: scaledByHand ? "\(progress); \(byHand)" : progress),
                requeue: rolloutRequeue, checksum: checksum
            )
        }
        let ready = "\(observed.readyReplicas) of \(observed.specReplicas) jitsudod pods ready"
        return decision(
            nil, phase: phase,
            ConditionSummary(
                .ready, reason: scaledByHand ? "ScaledByHand" : "DeploymentAvailable", message: scaledByHand ? "\(ready); \(byHand)" : ready),
            checksum: checksum
        )
    }

    /// Why the Deployment's rollout is not complete (as `kubectl rollout status` judges it), or nil when it is.
    public static func rolloutProgress(_ d: ObservedDeployment) -> String? {
        if d.observedGeneration < d.generation { return "waiting for the deployment controller to observe generation \(d.generation)" }
        if d.updatedReplicas < d.specReplicas { return "\(d.updatedReplicas) of \(d.specReplicas) pods updated" }
        if d.replicas > d.updatedReplicas { return "\(d.replicas - d.updatedReplicas) old pods pending termination" }
        if d.availableReplicas < d.updatedReplicas || d.readyReplicas < d.specReplicas {
            return "\(d.readyReplicas) of \(d.specReplicas) pods ready"
        }
        return nil
    }
}
