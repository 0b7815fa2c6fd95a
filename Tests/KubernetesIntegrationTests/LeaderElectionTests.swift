import Foundation
import JitsudoTesting
import KubernetesClient
import Synchronization
import Testing

/// A value shared with escaping closures.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

@Suite struct LeaderElectionTests {
    @Test func whenTheLeaderDiesWithoutReleasingTheOtherTakesOverOnceTheLeaseRanOutOnItsClock() async throws {
        try await TestEnvironment.withNamespace("lease") { client, namespace in
            func configuration(_ identity: String) -> LeaderElection.Configuration {
                var configuration = LeaderElection.Configuration(namespace: namespace, name: "operator", identity: identity)
                configuration.leaseDuration = .seconds(5)
                configuration.renewDeadline = .seconds(4)
                configuration.retryPeriod = .milliseconds(500)
                configuration.releaseOnCancel = false  // a crash: nothing is released
                return configuration
            }
            // a renews in real time; b's clock moves only when the test moves it, so each of b's rounds is one
            // advance, and "the lease ran out" is a statement about b's clock, not about how long the test waited.
            let bClock = ManualClock()
            let first = LeaderElection(client: client, configuration: configuration("a"))
            let second = LeaderElection(client: client, configuration: configuration("b"), clock: bClock)
            let leading = Locked<[String]>([])
            let firstTask = Task {
                try await first.run {
                    leading.withLock { $0.append("a") }
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            try await TestEnvironment.eventually("a leads") { leading.withLock { $0 } == ["a"] }
            let secondTask = Task {
                try await second.run {
                    leading.withLock { $0.append("b") }
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            /// Moves b's clock by `duration` and waits until b did the round that woke and sleeps again.
            func bRound(after duration: Duration) async throws {
                let rounds = second.rounds
                bClock.advance(by: duration)
                try await TestEnvironment.eventually("b looked at the lease again") { second.rounds > rounds && bClock.sleeping == 1 }
            }
            try await TestEnvironment.eventually("b made its first round") { second.rounds == 1 && bClock.sleeping == 1 }
            // b must not take a lease that a keeps renewing, even when b's clock passed the lease duration.
            let seen = try await client.get(Lease.self, name: "operator", namespace: namespace).spec?.renewTime
            try await TestEnvironment.eventually("a renews after b looked") {
                try await client.get(Lease.self, name: "operator", namespace: namespace).spec?.renewTime != seen
            }
            try await bRound(after: .seconds(6))
            #expect(leading.withLock { $0 } == ["a"])
            let before = try await client.get(Lease.self, name: "operator", namespace: namespace)
            #expect(before.spec?.holderIdentity == "a")

            firstTask.cancel()
            _ = await firstTask.result
            // b sees a's last renewal at the latest in this round; the lease runs out 5 s of b's clock after that.
            try await bRound(after: .milliseconds(500))
            try await bRound(after: .seconds(4))
            #expect(leading.withLock { $0 } == ["a"], "b waits while the lease may still be a's")
            bClock.advance(by: .seconds(1))
            try await TestEnvironment.eventually("b takes over") { leading.withLock { $0 } == ["a", "b"] }
            let after = try await client.get(Lease.self, name: "operator", namespace: namespace)
            #expect(after.spec?.holderIdentity == "b")
            #expect((after.spec?.leaseTransitions ?? 0) == (before.spec?.leaseTransitions ?? 0) + 1)
            secondTask.cancel()
            _ = await secondTask.result
        }
    }

    @Test func releasingLetsTheNextContenderAcquireAtOnce() async throws {
        try await TestEnvironment.withNamespace("release") { client, namespace in
            let a = LeaderElection(client: client, configuration: .init(namespace: namespace, name: "l", identity: "a"))
            let b = LeaderElection(client: client, configuration: .init(namespace: namespace, name: "l", identity: "b"))
            #expect(try await a.tryAcquireOrRenew())
            #expect(try await b.tryAcquireOrRenew() == false)
            #expect(try await a.tryAcquireOrRenew())
            try await a.release()
            #expect(try await b.tryAcquireOrRenew())
            let lease = try await client.get(Lease.self, name: "l", namespace: namespace)
            #expect(lease.spec?.holderIdentity == "b")
            #expect(lease.spec?.leaseTransitions == 1)
        }
    }
}
