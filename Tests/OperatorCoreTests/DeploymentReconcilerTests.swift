import Foundation
import OperatorCore
import Testing

/// A namespace as the executor would leave it after performing each step: hashes on the owned objects, the
/// Deployment with its template, and a rollout the test completes by hand.
private struct World {
    var configMap: DesiredResources.ConfigMap?
    var configMapHash: String?
    var serviceHash: String?
    var budgetHash: String?
    var budget: DesiredResources.PodDisruptionBudget?
    var deployment: DesiredResources.Deployment?
    var observed: DeploymentReconciler.ObservedDeployment?
    /// Upgrade Jobs by name: created ones run to `jobOutcome` at once.
    var jobs: [String: RestoreStateMachine.RestoreWork] = [:]
    var jobOutcome: RestoreStateMachine.RestoreWork = .succeeded
    var createdJobs: [UpgradeJob] = []
    /// Images of the ready pods.
    var servingImages: Set<String> = []

    mutating func apply(_ step: DeploymentReconciler.Step) {
        switch step {
        case .applyConfigMap(let map, let hash): (configMap, configMapHash) = (map, hash)
        case .applyService(_, let hash): serviceHash = hash
        case .applyPodDisruptionBudget(let pdb, let hash): (budget, budgetHash) = (pdb, hash)
        case .createDeployment(let d, let hash), .updateDeployment(let d, let hash):
            let generation = (observed?.generation ?? 0) + 1
            let replicas = d.replicasManagedExternally ? (observed?.specReplicas ?? d.replicas) : d.replicas
            deployment = d
            observed = .init(
                generation: generation, observedGeneration: generation - 1, specReplicas: replicas, replicas: observed?.replicas ?? 0,
                updatedReplicas: 0, readyReplicas: observed?.readyReplicas ?? 0, availableReplicas: observed?.availableReplicas ?? 0,
                templateAnnotations: d.templateAnnotations, specHash: hash, clusterReplicas: d.clusterReplicas, image: d.image
            )
        case .scaleDeployment(let replicas):
            observed?.specReplicas = replicas
            observed?.clusterReplicas = replicas
        case .createUpgradeJob(let job):
            createdJobs.append(job)
            jobs[job.name] = jobOutcome
        }
    }

    /// The deployment controller finished rolling out.
    mutating func rollOut() {
        guard var o = observed else { return }
        o.observedGeneration = o.generation
        (o.replicas, o.updatedReplicas, o.readyReplicas, o.availableReplicas) = (o.specReplicas, o.specReplicas, o.specReplicas, o.specReplicas)
        observed = o
        servingImages = o.image.map { [$0] } ?? []
    }

    func observation(
        _ spec: ClusterSpec, restore: String? = nil, dbSecret: Bool = true, serviceAccount: Bool = true
    ) -> DeploymentReconciler.Observation {
        var work = UpgradePlanner.Work()
        if let current = observed?.image {
            let names = UpgradeJob.names(from: current, to: spec.image)
            work = UpgradePlanner.Work(backup: jobs[names.backup] ?? .notStarted, migration: jobs[names.migration] ?? .notStarted)
        }
        return DeploymentReconciler.Observation(
            namespace: Fixtures.namespace, generation: 1, spec: spec, configData: configMap?.data, databaseSecretPresent: dbSecret,
            serviceAccountPresent: serviceAccount,
            serviceHash: serviceHash, configMapHash: configMapHash, podDisruptionBudgetHash: budgetHash, deployment: observed,
            restoreInFlight: restore, upgradeWork: work, servingImages: servingImages
        )
    }

    /// Reconciles until no step is left (at most 10), returning the steps taken.
    @discardableResult
    mutating func converge(_ spec: ClusterSpec, restore: String? = nil) -> [DeploymentReconciler.Step] {
        var steps: [DeploymentReconciler.Step] = []
        for _ in 0..<10 {
            guard let step = DeploymentReconciler.decide(observation(spec, restore: restore), now: Fixtures.now).step else { break }
            steps.append(step)
            apply(step)
        }
        return steps
    }
}

@Suite struct DeploymentReconcilerTests {
    @Test func aNewClusterGetsConfigMapServiceBudgetThenTheDeploymentTheRunbooksName() throws {
        var world = World()
        let steps = world.converge(Fixtures.clusterSpec())
        #expect(steps.count == 4)
        guard case .applyConfigMap(let map, _) = steps[0], case .applyService(let service, _) = steps[1],
            case .applyPodDisruptionBudget(let pdb, _) = steps[2], case .createDeployment(let deployment, _) = steps[3]
        else {
            Issue.record("unexpected order: \(steps)")
            return
        }
        #expect(map.name == "jitsudod-config" && map.data["jitsudod.yaml"] == "listen: 0.0.0.0:8443\n")
        #expect(service.name == "jitsudod" && service.selector == ["app": "jitsudod"] && service.port == 443)
        #expect(pdb.name == "jitsudod" && pdb.minAvailable == 1)
        #expect(deployment.name == "jitsudod" && deployment.namespace == "jitsudo")
        #expect(deployment.labels["app"] == "jitsudod" && deployment.selector == ["app": "jitsudod"])
        #expect(deployment.replicas == 2 && deployment.tlsSecretName == "jitsudo-tls")
        #expect(deployment.livenessPath == "/healthz" && deployment.readinessPath == "/readyz")
        #expect(deployment.templateAnnotations[DesiredResources.Annotation.configChecksum] == DesiredResources.configChecksum(map.data))
    }

    @Test func readinessComesFromTheDeploymentStatus() {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        let rolling = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec()), now: Fixtures.now)
        #expect(rolling.step == nil && rolling.status.phase == "Progressing")
        #expect(rolling.status.conditions.first { $0.type == .progressing }?.status == .true)
        #expect(rolling.requeueAfter != nil)
        world.rollOut()
        let ready = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec()), now: Fixtures.now)
        #expect(ready.step == nil && ready.status.phase == "Ready" && ready.status.readyReplicas == 2)
        #expect(ready.status.conditions.map(\.status) == [.true, .false, .false])
    }

    /// An upgrade whose new pods never become ready: the deployment controller holds the rollout (maxUnavailable 0,
    /// the old pods serve) and, past the progress deadline, the cluster is Degraded with reason RolloutStuck, a
    /// Warning, and no step; reverting spec.image is an ordinary update again.
    @Test func anUpgradeWhoseNewPodsNeverBecomeReadyIsHeldAndReportedDegraded() throws {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        world.rollOut()
        var upgraded = Fixtures.clusterSpec()
        upgraded.image = "ghcr.io/jitsudo/jitsudod:0.2.0"
        let steps = world.converge(upgraded)
        guard steps.count == 2, case .createUpgradeJob(let migration) = steps[0], case .updateDeployment(let deployment, _) = steps[1] else {
            Issue.record("expected the migration Job, then one update, got \(steps)")
            return
        }
        #expect(migration.kind == .migration && migration.image == "ghcr.io/jitsudo/jitsudod:0.2.0")
        #expect(deployment.image == "ghcr.io/jitsudo/jitsudod:0.2.0")
        // One new pod surged and not ready; the two old ones serving.
        let generation = world.observed?.generation ?? 0
        world.observed?.observedGeneration = generation
        world.observed?.replicas = 3
        world.observed?.updatedReplicas = 1
        world.observed?.readyReplicas = 2
        world.observed?.availableReplicas = 2
        let rolling = DeploymentReconciler.decide(world.observation(upgraded), now: Fixtures.now)
        #expect(rolling.step == nil && rolling.status.phase == "Progressing")
        world.observed?.progressDeadlineExceeded = true
        let held = DeploymentReconciler.decide(world.observation(upgraded), now: Fixtures.now)
        #expect(held.step == nil && held.status.phase == "Degraded")
        let degraded = held.status.conditions.first { $0.type == .degraded }
        #expect(degraded?.status == .true && degraded?.reason == "RolloutStuck")
        #expect(degraded?.message.contains("old replicas keep serving") == true, "\(degraded?.message ?? "")")
        #expect(held.event?.type == .warning && held.event?.reason == "RolloutStuck")
        // The next pass, with that status written: still Degraded, but no second Event.
        var reported = world.observation(upgraded)
        reported.conditions = held.status.conditions
        let again = DeploymentReconciler.decide(reported, now: Fixtures.now)
        #expect(again.status.phase == "Degraded" && again.event == nil)
        let reverted = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec()), now: Fixtures.now)
        guard case .updateDeployment(let back, _) = reverted.step else {
            Issue.record("reverting spec.image is not an update: \(String(describing: reverted.step))")
            return
        }
        #expect(back.image == "ghcr.io/jitsudo/jitsudod:0.1.0")
    }

    @Test func aConfigChangeRollsThePodsAndKeepsARestartAnnotation() throws {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        world.rollOut()
        world.observed?.templateAnnotations[DesiredResources.Annotation.restartedAt] = "2026-03-21T10:00:00Z"
        let before = world.observed?.templateAnnotations[DesiredResources.Annotation.configChecksum]
        let steps = world.converge(Fixtures.clusterSpec(inline: "listen: 0.0.0.0:9443\n"))
        #expect(steps.count == 2)
        guard case .updateDeployment(let updated, _) = steps.last else {
            Issue.record("expected an update, got \(steps)")
            return
        }
        #expect(updated.templateAnnotations[DesiredResources.Annotation.configChecksum] != before)
        #expect(updated.templateAnnotations[DesiredResources.Annotation.restartedAt] == "2026-03-21T10:00:00Z")
    }

    @Test func aWorkloadIdentityChangeRollsThePodsLikeAnyTemplateChange() throws {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        world.rollOut()
        var spec = Fixtures.clusterSpec()
        spec.serviceAccountName = "jitsudod"
        spec.podLabels = ["azure.workload.identity/use": "true"]
        spec.env = [.init(name: "JITSUDOD_PROVIDERS_AZURE_CLIENT_ID", value: "00000000-1111-2222-3333-444444444444")]
        let steps = world.converge(spec)
        guard steps.count == 1, case .updateDeployment(let updated, _) = steps[0] else {
            Issue.record("expected one update, got \(steps)")
            return
        }
        #expect(updated.serviceAccountName == "jitsudod" && updated.templateLabels["azure.workload.identity/use"] == "true")
        let rolling = DeploymentReconciler.decide(world.observation(spec), now: Fixtures.now)
        #expect(rolling.status.phase == "Progressing" && rolling.step == nil)
        world.rollOut()
        #expect(world.converge(spec).isEmpty)
        // Taking an entry out rolls again (server-side apply then drops the field from the Deployment).
        spec.env = nil
        guard case .updateDeployment(let reverted, _) = world.converge(spec).first else {
            Issue.record("removing the env entry did not update the Deployment")
            return
        }
        #expect(reverted.extraEnv == nil && reverted.serviceAccountName == "jitsudod")
    }

    @Test func aMissingServiceAccountDegradesWithoutCreatingTheDeployment() throws {
        var world = World()
        var spec = Fixtures.clusterSpec()
        spec.serviceAccountName = "jitsudod"
        for _ in 0..<3 {
            if let step = DeploymentReconciler.decide(world.observation(spec, serviceAccount: false), now: Fixtures.now).step { world.apply(step) }
        }
        let missing = DeploymentReconciler.decide(world.observation(spec, serviceAccount: false), now: Fixtures.now)
        let degraded = try #require(missing.status.conditions.first { $0.type == .degraded })
        #expect(missing.step == nil && missing.status.phase == "Degraded" && missing.requeueAfter == 30)
        #expect(degraded.status == .true && degraded.reason == "ServiceAccountMissing")
        #expect(degraded.message.contains("serviceaccount/jitsudod") && degraded.message.contains("serviceAccount.create=true"))
        #expect(world.deployment == nil)
        guard case .createDeployment(let created, _) = DeploymentReconciler.decide(world.observation(spec), now: Fixtures.now).step else {
            Issue.record("the Deployment is not created once the service account exists")
            return
        }
        #expect(created.serviceAccountName == "jitsudod")
        // Without spec.serviceAccountName the namespace's default is used and never looked up.
        let unnamed = DeploymentReconciler.decide(World().observation(Fixtures.clusterSpec(), serviceAccount: false), now: Fixtures.now)
        #expect(unnamed.status.phase == "Progressing")
    }

    @Test func aConvergedClusterTakesNoStep() {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        world.rollOut()
        #expect(world.converge(Fixtures.clusterSpec()).isEmpty)
    }

    @Test func replicasAreScaledWithoutARollout() {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        world.rollOut()
        let steps = world.converge(Fixtures.clusterSpec(replicas: 4))
        #expect(steps.contains(.scaleDeployment(replicas: 4)))
        #expect(!steps.contains { if case .updateDeployment = $0 { true } else { false } })
    }

    @Test func aPersonsScaleIsLeftAloneAndReportedUntilScaledBackOrTheClusterChanges() throws {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        world.rollOut()
        #expect(world.observed?.clusterReplicas == 2)

        // Runbook 3: kubectl scale deployment jitsudod --replicas=0 (the scale subresource leaves annotations alone).
        world.observed?.specReplicas = 0
        let stopping = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec()), now: Fixtures.now)
        #expect(stopping.step == nil && stopping.status.phase == "ScaledByHand")
        let degraded = try #require(stopping.status.conditions.first { $0.status == .true })
        #expect(degraded.type == .degraded && degraded.reason == "ScaledByHand")
        #expect(degraded.message.contains("2 pods stopping") && degraded.message.contains("kubectl scale deployment jitsudod --replicas=2"))
        world.rollOut()
        #expect(world.converge(Fixtures.clusterSpec()).isEmpty)
        #expect(world.observed?.specReplicas == 0)

        // A configuration change meanwhile rolls the template but keeps the person's count.
        let steps = world.converge(Fixtures.clusterSpec(inline: "listen: 0.0.0.0:9443\n"))
        guard case .updateDeployment(let updated, _) = steps.last else {
            Issue.record("expected an update, got \(steps)")
            return
        }
        #expect(updated.replicas == 0 && updated.clusterReplicas == 2)
        #expect(world.observed?.specReplicas == 0)

        // Runbook 3 step 7: scaled back by hand to the cluster's count: the operator's again, Ready.
        world.observed?.specReplicas = 2
        world.rollOut()
        let ready = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec(inline: "listen: 0.0.0.0:9443\n")), now: Fixtures.now)
        #expect(ready.step == nil && ready.status.phase == "Ready")

        // Scaled by hand to 3, then the JitsudoCluster asks for 4: the new spec wins.
        world.observed?.specReplicas = 3
        world.rollOut()
        let byHand = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec(inline: "listen: 0.0.0.0:9443\n")), now: Fixtures.now)
        #expect(byHand.step == nil && byHand.status.phase == "ScaledByHand")
        #expect(byHand.status.conditions.first { $0.status == .true }?.type == .ready)
        let scaled = world.converge(Fixtures.clusterSpec(replicas: 4, inline: "listen: 0.0.0.0:9443\n"))
        #expect(scaled == [.scaleDeployment(replicas: 4)])
        #expect(world.observed?.clusterReplicas == 4)
    }

    @Test func aDeploymentWithoutTheReplicasAnnotationGetsItWithoutMovingPods() {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        world.rollOut()
        world.observed?.clusterReplicas = nil
        let record = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec()), now: Fixtures.now)
        #expect(record.step == .scaleDeployment(replicas: 2) && record.event == nil)
        // Without the record a different count is not taken for a person's: scaled to the spec as before.
        world.observed?.specReplicas = 0
        let scale = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec()), now: Fixtures.now)
        #expect(scale.step == .scaleDeployment(replicas: 2) && scale.event?.reason == "Scaled")
    }

    @Test func nothingTouchesTheDeploymentWhileARestoreIsInFlight() {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        world.observed?.specReplicas = 0
        let decision = DeploymentReconciler.decide(
            world.observation(Fixtures.clusterSpec(replicas: 3, inline: "changed: true\n"), restore: "r1"), now: Fixtures.now)
        // The ConfigMap may be rewritten (it starts nothing); the Deployment is neither scaled nor updated.
        if case .applyConfigMap = decision.step {} else { #expect(decision.step == nil) }
        var afterConfig = world
        if let step = decision.step { afterConfig.apply(step) }
        let next = DeploymentReconciler.decide(
            afterConfig.observation(Fixtures.clusterSpec(replicas: 3, inline: "changed: true\n"), restore: "r1"), now: Fixtures.now)
        #expect(next.step == nil)
        #expect(next.status.phase == "Restoring" && next.status.restore == "r1")
    }

    @Test func withAutoscalingTheObservedReplicasAreKept() {
        var spec = Fixtures.clusterSpec()
        spec.autoscaling = .init(enabled: true)
        var world = World()
        world.converge(spec)
        world.observed?.specReplicas = 5
        world.rollOut()
        #expect(world.converge(spec).isEmpty)
        #expect(world.observed?.specReplicas == 5)
    }

    @Test func missingInputsDegradeWithoutAStep() {
        var world = World()
        world.converge(Fixtures.clusterSpec())
        let noSecret = DeploymentReconciler.decide(world.observation(Fixtures.clusterSpec(), dbSecret: false), now: Fixtures.now)
        #expect(noSecret.step == nil && noSecret.status.phase == "Degraded")
        #expect(noSecret.status.conditions.first { $0.type == .degraded }?.reason == "DatabaseSecretMissing")

        let invalid = DeploymentReconciler.decide(World().observation(Fixtures.clusterSpec(replicas: 0)), now: Fixtures.now)
        #expect(invalid.step == nil && invalid.status.phase == "Degraded" && invalid.event?.type == .warning)
    }

    @Test func aSingleReplicaBudgetNeverBlocksDrains() throws {
        let spec = try Fixtures.clusterSpec(replicas: 1).resolved(namespace: "ns")
        #expect(DesiredResources.podDisruptionBudget(spec).minAvailable == 0)
    }

    @Test func conditionTransitionTimesAreKeptWhileTheStatusHolds() {
        let earlier = Fixtures.now.addingTimeInterval(-3600)
        let previous = ConditionSummary(.ready, reason: "A", message: "a").conditions(previous: [], generation: 1, now: earlier)
        let again = ConditionSummary(.ready, reason: "B", message: "b").conditions(previous: previous, generation: 2, now: Fixtures.now)
        #expect(again.first { $0.type == .ready }?.lastTransitionTime == earlier)
        let flipped = ConditionSummary(.degraded, reason: "C", message: "c").conditions(previous: previous, generation: 2, now: Fixtures.now)
        #expect(flipped.first { $0.type == .ready }?.lastTransitionTime == Fixtures.now)
        #expect(flipped.first { $0.type == .degraded }?.lastTransitionTime == Fixtures.now)
        #expect(flipped.first { $0.type == .progressing }?.lastTransitionTime == earlier)
    }
}

/// Upgrades (a change of spec.image): backup Job, then the migration Job of the new image, then the Deployment.
@Suite struct DeploymentReconcilerUpgradeTests {
    static let newImage = "ghcr.io/jitsudo/jitsudod:0.2.0"

    static func spec(image: String = "ghcr.io/jitsudo/jitsudod:0.1.0", backup: Bool) -> ClusterSpec {
        var spec = Fixtures.clusterSpec()
        spec.image = image
        spec.upgrade = ClusterSpec.Upgrade(
            databaseSecretRef: .init(name: "jitsudo-backup-database"),
            backup: backup ? .init(persistentVolumeClaimName: "jitsudo-backups") : nil)
        return spec
    }

    /// A ready cluster on 0.1.0 whose Jobs stay in `outcome` once created.
    private static func readyWorld(backup: Bool, outcome: RestoreStateMachine.RestoreWork) -> World {
        var world = World()
        world.converge(spec(backup: backup))
        world.rollOut()
        world.jobOutcome = outcome
        return world
    }

    private static func decide(_ world: World, _ spec: ClusterSpec, previous: [OperatorCore.Condition] = []) -> DeploymentReconciler.Decision {
        var observation = world.observation(spec)
        observation.conditions = previous
        return DeploymentReconciler.decide(observation, now: Fixtures.now)
    }

    @Test func theBackupThenTheMigrationOfTheNewImageRunOnceBeforeTheDeploymentChanges() throws {
        var world = Self.readyWorld(backup: true, outcome: .running)
        let upgraded = Self.spec(image: Self.newImage, backup: true)

        let first = Self.decide(world, upgraded)
        guard case .createUpgradeJob(let backup) = first.step else {
            Issue.record("expected the backup Job first, got \(String(describing: first.step))")
            return
        }
        #expect(backup.kind == .backup && backup.image == "postgres:15" && backup.backupClaimName == "jitsudo-backups")
        #expect(backup.environment.contains(.secretKey(name: "DATABASE_URL", secretName: "jitsudo-backup-database", key: "url")))
        #expect(backup.command?.last?.contains("pg_dump --no-owner") == true)
        #expect(first.status.phase == "Progressing" && first.event?.reason == "UpgradeBackupStarted")
        world.apply(try #require(first.step))

        let backingUp = Self.decide(world, upgraded)
        #expect(backingUp.step == nil && backingUp.status.phase == "Progressing")
        #expect(backingUp.status.conditions.first { $0.status == .true }?.reason == "UpgradeBackingUp")
        #expect(world.observed?.image == "ghcr.io/jitsudo/jitsudod:0.1.0")

        world.jobs[backup.name] = .succeeded
        let second = Self.decide(world, upgraded)
        guard case .createUpgradeJob(let migration) = second.step else {
            Issue.record("expected the migration Job after the backup, got \(String(describing: second.step))")
            return
        }
        #expect(migration.kind == .migration && migration.image == Self.newImage && migration.arguments == ["migrate"])
        #expect(migration.command == nil && migration.name != backup.name)
        #expect(migration.environment == [.secretKey(name: "DATABASE_URL", secretName: "jitsudo-backup-database", key: "url")])
        world.apply(try #require(second.step))

        let migrating = Self.decide(world, upgraded)
        #expect(migrating.step == nil && migrating.status.conditions.first { $0.status == .true }?.reason == "UpgradeMigrating")
        #expect(world.createdJobs.count == 2)

        world.jobs[migration.name] = .succeeded
        let roll = Self.decide(world, upgraded)
        guard case .updateDeployment(let deployment, _) = roll.step else {
            Issue.record("expected the Deployment update after the migration, got \(String(describing: roll.step))")
            return
        }
        #expect(deployment.image == Self.newImage)
        #expect(roll.event?.message.contains(backup.backupFile ?? "?") == true, "\(roll.event?.message ?? "")")
        world.apply(try #require(roll.step))
        world.rollOut()
        #expect(world.converge(upgraded).isEmpty)
        #expect(world.createdJobs.map(\.kind) == [.backup, .migration])
    }

    @Test func withoutABackupClaimOnlyTheMigrationRunsAndTheStatusSaysSo() throws {
        var world = Self.readyWorld(backup: false, outcome: .succeeded)
        let upgraded = Self.spec(image: Self.newImage, backup: false)
        let first = Self.decide(world, upgraded)
        guard case .createUpgradeJob(let migration) = first.step else {
            Issue.record("expected the migration Job, got \(String(describing: first.step))")
            return
        }
        #expect(migration.kind == .migration)
        #expect(first.status.conditions.first { $0.status == .true }?.message.contains("no backup taken") == true)
        world.apply(try #require(first.step))
        guard case .updateDeployment(let deployment, _) = Self.decide(world, upgraded).step else {
            Issue.record("expected the update after the migration")
            return
        }
        #expect(deployment.image == Self.newImage)
    }

    @Test(arguments: [true, false])
    func aFailedJobLeavesTheDeploymentAloneAndReportsDegradedOnce(backup: Bool) throws {
        var world = Self.readyWorld(backup: backup, outcome: .failed("pod x: exit code 1: connection refused"))
        let upgraded = Self.spec(image: Self.newImage, backup: backup)
        let create = Self.decide(world, upgraded)
        world.apply(try #require(create.step))
        let failed = Self.decide(world, upgraded)
        let reason = backup ? "UpgradeBackupFailed" : "MigrationFailed"
        #expect(failed.step == nil && failed.status.phase == "Degraded")
        let degraded = failed.status.conditions.first { $0.type == .degraded }
        #expect(degraded?.status == .true && degraded?.reason == reason)
        #expect(degraded?.message.contains("connection refused") == true && degraded?.message.contains("old replicas serving") == true)
        #expect(failed.event?.type == .warning && failed.event?.reason == reason)
        // The next passes change nothing and record no second Event; no migration follows a failed backup.
        let again = Self.decide(world, upgraded, previous: failed.status.conditions)
        #expect(again.step == nil && again.event == nil && again.status.phase == "Degraded")
        #expect(world.createdJobs.count == 1 && world.observed?.image == "ghcr.io/jitsudo/jitsudod:0.1.0")
        // Setting spec.image back to the serving image is a steady cluster again.
        let reverted = Self.decide(world, Self.spec(backup: backup))
        #expect(reverted.step == nil && reverted.status.phase == "Ready")
    }
}
