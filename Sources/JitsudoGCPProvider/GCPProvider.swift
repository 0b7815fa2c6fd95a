public import Foundation
public import GoogleCloudClient
import JitsudoCore
public import JitsudoProviders
public import Logging
import Metrics
import Synchronization

/// The `gcp` provider. In `binding` mode a grant is a binding of the role to the requester on the resource's IAM
/// policy, conditioned on `request.time < timestamp('<end>')` so Google ends the access at the grant's end by itself;
/// revoke removes exactly that binding. Every policy change is a read-modify-write that sends the etag back and
/// repeats the whole cycle when a concurrent writer made it stale (409 ABORTED). In `impersonate` mode a grant is a
/// short-lived access token of the service account the role maps to, re-issued on demand within the grant's window.
public struct GCPProvider: CredentialProvider {
    public let name = "gcp"
    public let configuration: Configuration
    public let client: GoogleCloudClient
    /// Counts kept for tests and benchmarks (the same figures go to metrics).
    public let statistics = Statistics()
    let logger: Logger
    /// The current time (a parameter so tests can move it).
    let now: @Sendable () -> Date

    /// Counters of one provider instance.
    public final class Statistics: Sendable {
        private let state = Mutex<(etagRetries: Int, policyWrites: Int, resources: Set<String>)>((0, 0, []))
        /// Read-modify-write cycles repeated because the etag was stale.
        public var etagRetries: Int { state.withLock { $0.etagRetries } }
        /// Successful `setIamPolicy` calls.
        public var policyWrites: Int { state.withLock { $0.policyWrites } }
        /// Resources this instance has written to (drift cleanup looks there too).
        public var resources: Set<String> { state.withLock { $0.resources } }

        func recordRetry() { state.withLock { $0.etagRetries += 1 } }
        func recordWrite(_ resource: String) {
            state.withLock {
                $0.policyWrites += 1
                $0.resources.insert(resource)
            }
        }
    }

    public init(configuration: Configuration, client: GoogleCloudClient, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.now = now
    }

    public var summary: String {
        switch configuration.mode {
        case .binding:
            "gcp provider (conditional IAM bindings; roles \(configuration.allowedRoles.sorted().joined(separator: ", ")))"
        case .impersonate:
            "gcp provider (service-account impersonation; roles \(configuration.serviceAccounts.keys.sorted().joined(separator: ", ")))"
        }
    }

    public func validate(_ request: GrantRequest) throws(ProviderError) {
        _ = try checkedResource(request)
        switch configuration.mode {
        case .binding:
            guard !configuration.allowedRoles.isEmpty else {
                throw ProviderError(.invalidRequest, "the gcp provider allows no roles: set providers.gcp.allowed_roles")
            }
            guard configuration.allowedRoles.contains(request.role) else {
                throw ProviderError(
                    .invalidRequest,
                    "role '\(request.role.prefix(100))' is not allowed for gcp; allowed: "
                        + configuration.allowedRoles.sorted().joined(separator: ", "))
            }
        case .impersonate:
            guard configuration.serviceAccounts[request.role] != nil else {
                throw ProviderError(
                    .invalidRequest,
                    "role '\(request.role.prefix(100))' maps to no service account; allowed: "
                        + configuration.serviceAccounts.keys.sorted().joined(separator: ", "))
            }
        }
        guard Self.isPlainIdentity(request.requesterIdentity) else {
            throw ProviderError(.invalidRequest, "the requester identity must be an e-mail address without spaces or quotes")
        }
        guard request.durationSeconds > 0 else { throw ProviderError(.invalidRequest, "duration_seconds must be positive") }
    }

    public func grant(_ request: GrantRequest) async throws(ProviderError) -> IssuedGrant {
        try validate(request)
        let resource = try checkedResource(request)
        let duration = min(request.durationSeconds, configuration.maximumDurationSeconds)
        switch configuration.mode {
        case .binding:
            let condition = condition(for: request, end: now().addingTimeInterval(TimeInterval(duration)))
            let member = member(for: request.requesterIdentity)
            try await updatePolicy(of: resource, doing: "grant") { policy, now throws(ProviderError) in
                let pruned = policy.revoking(titles: policy.expiredTitles(prefix: configuration.conditionTitlePrefix, now: now)) ?? policy
                guard let granted = pruned.granting(role: request.role, member: member, condition: condition) else {
                    return pruned == policy ? nil : pruned
                }
                guard granted.memberCount <= IAMPolicy.maximumMembers else {
                    throw ProviderError(.refused, "the IAM policy of \(resource) would exceed Google's limit of 1,500 principals")
                }
                return granted
            }
            logger.info(
                "gcp binding granted",
                metadata: [
                    "request.id": "\(request.requestID)", "gcp.resource": "\(resource)", "gcp.role": "\(request.role)",
                ])
            return IssuedGrant(credentials: baseCredentials(resource), durationSeconds: duration, revokeToken: "binding:\(resource.name)")
        case .impersonate:
            let credentials = try await impersonationCredentials(request, resource: resource, secondsLeft: duration)
            return IssuedGrant(credentials: credentials, durationSeconds: duration, revokeToken: "impersonate:\(resource.name)")
        }
    }

    public func revoke(requestID: String, revokeToken: String?) async throws(ProviderError) {
        let title = GrantCondition.title(prefix: configuration.conditionTitlePrefix, requestID: requestID)
        let resources: [String]
        switch revokeToken?.split(separator: ":", maxSplits: 1).map(String.init) {
        case let parts? where parts.count == 2 && parts[0] == "binding":
            resources = [parts[1]]
        case let parts? where parts.count == 2 && parts[0] == "impersonate":
            // An issued access token cannot be recalled; it was never issued for longer than the grant's window.
            return
        default:
            // A lost token: look wherever this installation may have written.
            resources = (configuration.allowedResources.union(statistics.resources)).sorted()
        }
        for name in resources {
            guard let resource = try? GCPResource(scope: name) else { continue }
            try await updatePolicy(of: resource, doing: "revoke") { policy, _ throws(ProviderError) in policy.revoking(titles: [title]) }
        }
        logger.info("gcp binding revoked", metadata: ["request.id": "\(requestID)"])
    }

    public func extend(_ request: GrantRequest, revokeToken: String?) async throws(ProviderError) -> IssuedGrant? {
        try validate(request)
        let resource = try checkedResource(request)
        guard configuration.mode == .binding else { return nil }
        let end =
            request.notAfter.map { Date(timeIntervalSince1970: TimeInterval($0.microseconds) / 1_000_000) }
            ?? now().addingTimeInterval(TimeInterval(min(request.durationSeconds, configuration.maximumDurationSeconds)))
        let condition = condition(for: request, end: end)
        let member = member(for: request.requesterIdentity)
        try await updatePolicy(of: resource, doing: "extend") { policy, _ throws(ProviderError) in
            // A binding removed out of band is written again: the grant is ACTIVE until its new end.
            policy.extending(condition) ?? policy.granting(role: request.role, member: member, condition: condition)
        }
        return nil
    }

    public func refreshCredentials(_ request: GrantRequest, current: [String: String]) async throws(ProviderError) -> [String: String]? {
        guard configuration.mode == .impersonate else { return nil }
        let resource = try checkedResource(request)
        return try await impersonationCredentials(request, resource: resource, secondsLeft: request.durationSeconds)
    }

    /// `GOOGLE_CLOUD_PROJECT` (for a project) and `JITSUDO_GCP_RESOURCE`.
    func baseCredentials(_ resource: GCPResource) -> [String: String] {
        var credentials = ["JITSUDO_GCP_RESOURCE": resource.name]
        if resource.kind == .project { credentials["GOOGLE_CLOUD_PROJECT"] = resource.id }
        return credentials
    }

    /// A token of the role's service account lasting `min(token_lifetime, secondsLeft)`, so it never outlives the grant.
    func impersonationCredentials(_ request: GrantRequest, resource: GCPResource, secondsLeft: Int64) async throws(ProviderError)
        -> [String: String]
    {
        guard let serviceAccount = configuration.serviceAccounts[request.role] else {
            throw ProviderError(.invalidRequest, "role '\(request.role.prefix(100))' maps to no service account")
        }
        let lifetime = min(configuration.tokenLifetimeSeconds, secondsLeft)
        guard lifetime >= 1 else { throw ProviderError(.refused, "the grant has ended; request access again") }
        let token: AccessToken
        do {
            token = try await client.generateAccessToken(
                serviceAccount: serviceAccount, scopes: configuration.tokenScopes,
                lifetimeSeconds: Int(lifetime))
        } catch {
            throw Self.providerError(error, doing: "generateAccessToken for \(serviceAccount)")
        }
        logger.info(
            "gcp access token issued",
            metadata: [
                "request.id": "\(request.requestID)", "gcp.service_account": "\(serviceAccount)", "gcp.lifetime_seconds": "\(lifetime)",
            ])
        var credentials = baseCredentials(resource)
        credentials["CLOUDSDK_AUTH_ACCESS_TOKEN"] = token.value
        credentials["GOOGLE_OAUTH_ACCESS_TOKEN"] = token.value
        credentials[Self.tokenExpiryVariable] = GrantCondition.timestamp(token.expiresAt)
        credentials["JITSUDO_GCP_SERVICE_ACCOUNT"] = serviceAccount
        return credentials
    }

    /// The variable carrying an impersonation token's end (RFC 3339, UTC).
    public static let tokenExpiryVariable = "JITSUDO_GCP_ACCESS_TOKEN_EXPIRES_AT"

    func condition(for request: GrantRequest, end: Date) -> GrantCondition {
        GrantCondition(
            prefix: configuration.conditionTitlePrefix, requestID: request.requestID, notAfter: end,
            requester: request.requesterIdentity)
    }

    /// The principal for `identity` per ``Configuration/memberTemplate``.
    public func member(for identity: String) -> String { configuration.memberTemplate.replacingOccurrences(of: "{identity}", with: identity) }

    func checkedResource(_ request: GrantRequest) throws(ProviderError) -> GCPResource {
        let resource: GCPResource
        do { resource = try GCPResource(scope: request.resourceScope) } catch { throw ProviderError(.invalidRequest, error.message) }
        if !configuration.allowedResources.isEmpty, !configuration.allowedResources.contains(resource.name) {
            throw ProviderError(
                .invalidRequest,
                "resource '\(resource)' is not allowed for gcp; allowed: "
                    + configuration.allowedResources.sorted().joined(separator: ", "))
        }
        return resource
    }

    /// An e-mail-like identity that can be placed in a member string as is.
    static func isPlainIdentity(_ identity: String) -> Bool {
        (3...254).contains(identity.count) && identity.contains("@")
            && identity.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !"\"'`,;:\\{}<>".unicodeScalars.contains($0) }
    }
}
