public import Foundation
import Logging
import Synchronization

/// Lease-based leader election, as client-go does it: the holder renews `coordination.k8s.io/v1` Lease `name`
/// every ``Configuration/retryPeriod``; others take it over once it has not changed for
/// ``Configuration/leaseDuration`` (measured on their own clock, so skew between machines does not matter) and
/// increase `leaseTransitions`. Every write carries the lease's resourceVersion, so two contenders never both win.
///
/// Time: the clock given at creation measures the lease and paces the rounds (a test passes a manual clock to make a
/// lease run out without waiting for it); `now` stamps the times written into the Lease.
public final class LeaderElection: Sendable {
    public struct Configuration: Sendable {
        public var namespace: String
        public var name: String
        /// This contender's identity (pod name, host-pid).
        public var identity: String
        public var leaseDuration: Duration = .seconds(15)
        /// The leader steps down when it could not renew for this long (less than ``leaseDuration``).
        public var renewDeadline: Duration = .seconds(10)
        public var retryPeriod: Duration = .seconds(2)
        /// Clears the holder when ``LeaderElection/run(whileLeading:)`` is cancelled, so a successor need not wait.
        public var releaseOnCancel = true

        public init(namespace: String, name: String, identity: String) {
            self.namespace = namespace
            self.name = name
            self.identity = identity
        }
    }

    private struct Observation {
        var spec: Lease.Spec?
        var resourceVersion: String?
        /// When this contender last saw the lease change (its own clock, as time since the election was made).
        var observedAt: Duration
    }

    public let client: KubernetesClient
    public let configuration: Configuration
    private let observation = Mutex<Observation?>(nil)
    private let roundsDone = Mutex(0)
    /// The clock's reading, as time since the election was made.
    private let elapsed: @Sendable () -> Duration
    private let pause: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date

    public init(
        client: KubernetesClient, configuration: Configuration, clock: some Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.configuration = configuration
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        pause = { try await clock.sleep(for: $0) }
        self.now = now
    }

    /// How many rounds (``tryAcquireOrRenew()`` calls) have finished, won or not: lets a test see that a contender
    /// looked at the lease again.
    public var rounds: Int { roundsDone.withLock { $0 } }

    /// One round: takes the lease if it is free or expired, renews it if held. Returns true when this contender
    /// holds the lease afterwards. A lost write race (409) is false, not an error.
    public func tryAcquireOrRenew() async throws -> Bool {
        defer { roundsDone.withLock { $0 += 1 } }
        let now = self.now()
        let seconds = Int32(configuration.leaseDuration.components.seconds)
        let current: Lease
        do {
            current = try await client.get(Lease.self, name: configuration.name, namespace: configuration.namespace)
        } catch let error as KubernetesError where error.code == .notFound {
            let lease = Lease(
                metadata: ObjectMeta(name: configuration.name, namespace: configuration.namespace),
                spec: .init(
                    holderIdentity: configuration.identity, leaseDurationSeconds: seconds, acquireTime: now, renewTime: now,
                    leaseTransitions: 0)
            )
            do {
                let created = try await client.create(lease)
                record(created)
                return true
            } catch let error as KubernetesError where error.code == .alreadyExists || error.code == .conflict {
                return false
            }
        }
        record(current)
        let spec = current.spec ?? Lease.Spec()
        let holder = spec.holderIdentity ?? ""
        let heldByMe = holder == configuration.identity
        if !heldByMe, !holder.isEmpty {
            let observedAt = observation.withLock { $0?.observedAt } ?? elapsed()
            let duration = spec.leaseDurationSeconds.map { Duration.seconds(Int64($0)) } ?? configuration.leaseDuration
            if elapsed() < observedAt + duration { return false }
        }
        var next = current
        var nextSpec = spec
        nextSpec.holderIdentity = configuration.identity
        nextSpec.leaseDurationSeconds = seconds
        nextSpec.renewTime = now
        if !heldByMe {
            nextSpec.acquireTime = now
            nextSpec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1
        }
        next.spec = nextSpec
        do {
            let updated = try await client.update(next)
            record(updated)
            return true
        } catch let error as KubernetesError where error.code == .conflict {
            return false
        }
    }

    /// Gives the lease up if held: clears the holder so another contender can take it at once.
    public func release() async throws {
        let current = try await client.get(Lease.self, name: configuration.name, namespace: configuration.namespace)
        guard current.spec?.holderIdentity == configuration.identity else { return }
        var next = current
        next.spec?.holderIdentity = nil
        next.spec?.leaseDurationSeconds = 1
        next.spec?.renewTime = now()
        _ = try await client.update(next)
    }

    /// Campaigns until elected, then runs `whileLeading` while renewing. When renewal fails for
    /// ``Configuration/renewDeadline`` the leading work is cancelled and the campaign starts again. Returns (after
    /// releasing, if configured) when cancelled.
    public func run(whileLeading: @escaping @Sendable () async throws -> Void) async throws {
        while !Task.isCancelled {
            do {
                if try await tryAcquireOrRenew() {
                    client.logger.debug("lease acquired", metadata: ["lease": "\(configuration.namespace)/\(configuration.name)"])
                    try await lead(whileLeading)
                }
            } catch is CancellationError {
                break
            } catch {
                client.logger.debug("leader election round failed", metadata: ["error": "\(error)"])
            }
            if Task.isCancelled { break }
            try? await pause(configuration.retryPeriod)
        }
        if configuration.releaseOnCancel {
            try? await release()
        }
    }

    /// Runs `work` and the renew loop together; returns when the lease is lost (work cancelled).
    private func lead(_ work: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await work()
                return true
            }
            group.addTask {
                var lastRenewal = self.elapsed()
                while true {
                    try await self.pause(self.configuration.retryPeriod)
                    if (try? await self.tryAcquireOrRenew()) == true {
                        lastRenewal = self.elapsed()
                    } else if self.elapsed() - lastRenewal >= self.configuration.renewDeadline {
                        return false
                    }
                }
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func record(_ lease: Lease) {
        observation.withLock { observation in
            if observation?.spec != lease.spec || observation?.resourceVersion == nil {
                observation = Observation(spec: lease.spec, resourceVersion: lease.metadata.resourceVersion, observedAt: elapsed())
            } else {
                observation?.resourceVersion = lease.metadata.resourceVersion
            }
        }
    }
}
