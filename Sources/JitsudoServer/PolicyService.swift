import Foundation
public import JitsudoCore
public import JitsudoPolicy
public import JitsudoStore
public import Logging
import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// Keeps the policy engine in step with the `policies` table: loads at start, reloads on every
/// `NOTIFY jitsudo_policies` (so every replica follows within a second, including an operator's direct
/// `UPDATE policies …`), and re-syncs periodically as a safety net. A set that fails to compile keeps the
/// last good one loaded and makes the replica report not-ready.
public final class PolicyService: Service, Sendable {
    public let repository: PolicyRepository
    public let engine: PolicyEngine
    /// The replica's change feed, followed on `jitsudo_policies`.
    let changes: ChangeFeed
    let syncInterval: Duration
    /// Paces the periodic re-sync.
    let clock: AnyClock
    let logger: Logger
    private let lastError = Mutex<String?>(nil)
    /// Reloads started and the newest one installed: reloads overlap (startup, NOTIFY, an apply on this replica,
    /// the periodic sync), and one that read the table earlier must never install over one that read it later.
    private let generations = Mutex<(started: Int, installed: Int)>((0, 0))

    public init(
        repository: PolicyRepository, engine: PolicyEngine, changes: ChangeFeed, syncInterval: Duration, clock: AnyClock = .continuous,
        logger: Logger
    ) {
        self.repository = repository
        self.engine = engine
        self.changes = changes
        self.syncInterval = syncInterval
        self.clock = clock
        self.logger = logger
    }

    /// The compile check every policy write runs on the resulting set before it commits.
    public var validator: PolicyRepository.Validator {
        { type, policies in _ = try PolicyEngine.compile(type, policies) }
    }

    /// Loads the enabled policies of both types and installs them; returns how many are loaded.
    @discardableResult
    public func reload() async throws -> Int {
        let ticket = generations.withLock {
            $0.started += 1
            return $0.started
        }
        do {
            let eligibility = try PolicyEngine.compile(.eligibility, try await repository.enabled(.eligibility))
            let approval = try PolicyEngine.compile(.approval, try await repository.enabled(.approval))
            generations.withLock { generation in
                // A newer reload already installed what the table held after this one's reads began.
                guard ticket > generation.installed else { return }
                engine.install([eligibility, approval])
                generation.installed = ticket
            }
            lastError.withLock { $0 = nil }
            logger.debug("policies loaded", metadata: ["policies.loaded": "\(engine.policiesLoaded)"])
            return engine.policiesLoaded
        } catch let error as PolicyCompileError {
            lastError.withLock { $0 = error.description }
            logger.error("policy reload failed; keeping the last good set", metadata: ["error": "\(error.description)"])
            throw error
        }
    }

    /// Why the replica is not ready as far as policies go, or nil.
    public var problem: String? {
        if let error = lastError.withLock({ $0 }) { return "policy set does not compile: \(error)" }
        return engine.isLoaded ? nil : "policies not loaded yet"
    }

    /// Listens for change notifications and re-syncs periodically until cancelled.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.listenForChanges() }
            group.addTask {
                while !Task.isCancelled {
                    try? await self.clock.sleep(for: self.syncInterval)
                    if Task.isCancelled { break }
                    await self.reloadKeepingTheLastGoodSet()
                }
            }
            try await gracefulShutdown()
            group.cancelAll()
        }
    }

    /// ``reload()`` for the background loops, whose next turn is the retry: a failure keeps the last good set. A
    /// compile error is logged and recorded as the readiness problem by `reload()`; a failed read is logged here.
    func reloadKeepingTheLastGoodSet() async {
        do {
            _ = try await reload()
        } catch is PolicyCompileError {
            return
        } catch {
            guard !Task.isCancelled else { return }
            logger.warning(
                "policy reload could not read the policies; keeping the last good set", metadata: ["error": "\(Database.describe(error))"])
        }
    }

    /// Reloads on every `NOTIFY jitsudo_policies`, and whenever the change feed (re)connects; notifications that come
    /// during a reload coalesce into one more.
    func listenForChanges() async {
        await changes.waking(on: "jitsudo_policies") { wake in
            while !Task.isCancelled {
                await wake.wait()
                guard !Task.isCancelled else { return }
                await self.reloadKeepingTheLastGoodSet()
            }
        }
    }
}
