public import AWSSigV4
public import Foundation
public import JitsudoProviders
public import Logging
import Metrics

/// The `aws` provider. Mode `assume_role`: a grant is an STS session on the target role (`RoleSessionName` and
/// `SourceIdentity` from the requester, transitive session tag `jitsudo-request-id`), re-issued within the grant's
/// window on demand; revoke writes the request id into the role's ``RevocationPolicy``, which denies that grant's
/// sessions and no others. Mode `identity_center`: a grant is an account assignment of a permission set.
public struct AWSProvider: CredentialProvider {
    public let name = "aws"
    public let configuration: Configuration
    /// Signs with jitsudod's own identity.
    let client: AWSClient
    /// Whether jitsudod's own credentials are a session (STS then limits chained sessions to one hour).
    let chained: Bool
    let logger: Logger
    let now: @Sendable () -> Date
    let managementSessions: ManagementSessions

    /// Counts revocations that could not be written because the role's deny policy is full.
    static let policyFull = Counter(label: "jitsudo_aws_revocation_policy_full_total")

    /// - Parameters:
    ///   - credentials: jitsudod's own identity (``AWSCredentialChain/source(environment:region:endpointURL:http:logger:)``).
    ///   - runsOnSession: whether those credentials are temporary (role chaining limits sessions to one hour).
    public init(
        configuration: Configuration, credentials: any AWSCredentialSource, runsOnSession: Bool, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.client = AWSClient(
            configuration: .init(region: configuration.region, endpointURL: configuration.endpointURL),
            credentials: credentials, logger: logger)
        self.chained = runsOnSession
        self.logger = logger
        self.now = now
        self.managementSessions = ManagementSessions()
    }

    public var summary: String {
        "aws provider (\(configuration.mode.rawValue), \(configuration.region)\(configuration.endpointURL.map { ", " + $0 } ?? ""))"
    }

    public func validate(_ request: GrantRequest) throws(ProviderError) {
        guard SessionNaming.isAccountID(request.resourceScope) else {
            throw ProviderError(.invalidRequest, "resource_scope must be a 12-digit AWS account id, got '\(request.resourceScope.prefix(64))'")
        }
        if !configuration.allowedAccounts.isEmpty, !configuration.allowedAccounts.contains(request.resourceScope) {
            throw ProviderError(
                .invalidRequest,
                "account \(request.resourceScope) is not allowed; allowed: "
                    + configuration.allowedAccounts.sorted().joined(separator: ", "))
        }
        if !configuration.allowedRoles.isEmpty, !configuration.allowedRoles.contains(request.role) {
            throw ProviderError(
                .invalidRequest,
                "role '\(request.role)' is not allowed for aws; allowed: "
                    + configuration.allowedRoles.sorted().joined(separator: ", "))
        }
        guard !request.role.isEmpty, request.role.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@_-".contains($0)) }),
            request.role.count <= 64
        else {
            throw ProviderError(.invalidRequest, "role must be an IAM role name (up to 64 of A-Z a-z 0-9 +=,.@_-), got '\(request.role.prefix(64))'")
        }
        guard !request.requesterIdentity.isEmpty else { throw ProviderError(.invalidRequest, "the requester identity is empty") }
        if configuration.mode == .identityCenter, configuration.identityCenter.permissionSets[request.role] == nil {
            throw ProviderError(
                .invalidRequest,
                "role '\(request.role)' maps to no permission set: add it to "
                    + "providers.aws.identity_center.permission_sets")
        }
    }

    /// The target role's ARN for `request`.
    public func roleARN(for request: GrantRequest) -> String {
        configuration.roleARNTemplate.replacingOccurrences(of: "{scope}", with: request.resourceScope)
            .replacingOccurrences(of: "{role}", with: request.role)
    }

    public func grant(_ request: GrantRequest) async throws(ProviderError) -> IssuedGrant {
        try validate(request)
        let duration = min(request.durationSeconds, configuration.maximumDurationSeconds)
        if configuration.mode == .identityCenter { return try await grantAssignment(request, durationSeconds: duration) }
        let arn = roleARN(for: request)
        let credentials = try await issueSession(request, roleARN: arn, remainingSeconds: duration)
        logger.info("aws session issued", metadata: ["request.id": "\(request.requestID)", "aws.role": "\(arn)"])
        return IssuedGrant(credentials: credentials, durationSeconds: duration, revokeToken: "assume_role|\(arn)")
    }

    /// Sessions are not tied to the grant's end: a longer grant only means more refreshes.
    public func extend(_ request: GrantRequest, revokeToken: String?) async throws(ProviderError) -> IssuedGrant? {
        try validate(request)
        return nil
    }

    /// A fresh session when the stored one ends within five minutes and the grant goes on.
    public func refreshCredentials(_ request: GrantRequest, current: [String: String]) async throws(ProviderError) -> [String: String]? {
        guard configuration.mode == .assumeRole, request.durationSeconds > 0 else { return nil }
        if let end = current["AWS_CREDENTIAL_EXPIRATION"].flatMap(ISOTime.parse), end.timeIntervalSince(now()) > 300 { return nil }
        try validate(request)
        return try await issueSession(request, roleARN: roleARN(for: request), remainingSeconds: request.durationSeconds)
    }

    public func revoke(requestID: String, revokeToken: String?) async throws(ProviderError) {
        guard let revokeToken else { return }
        let parts = revokeToken.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "assume_role" where parts.count == 2:
            try await denySessions(of: requestID, roleARN: parts[1])
        case "identity_center":
            try await deleteAssignment(token: parts)
        default:
            return
        }
    }

    /// `GetRole` (moto and a mistyped template would otherwise hand out a session of nothing), then `AssumeRole`.
    func issueSession(_ request: GrantRequest, roleARN: String, remainingSeconds: Int64) async throws(ProviderError) -> [String: String] {
        let account = request.resourceScope
        let role: IAMCalls.Role?
        do {
            role = try await IAMCalls.role(try await iamClient(account: account), roleName: Self.roleName(roleARN))
        } catch {
            throw Self.providerError(error, doing: "iam:GetRole on \(roleARN)")
        }
        guard let role else {
            throw ProviderError(.invalidRequest, "role \(roleARN) does not exist; create it (see docs/providers/aws.md) or fix role_arn_template")
        }
        let maximum = min(Int64(role.maxSessionDuration), 43_200, chained ? 3600 : 43_200)
        let seconds = SessionNaming.sessionSeconds(remaining: remainingSeconds, maximum: maximum)
        let session: STSCalls.AssumedRole
        do {
            session = try await STSCalls.assumeRole(
                client, roleARN: roleARN, sessionName: SessionNaming.sanitized(request.requesterIdentity),
                sourceIdentity: SessionNaming.sanitized(request.requesterIdentity), tags: [(RevocationPolicy.tagKey, request.requestID)],
                durationSeconds: seconds)
        } catch {
            throw Self.providerError(error, doing: "sts:AssumeRole on \(roleARN)")
        }
        let end = session.credentials.expiration ?? now().addingTimeInterval(TimeInterval(seconds))
        var credentials = [
            "AWS_ACCESS_KEY_ID": session.credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": session.credentials.secretAccessKey,
            "AWS_DEFAULT_REGION": configuration.region, "AWS_CREDENTIAL_EXPIRATION": ISOTime.format(end),
        ]
        credentials["AWS_SESSION_TOKEN"] = session.credentials.sessionToken
        if Int64(seconds) < remainingSeconds {
            // Say why the session is shorter than the grant: `jitsudo credentials` re-issues it on demand.
            credentials["JITSUDO_AWS_SESSION_LIMIT"] = chained && maximum == 3600 ? "3600s (role chaining)" : "\(seconds)s (role maximum)"
        }
        return credentials
    }

    /// Writes `requestID` into the role's deny policy (pruned and compacted); idempotent.
    func denySessions(of requestID: String, roleARN: String) async throws(ProviderError) {
        let roleName = Self.roleName(roleARN)
        let iam: AWSClient
        do {
            iam = try await iamClient(account: Self.account(roleARN))
            let stored = try await IAMCalls.rolePolicy(iam, roleName: roleName, policyName: RevocationPolicy.policyName)
            let current = stored.map(RevocationPolicy.parse) ?? RevocationPolicy()
            let at = now()
            let wanted = current.pruned(at: at).adding(requestID, until: at.addingTimeInterval(TimeInterval(Self.longestSessionSeconds)))
            guard let (policy, document) = wanted.fitted() else {
                Self.policyFull.increment()
                throw ProviderError(
                    .unavailable,
                    "the deny policy \(RevocationPolicy.policyName) on \(roleARN) is full "
                        + "(\(RevocationPolicy.sizeLimit) characters): too many grants of this role revoked within 12 hours; "
                        + "remove other inline policies of the role or attach a managed deny policy by hand")
            }
            if stored.map(RevocationPolicy.parse) == policy { return }
            try await IAMCalls.putRolePolicy(iam, roleName: roleName, policyName: RevocationPolicy.policyName, document: document)
        } catch let error as ProviderError {
            throw error
        } catch let error as AWSError {
            if error.isNotFound { return }
            throw Self.providerError(error, doing: "iam:PutRolePolicy on \(roleARN)")
        } catch {
            throw ProviderError(.unavailable, "aws revoke failed: \(error)")
        }
        logger.info("aws sessions denied", metadata: ["request.id": "\(requestID)", "aws.role": "\(roleARN)"])
    }

    /// STS's longest session: every session issued before a revocation has ended this long after it.
    static let longestSessionSeconds: Int64 = 43_200

    static func roleName(_ arn: String) -> String { String(arn.split(separator: "/").last ?? "") }

    static func account(_ arn: String) -> String {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count > 4 ? String(parts[4]) : ""
    }

    static func providerError(_ error: AWSError, doing operation: String) -> ProviderError {
        if error.isAccessDenied { return ProviderError(.refused, "aws \(operation) refused: \(error.code): \(error.message)") }
        if error.isRetryable { return ProviderError(.unavailable, "aws \(operation) failed: \(error.code): \(error.message)") }
        if ["ValidationError", "InvalidParameterValue", "MalformedPolicyDocument", "ValidationException"].contains(error.code) {
            return ProviderError(.invalidRequest, "aws \(operation) rejected: \(error.code): \(error.message)")
        }
        return ProviderError(.unavailable, "aws \(operation) failed: \(error.code): \(error.message)")
    }
}
