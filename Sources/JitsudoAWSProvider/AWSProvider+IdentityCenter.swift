import AWSSigV4
import Foundation
import JitsudoProviders
import Logging

extension AWSProvider {
    /// Mode `identity_center`: assigns the role's permission set in the account to the requester (or the configured
    /// group) and waits until the assignment is provisioned.
    func grantAssignment(_ request: GrantRequest, durationSeconds: Int64) async throws(ProviderError) -> IssuedGrant {
        let settings = configuration.identityCenter
        guard let permissionSet = settings.permissionSets[request.role] else {
            throw ProviderError(.invalidRequest, "role '\(request.role)' maps to no permission set")
        }
        let assignment: IdentityCenterCalls.Assignment
        do {
            assignment = try await self.assignment(for: request.requesterIdentity, account: request.resourceScope, permissionSet: permissionSet)
            let holders = try await IdentityCenterCalls.principals(
                client, instanceARN: settings.instanceARN, account: request.resourceScope,
                permissionSetARN: permissionSet)
            if !holders.contains(where: { $0.type == assignment.PrincipalType && $0.id == assignment.PrincipalId }) {
                let status = try await IdentityCenterCalls.create(client, assignment)
                try await waitFor(status, creation: true)
            }
        } catch let error as ProviderError {
            throw error
        } catch let error as AWSError {
            throw Self.providerError(error, doing: "sso:CreateAccountAssignment")
        } catch {
            throw ProviderError(.unavailable, "aws identity center grant failed: \(error)")
        }
        logger.info("aws assignment created", metadata: ["request.id": "\(request.requestID)", "aws.account": "\(request.resourceScope)"])
        var credentials = ["AWS_ACCOUNT_ID": request.resourceScope, "AWS_PERMISSION_SET_ARN": permissionSet]
        if !settings.startURL.isEmpty { credentials["AWS_SSO_START_URL"] = settings.startURL }
        credentials["JITSUDO_AWS_SIGN_IN"] =
            "sign in through the AWS access portal"
            + (settings.startURL.isEmpty ? "" : " \(settings.startURL)") + " and choose account \(request.resourceScope), role \(request.role)"
        let token = ["identity_center", request.resourceScope, permissionSet, assignment.PrincipalType, assignment.PrincipalId].joined(separator: "|")
        return IssuedGrant(credentials: credentials, durationSeconds: durationSeconds, revokeToken: token)
    }

    /// Deletes the assignment a revoke token names; an assignment already gone is success.
    func deleteAssignment(token parts: [String]) async throws(ProviderError) {
        guard parts.count == 5 else { return }
        let assignment = IdentityCenterCalls.Assignment(
            instanceARN: configuration.identityCenter.instanceARN, account: parts[1],
            permissionSetARN: parts[2], principalType: parts[3], principalID: parts[4])
        do {
            try await removeAssignment(assignment)
        } catch let error as ProviderError {
            throw error
        } catch let error as AWSError {
            throw Self.providerError(error, doing: "sso:DeleteAccountAssignment")
        } catch {
            throw ProviderError(.unavailable, "aws identity center revoke failed: \(error)")
        }
    }

    func removeAssignment(_ assignment: IdentityCenterCalls.Assignment) async throws {
        let holders = try await IdentityCenterCalls.principals(
            client, instanceARN: configuration.identityCenter.instanceARN,
            account: assignment.TargetId, permissionSetARN: assignment.PermissionSetArn)
        guard holders.contains(where: { $0.type == assignment.PrincipalType && $0.id == assignment.PrincipalId }) else { return }
        do {
            let status = try await IdentityCenterCalls.delete(client, assignment)
            try await waitFor(status, creation: false)
        } catch let error as AWSError where error.isNotFound {
            return
        }
    }

    /// The assignment of `permissionSet` in `account` to `identity`'s user (by user name), or the configured group.
    func assignment(for identity: String, account: String, permissionSet: String) async throws -> IdentityCenterCalls.Assignment {
        let settings = configuration.identityCenter
        if !settings.group.isEmpty {
            guard let group = try await IdentityCenterCalls.groupID(client, identityStoreID: settings.identityStoreID, displayName: settings.group)
            else {
                throw ProviderError(
                    .invalidRequest, "identity store group '\(settings.group)' does not exist; fix providers.aws.identity_center.group")
            }
            return .init(
                instanceARN: settings.instanceARN, account: account, permissionSetARN: permissionSet, principalType: "GROUP", principalID: group)
        }
        guard let user = try await IdentityCenterCalls.userID(client, identityStoreID: settings.identityStoreID, userName: identity) else {
            throw ProviderError(.refused, "no Identity Center user named '\(identity)' in identity store \(settings.identityStoreID)")
        }
        return .init(instanceARN: settings.instanceARN, account: account, permissionSetARN: permissionSet, principalType: "USER", principalID: user)
    }

    /// Polls an assignment operation until SUCCEEDED (returns) or FAILED (refused), within the configured timeout.
    func waitFor(_ initial: IdentityCenterCalls.OperationStatus, creation: Bool) async throws {
        var status = initial
        let deadline = now().addingTimeInterval(TimeInterval(configuration.identityCenter.timeoutSeconds))
        while true {
            switch status.Status {
            case "SUCCEEDED": return
            case "FAILED":
                throw ProviderError(
                    .refused, "identity center \(creation ? "assignment" : "removal") failed: \(status.FailureReason ?? "no reason given")")
            default:
                guard now() < deadline, let requestID = status.RequestId else {
                    throw ProviderError(
                        .unavailable,
                        "identity center \(creation ? "assignment" : "removal") still IN_PROGRESS after "
                            + "\(configuration.identityCenter.timeoutSeconds)s; it is retried")
                }
                try await Task.sleep(for: .seconds(1))
                status = try await IdentityCenterCalls.status(
                    client, instanceARN: configuration.identityCenter.instanceARN, requestID: requestID,
                    creation: creation)
            }
        }
    }
}
