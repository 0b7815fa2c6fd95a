import Foundation
public import JitsudoCore
public import JitsudoPolicy
public import JitsudoProviders
public import JitsudoStore
public import Logging
public import PostgresNIO

/// The request workflow: policy checks, the pure state machine, write-ahead audit, provider calls.
///
/// Every transition goes through `RequestRepository.transition` (row lock + audit in one transaction);
/// every refusal is audited in a transaction of its own before the caller hears about it.
public struct RequestService: Sendable {
    public let requests: RequestRepository
    public let principals: PrincipalRepository
    /// Trust tiers read recently (off unless the daemon gives it a lifetime).
    public let trustTiers: TrustTierCache
    public let audit: AuditLog
    public let revocations: RevocationQueue
    public let policies: PolicyEngine
    public let providers: [String: any CredentialProvider]
    public let vault: CredentialVault
    /// Rows for the notification outbox, written in the transaction of the event that causes them.
    public let notify: @Sendable (Notice) -> [@Sendable (PostgresConnection, Logger) async throws -> Void]
    public let logger: Logger
    /// The clock, in microseconds since the epoch (tests pass a fixed one).
    public let now: @Sendable () -> AuditTimestamp
    /// Where the decisions of this service come from when not the API (`slack`, `console`): recorded as `via` in
    /// the details of every audit event its commands write. Nil for the API.
    public private(set) var channel: String?

    public init(
        requests: RequestRepository, principals: PrincipalRepository, audit: AuditLog, revocations: RevocationQueue,
        policies: PolicyEngine, providers: [String: any CredentialProvider], vault: CredentialVault,
        notify: @escaping @Sendable (Notice) -> [@Sendable (PostgresConnection, Logger) async throws -> Void],
        logger: Logger, now: @escaping @Sendable () -> AuditTimestamp = { AuditTimestamp.now() },
        trustTiers: TrustTierCache = TrustTierCache(lifetime: .zero)
    ) {
        self.requests = requests
        self.principals = principals
        self.trustTiers = trustTiers
        self.audit = audit
        self.revocations = revocations
        self.policies = policies
        self.providers = providers
        self.vault = vault
        self.notify = notify
        self.logger = logger
        self.now = now
    }

    /// This service with its commands' audit events marked `via: channel`; the decisions are the same.
    public func via(_ channel: String) -> RequestService {
        var copy = self
        copy.channel = channel
        return copy
    }

    /// `draft` marked with this service's channel.
    func marked(_ draft: AuditDraft) -> AuditDraft {
        guard let channel else { return draft }
        return draft.marked(via: channel)
    }

    /// What a requester submits.
    public struct Submission: Sendable {
        public var provider: String
        public var role: String
        public var resourceScope: String
        public var durationSeconds: Int64
        public var reason: String
        public var breakGlass: Bool
        public var metadata: [String: String]

        public init(
            provider: String, role: String, resourceScope: String, durationSeconds: Int64, reason: String, breakGlass: Bool,
            metadata: [String: String]
        ) {
            self.provider = provider
            self.role = role
            self.resourceScope = resourceScope
            self.durationSeconds = durationSeconds
            self.reason = reason
            self.breakGlass = breakGlass
            self.metadata = metadata
        }
    }

    var nowNanos: Int64 { now().microseconds * 1_000 }

    // MARK: - Create

    /// Creates a request: input checks, the eligibility and routing verdicts, then the workflow's decision in one
    /// transaction (tier `auto` and break-glass are approved in it), then the grant where one is due.
    ///
    /// - Throws: ``WorkflowRefusal`` (audited when the policy refused), ``ProviderFailure`` when the grant failed.
    public func create(_ submission: Submission, by caller: Caller) async throws -> RequestRecord {
        do {
            try ElevationRequest.validateSubmission(
                provider: submission.provider, role: submission.role,
                durationSeconds: submission.durationSeconds, metadata: submission.metadata)
        } catch {
            throw WorkflowRefusal(.invalidArgument, error.message)
        }
        guard let provider = providers[submission.provider] else {
            let known = providers.keys.sorted().joined(separator: ", ")
            throw WorkflowRefusal(.invalidArgument, "provider: unknown provider '\(submission.provider)'; this server has: \(known)")
        }
        var generator = SystemRandomNumberGenerator()
        let stamp = now()
        let id = RequestID.generate(milliseconds: UInt64(max(0, stamp.microseconds / 1_000)), using: &generator)
        let draft = ElevationRequest(
            id: id, requesterIdentity: caller.email, provider: submission.provider, role: submission.role,
            resourceScope: submission.resourceScope, durationSeconds: submission.durationSeconds, reason: submission.reason,
            breakGlass: submission.breakGlass, metadata: submission.metadata, createdAt: stamp, updatedAt: stamp
        )
        do {
            try provider.validate(grantRequest(draft))
        } catch {
            throw WorkflowRefusal(.invalidArgument, error.message)
        }
        let tier = try await trustTier(of: caller.email)
        // `input.request.id` is "" at submission (policies.md §3): the id is not the requester's to choose.
        let input = PolicyInput(
            action: "request", userEmail: caller.email, userSubject: caller.subject, userGroups: caller.groups,
            submission: .init(
                requesterIdentity: caller.email, provider: submission.provider, role: submission.role,
                resourceScope: submission.resourceScope, durationSeconds: submission.durationSeconds, reason: submission.reason,
                breakGlass: submission.breakGlass, metadata: submission.metadata),
            trustTier: tier, requesterTrustTier: tier
        )
        let eligibility = policies.eligibility(input, now: nowNanos)
        var routing: RoutingVerdict?
        if case .allow = eligibility, !submission.breakGlass { routing = policies.routing(input, now: nowNanos) }
        if case .failed(let failure) = eligibility { logger.error("eligibility evaluation failed", metadata: ["policy.error": "\(failure)"]) }
        if case .failed(let failure) = routing { logger.error("approval routing evaluation failed", metadata: ["policy.error": "\(failure)"]) }
        switch RequestWorkflow.submit(draft, eligibility: eligibility, routing: routing) {
        case .refused(let refusal):
            if let audit = refusal.audit { try await self.audit.append(marked(audit)) }
            throw refusal
        case .unchanged:
            throw WorkflowRefusal(.invalidArgument, "nothing to create")
        case .transition(let request, let effects):
            var change = RequestRepository.Change(request: request, audit: [])
            apply(effects, to: &change)
            let created = try await requests.create(request, audit: change.audit.map(marked), extraWrites: change.extraWrites)
            logger.info("request created", metadata: ["request.id": "\(id)", "request.tier": "\(created.request.approverTier.rawValue)"])
            // A request is created without approvals (`create` writes none).
            if effects.contains(.issueGrant) {
                return try await record(try await issueGrant(created.request, actor: caller.email, from: .init(stored: created, approvals: [])))
            }
            return try await record(Executed(request: created.request, approvals: []))
        }
    }

    // MARK: - Reading

    public func get(_ id: RequestID) async throws -> RequestRecord {
        try await record(try await requests.get(id))
    }

    /// `request` with its approvals and revocation status.
    func record(_ request: ElevationRequest) async throws -> RequestRecord {
        try await records([request])[0]
    }

    /// What a decision stored: its approvals are those the transaction saw when it knew them.
    func record(_ executed: Executed) async throws -> RequestRecord {
        guard let approvals = executed.approvals else { return try await record(executed.request) }
        return try await records([executed.request], knownApprovals: [executed.request.id: approvals])[0]
    }

    /// A page of requests with their approvals and revocation status: at most two queries for the whole page, not
    /// two per request. Approvals already known (read in the transaction that produced the request) are not read
    /// again; revocation status is read only for REVOKED and EXPIRED requests, the only ones a revocation is ever
    /// queued for.
    public func records(_ page: [ElevationRequest], knownApprovals: [RequestID: [Approval]] = [:]) async throws -> [RequestRecord] {
        let unknown = page.map(\.id).filter { knownApprovals[$0] == nil }
        let approvals = try await requests.approvals(of: unknown).merging(knownApprovals) { read, _ in read }
        let ended = page.filter { $0.state == .revoked || $0.state == .expired }.map(\.id.rawValue)
        let revocations = try await revocations.statuses(of: ended)
        return page.map { request in
            RequestRecord(
                request: request, approvals: approvals[request.id] ?? [],
                revocation: revocations[request.id.rawValue].map { RequestRecord.Revocation(pending: $0.pending, lastError: $0.lastError) })
        }
    }
}

extension AuditTimestamp {
    /// The current time, truncated to microseconds.
    public static func now() -> AuditTimestamp { at(Date()) }

    /// `date`, truncated to microseconds.
    static func at(_ date: Date) -> AuditTimestamp {
        AuditTimestamp(microsecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down)))
    }
}
