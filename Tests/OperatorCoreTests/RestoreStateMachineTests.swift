import Foundation
import OperatorCore
import Testing

/// A namespace and a PostgreSQL server as the restore executor sees them. Pods terminate one reconcile after a scale
/// to 0; the restore work runs for one reconcile; the chain verifies as the scenario says. Every scale is logged with
/// the phase stored at that moment so the tests can check the invariants.
private struct RestoreWorld {
    typealias Machine = RestoreStateMachine
    var status = Machine.Status()
    var deploymentReplicas: Int? = 3
    var podCount = 3
    var work: Machine.RestoreWork = .notStarted
    var databases: Set<String> = ["jitsudo", "postgres"]
    var chain: Machine.ChainVerification = .intact(events: 42)
    var restoreFails: String?
    var others: [Machine.OtherRestore] = []
    var now = Fixtures.now
    var generation: Int64 = 1
    var scales: [(phase: Machine.Phase, replicas: Int)] = []
    var renames: [[Machine.Rename]] = []
    var phases: [Machine.Phase] = []

    static let spec = RestoreSpec(
        source: .init(file: .init(persistentVolumeClaimName: "backups", path: "backup-2026-03-21.sql.gz")),
        database: .init(adminSecretRef: .init(name: "pg-admin"))
    )
    let createdAt = Date(timeIntervalSince1970: 1_774_087_200)  // 2026-03-21T10:00:00Z

    func observation() -> Machine.Observation {
        Machine.Observation(
            name: "restore-1", createdAt: createdAt, generation: generation, spec: Self.spec, status: status, clusterReplicas: 2,
            deploymentReplicas: deploymentReplicas,
            podCount: podCount, restoreWork: work, databases: databases, otherRestores: others
        )
    }

    /// Time passes and the cluster moves: pods go after a scale to 0 and come after a scale up; restore work finishes.
    mutating func tick() {
        now = now.addingTimeInterval(2)
        if deploymentReplicas == 0 { podCount = 0 } else if let replicas = deploymentReplicas { podCount = replicas }
        if work == .running { work = restoreFails.map { .failed($0) } ?? .succeeded }
    }

    /// Performs a step as the executor would; `persist` false simulates the operator dying before it wrote the status.
    mutating func perform(_ decision: Machine.Decision, persist: Bool = true) {
        switch decision.step {
        case .scaleDeployment(let replicas)?:
            scales.append((status.phase, replicas))
            deploymentReplicas = replicas
        case .startRestore(let plan)?:
            if work == .notStarted {
                databases.insert(plan.restoreDatabase)
                work = .running
            }
        case .verifyChain?:
            if persist { status = Machine.record(chain, in: status) }
            return
        case .renameDatabases(let list)?:
            renames.append(list)
            for rename in list {
                precondition(databases.contains(rename.from) && !databases.contains(rename.to))
                databases.remove(rename.from)
                databases.insert(rename.to)
            }
        case nil: break
        }
        if persist {
            if decision.status.phase != status.phase { phases.append(decision.status.phase) }
            status = decision.status
        }
    }

    /// Runs to a terminal phase (at most 100 reconciles); `crashAt` makes that reconcile's status write get lost.
    /// Returns whether the run got as far as `crashAt` (a later index never crashes anything).
    @discardableResult
    mutating func run(crashAt: Int? = nil) -> Bool {
        for index in 0..<100 {
            let decision = Machine.decide(observation(), now: now)
            perform(decision, persist: index != crashAt)
            if decision.step == nil, decision.requeueAfter == nil, index != crashAt { return crashAt.map { $0 < index } ?? true }
            tick()
        }
        Issue.record("restore did not settle within 100 reconciles; stuck in \(status.phase)")
        return false
    }

    /// jitsudod was never scaled above 0 while the restore was in flight.
    var neverScaledUpMidRestore: Bool {
        scales.allSatisfy { scale in scale.replicas == 0 || scale.phase == .scalingUp || scale.phase == .failed }
    }
}

@Suite struct RestoreStateMachineTests {
    @Test func aRestoreRunsEveryPhaseInOrderAndComesBackAtThePreviousReplicas() {
        var world = RestoreWorld()
        world.run()
        #expect(world.phases == [.scalingDown, .waitingForPods, .restoring, .verifying, .swapping, .scalingUp, .completed])
        #expect(world.status.phase == .completed && world.status.previousReplicas == 3 && world.deploymentReplicas == 3)
        #expect(world.status.verifiedEvents == 42)
        #expect(world.renames == [[.init(from: "jitsudo", to: "jitsudo_old_20260321100000"), .init(from: "jitsudo_restore", to: "jitsudo")]])
        #expect(world.databases == ["postgres", "jitsudo", "jitsudo_old_20260321100000"])
        #expect(world.neverScaledUpMidRestore)
    }

    @Test func aBrokenChainFailsBeforeTheSwapAndBringsTheOldDatabaseBack() {
        var world = RestoreWorld()
        world.chain = .broken(firstBrokenEvent: "evt_01HTAMPERED", reason: "hash mismatch")
        world.run()
        #expect(world.status.phase == .failed && world.status.failedPhase == .verifying)
        #expect(world.status.firstBrokenEvent == "evt_01HTAMPERED")
        #expect(world.status.message?.contains("evt_01HTAMPERED") == true)
        #expect(world.renames.isEmpty)
        #expect(world.databases.contains("jitsudo") && world.databases.contains("jitsudo_restore"))
        #expect(world.status.replicasRestored == true && world.deploymentReplicas == 3)
        #expect(world.neverScaledUpMidRestore)
    }

    @Test func withScaleUpOnFailureOffAFailedRestoreLeavesTheDaemonDown() {
        var world = RestoreWorld()
        world.chain = .broken(firstBrokenEvent: "evt_1", reason: "x")
        var spec = RestoreWorld.spec
        spec.options = .init(scaleUpOnFailure: false)
        for _ in 0..<30 {
            let o = {
                var o = world.observation()
                o.spec = spec
                return o
            }()
            let decision = RestoreStateMachine.decide(o, now: world.now)
            world.perform(decision)
            if decision.step == nil, decision.requeueAfter == nil { break }
            world.tick()
        }
        #expect(world.status.phase == .failed && world.deploymentReplicas == 0)
    }

    @Test func aSpecChangedMidRestoreStopsItAndBringsTheUntouchedDatabaseBack() {
        var world = RestoreWorld()
        for _ in 0..<20 where world.status.phase != .restoring {
            world.perform(RestoreStateMachine.decide(world.observation(), now: world.now))
            world.tick()
        }
        #expect(world.status.phase == .restoring)
        world.generation = 2
        world.run()
        #expect(world.status.phase == .failed && world.status.failedPhase == .restoring)
        #expect(world.status.message?.contains("generation 2") == true && world.status.message?.contains("create a new one") == true)
        #expect(world.renames.isEmpty && world.deploymentReplicas == 3 && world.neverScaledUpMidRestore)
    }

    @Test func aFailedRestoreJobFailsWithItsMessage() {
        var world = RestoreWorld()
        world.restoreFails = "gunzip: invalid compressed data"
        world.run()
        #expect(world.status.phase == .failed && world.status.failedPhase == .restoring)
        #expect(world.status.message?.contains("invalid compressed data") == true)
        #expect(world.renames.isEmpty && world.deploymentReplicas == 3)
    }

    /// Every reconcile of a restore is a crash point, until one past the last (counted, so none is skipped or repeated).
    @Test func anOperatorKilledAtAnyPointResumesAndFinishesTheSameWay() {
        var points = 0
        for crashAt in 0..<100 {
            var world = RestoreWorld()
            guard world.run(crashAt: crashAt) else { break }
            points += 1
            #expect(world.status.phase == .completed, "crash at reconcile \(crashAt)")
            #expect(world.deploymentReplicas == 3 && world.databases == ["postgres", "jitsudo", "jitsudo_old_20260321100000"])
            #expect(world.neverScaledUpMidRestore)
            #expect(world.renames.flatMap { $0 }.count == 2)
        }
        #expect(points >= 10, "crash points exercised: \(points)")
    }

    @Test func aTamperedChainFailsTheSameWayWhereverTheOperatorDies() {
        var points = 0
        for crashAt in 0..<100 {
            var world = RestoreWorld()
            world.chain = .broken(firstBrokenEvent: "evt_7", reason: "prev_hash mismatch")
            guard world.run(crashAt: crashAt) else { break }
            points += 1
            #expect(world.status.phase == .failed && world.renames.isEmpty && world.neverScaledUpMidRestore, "crash at reconcile \(crashAt)")
        }
        #expect(points >= 8, "crash points exercised: \(points)")
    }

    @Test func aSecondRestoreIsRefusedWhileOneIsInFlight() {
        var world = RestoreWorld()
        world.others = [.init(name: "restore-0", createdAt: world.createdAt.addingTimeInterval(-60), phase: .restoring)]
        world.deploymentReplicas = 0
        world.run()
        #expect(world.status.phase == .failed && world.status.failedPhase == .pending)
        #expect(world.status.message?.contains("restore-0") == true)
        #expect(world.scales.isEmpty && world.renames.isEmpty)
    }

    @Test func ofTwoRestoresInFlightTheYoungerStopsBeforeTheSwap() {
        var world = RestoreWorld()
        world.status.phase = .waitingForPods
        world.status.previousReplicas = 3
        world.deploymentReplicas = 0
        world.others = [.init(name: "restore-0", createdAt: world.createdAt.addingTimeInterval(-1), phase: .waitingForPods)]
        let decision = RestoreStateMachine.decide(world.observation(), now: world.now)
        #expect(decision.status.phase == .failed && decision.step == nil)
        world.perform(decision)
        // It does not scale up while the other restore holds jitsudod down.
        let after = RestoreStateMachine.decide(world.observation(), now: world.now)
        #expect(after.step == nil && after.status.replicasRestored == true)
    }

    @Test func aScaleUpDuringWaitingForPodsIsUndone() {
        var world = RestoreWorld()
        world.status.phase = .waitingForPods
        world.status.previousReplicas = 3
        world.deploymentReplicas = 2
        world.podCount = 2
        let decision = RestoreStateMachine.decide(world.observation(), now: world.now)
        #expect(decision.step == .scaleDeployment(replicas: 0) && decision.status.phase == .waitingForPods)
    }

    @Test func aHalfDoneSwapIsCompleted() {
        var world = RestoreWorld()
        world.status.phase = .swapping
        world.status.previousReplicas = 3
        world.status.oldDatabaseName = "jitsudo_old_20260321100000"
        world.deploymentReplicas = 0
        world.podCount = 0
        world.databases = ["jitsudo_old_20260321100000", "jitsudo_restore"]
        let decision = RestoreStateMachine.decide(world.observation(), now: world.now)
        #expect(decision.step == .renameDatabases([.init(from: "jitsudo_restore", to: "jitsudo")]))
        world.databases = ["jitsudo_restore"]
        let inconsistent = RestoreStateMachine.decide(world.observation(), now: world.now)
        #expect(inconsistent.status.phase == .failed && inconsistent.step == nil)
        // After the swap was touched a failure never scales the daemon up on its own.
        world.perform(inconsistent)
        #expect(RestoreStateMachine.decide(world.observation(), now: world.now).step == nil)
    }

    @Test func aRestoreThatOutlivesItsTimeoutFails() {
        var world = RestoreWorld()
        world.status.phase = .restoring
        world.status.previousReplicas = 3
        world.status.restoringSince = world.now
        world.deploymentReplicas = 0
        world.podCount = 0
        world.work = .running
        let decision = RestoreStateMachine.decide(world.observation(), now: world.now.addingTimeInterval(3601))
        #expect(decision.status.phase == .failed && decision.event?.reason == "RestoreTimedOut")
    }

    @Test func aDaemonAlreadyDownComesBackAtTheClusterReplicas() {
        var world = RestoreWorld()
        world.deploymentReplicas = 0
        world.podCount = 0
        world.run()
        #expect(world.status.previousReplicas == 2 && world.deploymentReplicas == 2 && world.status.phase == .completed)
    }

    @Test func withoutADeploymentTheRestoreCompletesAndLeavesCreationToTheDeploymentReconciler() {
        var world = RestoreWorld()
        world.deploymentReplicas = nil
        world.podCount = 0
        world.run()
        #expect(world.status.phase == .completed && world.scales.isEmpty && world.deploymentReplicas == nil)
        #expect(world.status.previousReplicas == 2)
    }

    @Test func invalidSpecsFailWithoutAStep() {
        let world = RestoreWorld()
        var o = world.observation()
        o.spec.source = .init()
        let decision = RestoreStateMachine.decide(o, now: world.now)
        #expect(decision.step == nil && decision.status.phase == .failed && decision.event?.reason == "InvalidSpec")
        o.spec = RestoreWorld.spec
        o.spec.database.restoreName = "jitsudo"
        #expect(RestoreStateMachine.decide(o, now: world.now).status.phase == .failed)
        for path in ["/etc/shadow", "../other/backup.sql.gz", "a/./b", "a//b"] {
            o.spec = RestoreWorld.spec
            o.spec.source.file?.path = path
            let refused = RestoreStateMachine.decide(o, now: world.now)
            #expect(
                refused.status.phase == .failed && refused.step == nil && refused.status.message?.contains("spec.source.file.path") == true, "\(path)"
            )
        }
        o.spec = RestoreWorld.spec
        o.spec.database.liveName = "Jitsudo; DROP DATABASE x"
        #expect(RestoreStateMachine.decide(o, now: world.now).status.message?.contains("liveName") == true)
    }
}
