public import Foundation

/// Observe → decide one step for a `JitsudoRestore`, the operator's version of runbook 3:
/// Pending → ScalingDown → WaitingForPods → Restoring → Verifying → Swapping → ScalingUp → Completed, or Failed.
///
/// Every phase is stored in `status` before its work starts, and every step is safe to repeat, so an operator killed at
/// any point resumes from the stored phase. Invariants the tests check at every step: jitsudod is never scaled above 0
/// between ScalingDown and ScalingUp; nothing is renamed before the restored audit chain verified intact; only one
/// restore is in flight per namespace.
public enum RestoreStateMachine {
    public enum Phase: String, Sendable, Codable, CaseIterable {
        case pending = "Pending", scalingDown = "ScalingDown", waitingForPods = "WaitingForPods", restoring = "Restoring"
        case verifying = "Verifying", swapping = "Swapping", scalingUp = "ScalingUp", completed = "Completed", failed = "Failed"

        /// Phases during which this restore holds jitsudod down and excludes other restores.
        public var isInFlight: Bool { ![.pending, .completed, .failed].contains(self) }
        /// Phases before the live database is touched.
        var isBeforeSwap: Bool { [.pending, .scalingDown, .waitingForPods, .restoring, .verifying].contains(self) }
    }

    /// The `status` of a JitsudoRestore.
    public struct Status: Sendable, Equatable, Codable {
        public var phase: Phase
        public var previousReplicas: Int?
        public var startedAt: Date?
        public var restoringSince: Date?
        public var completedAt: Date?
        public var oldDatabaseName: String?
        /// Events the chain verification checked (set when intact).
        public var verifiedEvents: Int?
        /// The first event whose link is broken (set when not intact).
        public var firstBrokenEvent: String?
        public var failedPhase: Phase?
        public var replicasRestored: Bool?
        public var message: String?

        public init(phase: Phase = .pending) { self.phase = phase }
    }

    /// Another JitsudoRestore in the namespace.
    public struct OtherRestore: Sendable, Equatable {
        public var name: String
        public var createdAt: Date
        public var phase: Phase
        public init(name: String, createdAt: Date, phase: Phase) {
            self.name = name
            self.createdAt = createdAt
            self.phase = phase
        }
    }

    /// How the restore work (the restore Job, ``RestoreJob``) stands; the executor reads it from the Job's status.
    public enum RestoreWork: Sendable, Equatable {
        case notStarted, running, succeeded
        case failed(String)
    }

    /// The outcome of verifying the restored database's audit hash chain (`jitsudo audit verify` logic).
    public enum ChainVerification: Sendable, Equatable {
        case intact(events: Int)
        case broken(firstBrokenEvent: String, reason: String)
    }

    /// What the executor read for one reconcile.
    public struct Observation: Sendable {
        public var name: String
        public var createdAt: Date
        public var generation: Int64
        public var spec: RestoreSpec
        public var status: Status
        /// Whether the JitsudoCluster `spec.clusterName` exists, and its desired replicas.
        public var clusterReplicas: Int?
        /// deployment/jitsudod's spec.replicas; nil when it does not exist.
        public var deploymentReplicas: Int?
        /// Pods labelled app=jitsudod that still exist (any phase, including terminating).
        public var podCount: Int
        public var restoreWork: RestoreWork
        /// The databases that exist (needed in Swapping; may be empty elsewhere).
        public var databases: Set<String>
        public var otherRestores: [OtherRestore]

        public init(
            name: String, createdAt: Date, generation: Int64 = 1, spec: RestoreSpec, status: Status, clusterReplicas: Int?,
            deploymentReplicas: Int?, podCount: Int, restoreWork: RestoreWork = .notStarted, databases: Set<String> = [],
            otherRestores: [OtherRestore] = []
        ) {
            self.name = name
            self.createdAt = createdAt
            self.generation = generation
            self.spec = spec
            self.status = status
            self.clusterReplicas = clusterReplicas
            self.deploymentReplicas = deploymentReplicas
            self.podCount = podCount
            self.restoreWork = restoreWork
            self.databases = databases
            self.otherRestores = otherRestores
        }
    }

    public enum Step: Sendable, Equatable {
        /// Set deployment/jitsudod's replicas (scale subresource).
        case scaleDeployment(replicas: Int)
        /// Drop and create `plan.restoreDatabase`, then create the ``RestoreJob`` that loads the backup into it. Decided
        /// only while no Job exists; the Job is named after the restore, so a repeat never starts a second one.
        case startRestore(RestorePlan)
        /// Verify the audit chain in `database`; feed the outcome to ``record(_:in:)`` and write the status.
        case verifyChain(database: String)
        /// In one transaction, in order: ALTER DATABASE from RENAME TO to.
        case renameDatabases([Rename])
    }

    public struct Rename: Sendable, Equatable {
        public var from: String
        public var to: String
        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    public struct Decision: Sendable, Equatable {
        public var step: Step?
        /// The status to write after the step (the same as observed when only the step matters).
        public var status: Status
        public var health: ConditionSummary
        public var event: ReconcileEvent?
        public var requeueAfter: TimeInterval?
    }

    /// How often to look again while waiting for pods, the restore work, or a scale.
    public static let pollInterval: TimeInterval = 2

    /// Records a chain verification outcome in `status` (pure; the executor writes the result).
    public static func record(_ verification: ChainVerification, in status: Status) -> Status {
        var status = status
        switch verification {
        case .intact(let events):
            status.verifiedEvents = events
            status.firstBrokenEvent = nil
        case .broken(let event, let reason):
            status.verifiedEvents = nil
            status.firstBrokenEvent = event
            status.message = reason
        }
        return status
    }

    /// Decides the next step at `now`.
    public static func decide(_ o: Observation, now: Date) -> Decision {
        var status = o.status
        func next(_ phase: Phase, _ message: String) -> Decision {
            status.phase = phase
            status.message = message
            return Decision(
                step: nil, status: status, health: ConditionSummary(.progressing, reason: phase.rawValue, message: message),
                event: ReconcileEvent(.normal, reason: phase.rawValue, message: message), requeueAfter: 0
            )
        }
        func step(_ step: Step, _ message: String, event: ReconcileEvent? = nil, requeue: TimeInterval? = pollInterval) -> Decision {
            Decision(
                step: step, status: status, health: ConditionSummary(.progressing, reason: status.phase.rawValue, message: message), event: event,
                requeueAfter: requeue)
        }
        func wait(_ message: String) -> Decision {
            Decision(
                step: nil, status: status, health: ConditionSummary(.progressing, reason: status.phase.rawValue, message: message), event: nil,
                requeueAfter: pollInterval)
        }
        func fail(_ reason: String, _ message: String) -> Decision {
            status.failedPhase = status.phase
            status.phase = .failed
            status.message = message
            status.completedAt = now
            return Decision(
                step: nil, status: status, health: ConditionSummary(.degraded, reason: reason, message: message),
                event: ReconcileEvent(.warning, reason: reason, message: message), requeueAfter: 0
            )
        }

        if status.phase == .completed {
            return Decision(
                step: nil, status: status, health: ConditionSummary(.ready, reason: "Completed", message: status.message ?? "restore completed"),
                event: nil, requeueAfter: nil)
        }
        if status.phase == .failed { return afterFailure(o, status: status) }

        // A JitsudoRestore is immutable (the CRD's CEL rule, which API servers older than 1.25 do not enforce): a spec
        // changed after creation could point a half-done restore at another backup or database, so it stops here.
        if o.generation > 1 {
            return fail(
                "SpecChanged",
                "the spec was changed after the restore was created (generation \(o.generation)); a JitsudoRestore cannot be changed — "
                    + "delete it and create a new one")
        }

        let plan: RestorePlan
        do {
            plan = try o.spec.resolved(createdAt: o.createdAt)
        } catch {
            return fail("InvalidSpec", error.message)
        }

        // One restore at a time: the oldest in-flight one wins; anyone else fails before touching anything.
        let rivals = o.otherRestores.filter(\.phase.isInFlight)
        if status.phase.isBeforeSwap,
            let rival = rivals.first(where: { !status.phase.isInFlight || ($0.createdAt, $0.name) < (o.createdAt, o.name) })
        {
            return fail("ConcurrentRestore", "restore \(rival.name) is in progress; create this restore again when it has finished")
        }

        switch status.phase {
        case .pending:
            guard let clusterReplicas = o.clusterReplicas else {
                return fail("ClusterNotFound", "jitsudocluster/\(plan.clusterName) not found; set spec.clusterName to an existing JitsudoCluster")
            }
            // Remember what to return to before changing anything; a daemon already down by hand comes back at the
            // cluster's replicas.
            status.previousReplicas = (o.deploymentReplicas ?? 0) > 0 ? o.deploymentReplicas : clusterReplicas
            status.startedAt = now
            status.oldDatabaseName = plan.oldDatabase
            return next(.scalingDown, "scaling jitsudod to 0 (was \(status.previousReplicas ?? 0))")

        case .scalingDown:
            if let replicas = o.deploymentReplicas, replicas != 0 {
                return step(.scaleDeployment(replicas: 0), "scaling deployment/jitsudod to 0")
            }
            return next(.waitingForPods, "waiting for every app=jitsudod pod to terminate")

        case .waitingForPods:
            if let replicas = o.deploymentReplicas, replicas != 0 {
                // Someone scaled it up meanwhile: down again, never restore under a running daemon.
                return step(.scaleDeployment(replicas: 0), "deployment/jitsudod was scaled to \(replicas) during the restore; scaling to 0")
            }
            if o.podCount > 0 { return wait("\(o.podCount) app=jitsudod pods still exist") }
            status.restoringSince = now
            return next(.restoring, "restoring the backup into database \(plan.restoreDatabase)")

        case .restoring:
            if (o.deploymentReplicas ?? 0) != 0 || o.podCount > 0 {
                // Writes to the live database now would be lost by the swap: stop before it.
                return fail(
                    "DaemonRunning",
                    "jitsudod was started (\(o.deploymentReplicas ?? 0) replicas, \(o.podCount) pods) during the restore; stopped before the swap")
            }
            switch o.restoreWork {
            case .notStarted:
                return step(
                    .startRestore(plan), "restoring into database \(plan.restoreDatabase)",
                    event: ReconcileEvent(.normal, reason: "RestoreStarted", message: "restoring the backup into database \(plan.restoreDatabase)"))
            case .running:
                if let since = status.restoringSince, now.timeIntervalSince(since) > plan.timeout {
                    return fail("RestoreTimedOut", "the restore did not finish within spec.options.timeout; database \(plan.liveDatabase) untouched")
                }
                return wait("restore into database \(plan.restoreDatabase) running")
            case .succeeded:
                status.verifiedEvents = nil
                status.firstBrokenEvent = nil
                return next(.verifying, "verifying the audit hash chain of database \(plan.restoreDatabase)")
            case .failed(let message):
                return fail(
                    "RestoreFailed", "restoring into database \(plan.restoreDatabase) failed: \(message); database \(plan.liveDatabase) untouched")
            }

        case .verifying:
            if let broken = status.firstBrokenEvent {
                return fail(
                    "ChainBroken",
                    "audit hash chain of the restored data is broken at event \(broken)"
                        + "\(status.message.map { ": \($0)" } ?? ""); database \(plan.liveDatabase) untouched"
                )
            }
            if let events = status.verifiedEvents {
                return next(.swapping, "chain intact: \(events) events verified; swapping databases")
            }
            return step(
                .verifyChain(database: plan.restoreDatabase), "verifying the audit hash chain of database \(plan.restoreDatabase)", requeue: 0)

        case .swapping:
            let live = plan.liveDatabase, restored = plan.restoreDatabase
            let old = status.oldDatabaseName ?? plan.oldDatabase
            let has = o.databases.contains
            switch (has(live), has(restored), has(old)) {
            case (true, true, false):
                return step(
                    .renameDatabases([Rename(from: live, to: old), Rename(from: restored, to: live)]),
                    "renaming \(live) to \(old) and \(restored) to \(live)",
                    event: ReconcileEvent(.normal, reason: "Swapping", message: "renaming \(live) to \(old) and \(restored) to \(live)"))
            case (false, true, true):
                return step(.renameDatabases([Rename(from: restored, to: live)]), "renaming \(restored) to \(live)")
            case (true, false, true):
                return next(.scalingUp, "databases swapped (previous data in \(old)); scaling jitsudod to \(status.previousReplicas ?? 0)")
            default:
                return fail(
                    "SwapInconsistent",
                    "cannot swap: expected databases \(live) and \(restored) (and no \(old)), "
                        + "found \(o.databases.sorted().joined(separator: ", ")); a human must check"
                )
            }

        case .scalingUp:
            let target = status.previousReplicas ?? o.clusterReplicas ?? 1
            // No Deployment (there was none to scale down): the Deployment reconciler creates it once this completes.
            if let replicas = o.deploymentReplicas, replicas != target {
                return step(.scaleDeployment(replicas: target), "scaling deployment/jitsudod to \(target)")
            }
            status.completedAt = now
            status.phase = .completed
            let previous = status.oldDatabaseName ?? plan.oldDatabase
            status.message = "restore completed; \(status.verifiedEvents ?? 0) audit events verified; previous data in database \(previous)"
            return Decision(
                step: nil, status: status, health: ConditionSummary(.ready, reason: "Completed", message: status.message ?? ""),
                event: ReconcileEvent(.normal, reason: "Completed", message: status.message ?? ""), requeueAfter: nil
            )

        case .completed, .failed:
            preconditionFailure("terminal phases are handled above")
        }
    }

    /// A Failed restore that stopped before the swap brings jitsudod back on the untouched database once (when
    /// `scaleUpOnFailure`); after that, and after any other failure, it does nothing.
    private static func afterFailure(_ o: Observation, status: Status) -> Decision {
        var status = status
        let health = ConditionSummary(.degraded, reason: "Failed", message: status.message ?? "restore failed")
        let scaleUp = (try? o.spec.resolved(createdAt: o.createdAt))?.scaleUpOnFailure ?? true
        guard scaleUp, status.failedPhase?.isBeforeSwap == true, status.replicasRestored != true, let target = status.previousReplicas,
            // A restore that lost the race never scaled anything down: nothing of its own to undo.
            status.failedPhase != .pending
        else {
            return Decision(step: nil, status: status, health: health, event: nil, requeueAfter: nil)
        }
        if o.otherRestores.contains(where: \.phase.isInFlight) {
            // A newer restore holds jitsudod down now and will bring it back itself; scaling up would break it.
            status.replicasRestored = true
            return Decision(step: nil, status: status, health: health, event: nil, requeueAfter: nil)
        }
        if o.deploymentReplicas != nil, o.deploymentReplicas != target {
            return Decision(
                step: .scaleDeployment(replicas: target), status: status, health: health,
                event: ReconcileEvent(
                    .normal, reason: "ScalingBack",
                    message: "restore failed before the swap; scaling jitsudod back to \(target) on the untouched database"),
                requeueAfter: pollInterval)
        }
        status.replicasRestored = true
        return Decision(step: nil, status: status, health: health, event: nil, requeueAfter: nil)
    }
}
