import Foundation
public import JitsudoAPI
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

    public init(
        requests: RequestRepository, principals: PrincipalRepository, audit: AuditLog, revocations: RevocationQueue,
        policies: PolicyEngine, providers: [String: any CredentialProvider], vault: CredentialVault,
        notify: @escaping @Sendable (Notice) -> [@Sendable (PostgresConnection, Logger) async throws -> Void],
        logger: Logger, now: @escaping @Sendable () -> AuditTimestamp = { AuditTimestamp.now() }
    ) {
        self.requests = requests
        self.principals = principals
        self.audit = audit
        self.revocations = revocations
        self.policies = policies
        self.providers = providers
        self.vault = vault
        self.notify = notify
        self.logger = logger
        self.now = now
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

        public init(provider: String, role: String, resourceScope: String, durationSeconds: Int64, reason: String, breakGlass: Bool,
                    metadata: [String: String]) {
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

    /// Creates a request: eligibility, routing, then (tier `auto` or break-glass) approval and grant at once.
    public func create(_ submission: Submission, by caller: Caller) async throws -> WireRequest {
        do {
            try ElevationRequest.validateSubmission(provider: submission.provider, role: submission.role,
                                                    durationSeconds: submission.durationSeconds, metadata: submission.metadata)
        } catch {
            throw APIError.invalidArgument(error.message)
        }
        guard let provider = providers[submission.provider] else {
            let known = providers.keys.sorted().joined(separator: ", ")
            throw APIError.invalidArgument("provider: unknown provider '\(submission.provider)'; this server has: \(known)")
        }
        var generator = SystemRandomNumberGenerator()
        let id = RequestID.generate(milliseconds: UInt64(max(0, now().microseconds / 1_000)), using: &generator)
        do {
            try provider.validate(GrantRequest(requestID: id.rawValue, requesterIdentity: caller.email, role: submission.role,
                                               resourceScope: submission.resourceScope, durationSeconds: submission.durationSeconds,
                                               metadata: submission.metadata))
        } catch {
            throw APIError.invalidArgument(error.message)
        }
        let tier = try await principals.trustTier(of: caller.email)
        let input = PolicyInput(
            action: "request", userEmail: caller.email, userSubject: caller.subject, userGroups: caller.groups,
            submission: .init(requesterIdentity: caller.email, provider: submission.provider, role: submission.role,
                              resourceScope: submission.resourceScope, durationSeconds: submission.durationSeconds, reason: submission.reason,
                              breakGlass: submission.breakGlass, metadata: submission.metadata),
            trustTier: tier, requesterTrustTier: tier
        )
        var refusal: String?
        switch policies.eligibility(input, now: nowNanos) {
        case .failed(let failure):
            logger.error("eligibility evaluation failed", metadata: ["policy.error": "\(failure)"])
            refusal = "policy evaluation failed: \(failure)"
        case .deny(let reason):
            refusal = reason.isEmpty ? "no eligibility policy allows this request" : reason
        case .allow(let limits):
            if let limit = limits.maxDurationSeconds, limit < submission.durationSeconds {
                refusal = "duration \(GrantDuration(uncheckedSeconds: submission.durationSeconds).compact) exceeds the policy maximum of "
                    + "\(GrantDuration(uncheckedSeconds: max(limit, 0)).compact)"
            } else if submission.breakGlass, !limits.breakGlassAllowed {
                refusal = "break-glass is not allowed for this request by the eligibility policy (break_glass_allowed)"
            }
        }
        var routedTier = ApproverTier.human
        var requiredApprovals = 1
        if refusal == nil, !submission.breakGlass {
            switch policies.routing(input, now: nowNanos) {
            case .failed(let failure):
                logger.error("approval routing evaluation failed", metadata: ["policy.error": "\(failure)"])
                refusal = "policy evaluation failed: \(failure)"
            case .route(let tier, let required):
                routedTier = tier
                requiredApprovals = required
            }
        }
        if let refusal {
            try await audit.append(AuditDraft(
                actor: caller.email, action: AuditAction.requestNotEligible, provider: submission.provider,
                resourceScope: submission.resourceScope, outcome: .failure,
                details: ["role": .string(submission.role), "duration_seconds": .int(submission.durationSeconds),
                          "reason": .string(submission.reason), "break_glass": .bool(submission.breakGlass), "policy_reason": .string(refusal)]
            ))
            throw APIError.permissionDenied("not eligible: \(refusal)")
        }
        let stamp = now()
        let request = ElevationRequest(
            id: id, requesterIdentity: caller.email, provider: submission.provider, role: submission.role,
            resourceScope: submission.resourceScope, durationSeconds: submission.durationSeconds, reason: submission.reason,
            breakGlass: submission.breakGlass, metadata: submission.metadata, approverTier: routedTier,
            requiredApprovals: requiredApprovals, createdAt: stamp, updatedAt: stamp
        )
        let created = try await requests.create(request, audit: [AuditDraft(
            actor: caller.email, action: AuditAction.requestCreated, requestID: id.rawValue, provider: request.provider,
            resourceScope: request.resourceScope,
            details: ["role": .string(request.role), "duration_seconds": .int(request.durationSeconds), "reason": .string(request.reason),
                      "break_glass": .bool(request.breakGlass), "approver_tier": .string(request.approverTier.rawValue)]
        )])
        logger.info("request created", metadata: ["request.id": "\(id)", "request.tier": "\(created.approverTier.rawValue)"])
        if submission.breakGlass {
            return try await approveAutomatically(created, event: .breakGlass, actor: caller.email)
        }
        if created.approverTier == .auto {
            return try await approveAutomatically(created, event: .autoApproved, actor: caller.email)
        }
        return try await wire(created)
    }

    /// Break-glass or tier `auto`: PENDING → APPROVED in one audited step, then the grant.
    func approveAutomatically(_ request: ElevationRequest, event: RequestStateMachine.Event, actor: String) async throws -> WireRequest {
        let breakGlass = event == .breakGlass
        let approved = try await requests.transition(request.id) { locked, _ in
            var machine = RequestStateMachine(state: locked.state)
            let transition = try machine.apply(event)
            var updated = locked
            updated.state = transition.to
            updated.approverIdentity = breakGlass ? "break-glass" : "policy"
            updated.approverComment = breakGlass ? "break-glass invoked by \(actor)" : ""
            let details: AuditDetails = breakGlass ? ["comment": .string(updated.approverComment ?? ""), "break_glass": true] : ["approver_tier": "auto"]
            var change = RequestRepository.Change(
                request: updated,
                audit: [AuditDraft(actor: actor, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                                   resourceScope: locked.resourceScope, details: details)]
            )
            if breakGlass {
                change.extraWrites = notify(Notice(
                    event: "break_glass.invoked", priority: .high, title: "BREAK-GLASS: \(locked.requesterIdentity) took \(locked.role)",
                    text: "Break-glass access invoked by \(locked.requesterIdentity) for \(locked.role) on \(locked.provider) "
                        + "\(locked.resourceScope) for \(GrantDuration(uncheckedSeconds: locked.durationSeconds).compact). Reason: \(locked.reason)",
                    requestID: locked.id.rawValue,
                    fields: ["requester": locked.requesterIdentity, "provider": locked.provider, "role": locked.role,
                             "scope": locked.resourceScope, "duration": GrantDuration(uncheckedSeconds: locked.durationSeconds).compact,
                             "reason": locked.reason]
                ))
            }
            return change
        }
        return try await activate(approved, actor: actor)
    }

    // MARK: - Grant

    /// APPROVED → ACTIVE: calls the provider (outside any transaction), then records the grant; a provider
    /// failure is audited, leaves the request APPROVED and answers 502.
    func activate(_ request: ElevationRequest, actor: String) async throws -> WireRequest {
        guard let provider = providers[request.provider] else {
            throw APIError.providerError("provider \(request.provider) is not enabled on this server")
        }
        let grantRequest = GrantRequest(requestID: request.id.rawValue, requesterIdentity: request.requesterIdentity, role: request.role,
                                        resourceScope: request.resourceScope, durationSeconds: request.durationSeconds, metadata: request.metadata)
        let issued: IssuedGrant
        do {
            issued = try await provider.grant(grantRequest)
        } catch {
            _ = try await requests.transition(request.id) { locked, _ in
                var machine = RequestStateMachine(state: locked.state)
                let transition = try machine.apply(.grantFailed)
                var updated = locked
                updated.state = transition.to
                return RequestRepository.Change(request: updated, audit: [AuditDraft(
                    actor: actor, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                    resourceScope: locked.resourceScope, outcome: .failure, details: ["error": .string(error.message)]
                )])
            }
            logger.warning("grant failed at provider", metadata: ["request.id": "\(request.id)", "provider": "\(request.provider)"])
            throw APIError.providerError("provider \(request.provider) failed to issue the grant: \(error.message); approve again to retry")
        }
        let sealed = try vault.seal(issued.credentials)
        let issuedAt = now()
        let expiresAt = AuditTimestamp(microsecondsSinceEpoch: issuedAt.microseconds + issued.durationSeconds * 1_000_000)
        let active = try await requests.transition(request.id) { locked, _ in
            var machine = RequestStateMachine(state: locked.state)
            let transition = try machine.apply(.grantIssued)
            var updated = locked
            updated.state = transition.to
            updated.issuedAt = issuedAt
            updated.expiresAt = expiresAt
            updated.revokeToken = issued.revokeToken
            var change = RequestRepository.Change(
                request: updated,
                audit: [AuditDraft(actor: actor, action: transition.auditAction, requestID: locked.id.rawValue, provider: locked.provider,
                                   resourceScope: locked.resourceScope,
                                   details: ["issued_at": .string(issuedAt.canonicalText), "expires_at": .string(expiresAt.canonicalText)])],
                credentialsJSON: sealed
            )
            change.extraWrites = notify(Notice(
                event: AuditAction.grantIssued, title: "Access granted: \(locked.role)",
                text: "\(locked.requesterIdentity) now holds \(locked.role) on \(locked.provider) \(locked.resourceScope) until \(expiresAt.canonicalText)",
                requestID: locked.id.rawValue, fields: ["requester": locked.requesterIdentity, "role": locked.role, "expires_at": expiresAt.canonicalText]
            ))
            return change
        }
        logger.info("grant issued", metadata: ["request.id": "\(request.id)", "provider": "\(request.provider)"])
        return try await wire(active)
    }

    // MARK: - Reading

    public func get(_ id: RequestID) async throws -> WireRequest {
        try await wire(try await requests.get(id))
    }

    /// The API shape of `request`, with approvals and revocation status.
    func wire(_ request: ElevationRequest) async throws -> WireRequest {
        try await wire([request])[0]
    }

    /// The API shapes of a page of requests: two queries for the whole page, not two per request.
    func wire(_ page: [ElevationRequest]) async throws -> [WireRequest] {
        let approvals = try await requests.approvals(of: page.map(\.id))
        let revocations = try await revocations.statuses(of: page.map(\.id.rawValue))
        return page.map { request in
            let revocation = revocations[request.id.rawValue]
            return WireRequest(
                request,
                approvals: (approvals[request.id] ?? []).map {
                    WireApproval(approverIdentity: $0.approverIdentity, comment: $0.comment, createdAt: $0.createdAt.canonicalText)
                },
                revocationPending: revocation?.pending ?? false, revocationError: revocation?.lastError ?? ""
            )
        }
    }
}

extension AuditTimestamp {
    /// The current time, truncated to microseconds.
    public static func now() -> AuditTimestamp {
        AuditTimestamp(microsecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded(.down)))
    }
}
