import Foundation
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
    @Test func whenTheLeaderDiesWithoutReleasingTheOtherTakesOverWithinTheLeaseDuration() async throws {
        try await TestEnvironment.withNamespace("lease") { client, namespace in
            func contender(_ identity: String) -> LeaderElection {
                var configuration = LeaderElection.Configuration(namespace: namespace, name: "operator", identity: identity)
                configuration.leaseDuration = .seconds(5)
                configuration.renewDeadline = .seconds(4)
                configuration.retryPeriod = .milliseconds(500)
                configuration.releaseOnCancel = false  // a crash: nothing is released
                return LeaderElection(client: client, configuration: configuration)
            }
            let leading = Locked<[String]>([])
            let first = contender("a"), second = contender("b")
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
            // b must not take a lease that a keeps renewing.
            try await Task.sleep(for: .seconds(6))
            #expect(leading.withLock { $0 } == ["a"])
            let before = try await client.get(Lease.self, name: "operator", namespace: namespace)
            #expect(before.spec?.holderIdentity == "a")
            firstTask.cancel()
            _ = await firstTask.result
            let killedAt = ContinuousClock.now
            try await TestEnvironment.eventually("b takes over", timeout: .seconds(15)) { leading.withLock { $0 } == ["a", "b"] }
            let tookOverAfter = ContinuousClock.now - killedAt
            // Within the lease duration after a's last renewal, plus b's retry period and slack for a loaded machine.
            #expect(tookOverAfter < .seconds(5) + .milliseconds(500) + .seconds(3))
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
