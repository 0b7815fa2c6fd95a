import JitsudoServer
import Testing

/// The leader election fed event sequences: no database, no clock.
@Suite struct LeaderStateMachineTests {
    typealias Machine = LeaderStateMachine

    static func machine() -> Machine {
        var configuration = Machine.Configuration()
        configuration.leaseTTLMilliseconds = 5_000
        configuration.pollInterval = .milliseconds(250)
        configuration.heartbeatInterval = .seconds(1)
        return Machine(configuration: configuration)
    }

    /// Feeds `events` in order and returns every action.
    static func feed(_ machine: inout Machine, _ events: [Machine.Event]) -> [Machine.Action] {
        events.flatMap { machine.handle($0) }
    }

    @Test func aReplicaConnectsWinsTheLockAndStartsLeaderWorkOnceUnderItsEpoch() {
        var machine = Self.machine()
        #expect(machine.start() == [.openConnection(after: .zero)])
        #expect(machine.handle(.connected) == [.tryLock(after: .zero)])
        let won = machine.handle(.lockWon(epoch: 7))
        #expect(won == [.note(.acquired(epoch: 7)), .startLeaderWork(epoch: 7), .heartbeat(after: .zero)])
        #expect(machine.leaderEpoch == 7)
        #expect(machine.handle(.heartbeat(stillLeader: true)) == [.heartbeat(after: .seconds(1))])
        // A second "won" while leading changes nothing: leader work never starts twice.
        #expect(machine.handle(.lockWon(epoch: 8)) == [])
        #expect(machine.leaderEpoch == 7)
    }

    @Test func aStandbyFollowsTheLeaderLogsEachNewEpochOnceAndPollsForTheLock() {
        var machine = Self.machine()
        _ = Self.feed(&machine, [.connected])
        let first = machine.handle(.lockHeld(holder: "r2", epoch: 3, heartbeatAgeMilliseconds: 200))
        #expect(first == [.note(.following(holder: "r2", epoch: 3)), .tryLock(after: .milliseconds(250))])
        #expect(machine.handle(.lockHeld(holder: "r2", epoch: 3, heartbeatAgeMilliseconds: 400)) == [.tryLock(after: .milliseconds(250))])
        #expect(machine.handle(.lockHeld(holder: "r3", epoch: 4, heartbeatAgeMilliseconds: 0)).first == .note(.following(holder: "r3", epoch: 4)))
        #expect(machine.leaderEpoch == nil)
    }

    @Test func aHolderWhoseHeartbeatOutlivedTheLeaseIsEndedThenTheLockIsTriedAtOnce() {
        var machine = Self.machine()
        _ = Self.feed(&machine, [.connected])
        let stale = machine.handle(.lockHeld(holder: "r1", epoch: 2, heartbeatAgeMilliseconds: 5_001))
        #expect(stale.suffix(2) == [.note(.staleHolder(holder: "r1", heartbeatAgeMilliseconds: 5_001)), .endStaleHolder])
        #expect(machine.handle(.staleHolderEnded(true)) == [.tryLock(after: .zero)])
        // At exactly the lease the holder is not stale yet.
        #expect(!machine.handle(.lockHeld(holder: "r1", epoch: 2, heartbeatAgeMilliseconds: 5_000)).contains(.endStaleHolder))
    }

    @Test func aFailedHeartbeatClosesTheConnectionStopsLeaderWorkThenCampaignsAgain() {
        var machine = Self.machine()
        _ = Self.feed(&machine, [.connected, .lockWon(epoch: 5)])
        #expect(machine.handle(.heartbeat(stillLeader: false)) == [.note(.lost(epoch: 5)), .closeConnection, .stopLeaderWork])
        #expect(machine.leaderEpoch == nil)
        #expect(machine.state == .steppingDown(epoch: 5, handOver: false))
        // Late heartbeats of the old epoch change nothing.
        #expect(machine.handle(.heartbeat(stillLeader: true)) == [])
        #expect(machine.handle(.leaderWorkStopped) == [.openConnection(after: .zero)])
        #expect(machine.state == .standby)
    }

    @Test func shutdownWhileLeadingStopsWorkThenReleasesTheLockSoAStandbyTakesOverAtOnce() {
        var machine = Self.machine()
        _ = Self.feed(&machine, [.connected, .lockWon(epoch: 9)])
        #expect(machine.handle(.shutdown) == [.stopLeaderWork])
        #expect(machine.handle(.leaderWorkStopped) == [.releaseLock, .note(.handedOver(epoch: 9)), .closeConnection])
        #expect(machine.state == .stopped)
        #expect(machine.handle(.connected) == [] && machine.handle(.lockWon(epoch: 10)) == [])
    }

    @Test func shutdownWhileSteppingDownAfterALossStopsWithoutReleasingAClosedConnection() {
        var machine = Self.machine()
        _ = Self.feed(&machine, [.connected, .lockWon(epoch: 9), .heartbeat(stillLeader: false)])
        #expect(machine.handle(.shutdown) == [])
        #expect(machine.handle(.leaderWorkStopped) == [])
        #expect(machine.state == .stopped)
    }

    @Test func connectionFailuresBackOffExponentiallyUpToTheMaximumAndResetOnSuccess() {
        var machine = Self.machine()
        let waits = (0..<6).map { _ in machine.handle(.connectFailed) }
        #expect(waits == [100, 200, 400, 800, 1600, 2000].map { [.openConnection(after: .milliseconds($0))] })
        _ = machine.handle(.connected)
        #expect(machine.handle(.campaignFailed) == [.closeConnection, .openConnection(after: .seconds(1))])
        #expect(machine.handle(.connectFailed) == [.openConnection(after: .milliseconds(100))])
    }

    @Test func shutdownWhileCampaigningClosesTheConnectionAndStops() {
        var machine = Self.machine()
        _ = Self.feed(&machine, [.connected])
        #expect(machine.handle(.shutdown) == [.closeConnection])
        #expect(machine.state == .stopped)
        var standby = Self.machine()
        #expect(standby.handle(.shutdown) == [] && standby.state == .stopped)
    }
}
