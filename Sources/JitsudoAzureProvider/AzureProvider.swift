public import AzureClient
public import Foundation
public import JitsudoProviders
import JitsudoCore
public import Logging

/// The `azure` provider. Mode `pim` (default): a grant is a PIM `AdminAssign` schedule request for the requester's
/// Entra principal, the role definition and the ARM scope, lasting the grant, so Azure ends the access at expiry on
/// its own; revoke is `AdminRemove`, extend `AdminExtend`. Mode `role_assignment`: a role assignment named after the
/// request id, deleted at revoke. Every object carries this installation's marker (``AzureGrantPlan/marker``).
public struct AzureProvider: CredentialProvider {
    public let name = "azure"
    public let client: AzureClient
    public let configuration: Configuration
    let lookups = AzureLookups()
    let logger: Logger
    /// The current time (a parameter so tests can move it).
    let now: @Sendable () -> Date

    public init(client: AzureClient, configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    public var summary: String {
        "azure provider (\(configuration.mode.rawValue) mode, tenant \(configuration.client.tenantID), "
            + "roles \(configuration.allowedRoles.sorted().joined(separator: ", ")))"
    }

    public func validate(_ request: GrantRequest) throws(ProviderError) {
        _ = try checkedScope(request)
    }

    /// The request's scope, after checking role, scope and requester.
    func checkedScope(_ request: GrantRequest) throws(ProviderError) -> AzureScope {
        guard !configuration.allowedRoles.isEmpty else {
            throw ProviderError(.invalidRequest, "the azure provider allows no roles: set providers.azure.allowed_roles")
        }
        guard configuration.allowedRoles.contains(request.role) else {
            throw ProviderError(
                .invalidRequest,
                "role '\(request.role.prefix(128))' is not allowed for azure; allowed: "
                    + configuration.allowedRoles.sorted().joined(separator: ", "))
        }
        guard !request.requesterIdentity.isEmpty else { throw ProviderError(.invalidRequest, "the requester identity is empty") }
        let scope: AzureScope
        do { scope = try AzureScope(parsing: request.resourceScope) } catch { throw ProviderError(.invalidRequest, error.message) }
        if !configuration.allowedScopes.isEmpty, !configuration.allowedScopes.contains(where: { $0.contains(scope) }) {
            throw ProviderError(
                .invalidRequest,
                "scope \(scope) is not allowed; allowed: "
                    + configuration.allowedScopes.map(\.path).joined(separator: ", "))
        }
        return scope
    }

    public func grant(_ request: GrantRequest) async throws(ProviderError) -> IssuedGrant {
        let scope = try checkedScope(request)
        let duration = min(request.durationSeconds, configuration.maximumDurationSeconds)
        let start = now()
        let (principal, roleDefinitionID) = try await resolve(request, scope: scope)
        let instance = configuration.instance
        do {
            switch configuration.mode {
            case .pim:
                let body = AzureGrantPlan.assign(
                    principal: principal, roleDefinitionID: roleDefinitionID, start: start, seconds: duration,
                    justification: AzureGrantPlan.justification(reason: request.metadata["reason"], instance: instance, requestID: request.requestID))
                let name = AzureGrantPlan.objectName(requestID: request.requestID, instance: instance, step: "assign")
                do {
                    _ = try await client.createScheduleRequest(at: scope.path, name: name, body)
                } catch  where error.code == .conflict {
                    // The same request name (a retried grant) or an active assignment: the access is there.
                }
            case .roleAssignment:
                let body = AzureGrantPlan.roleAssignment(
                    principal: principal, roleDefinitionID: roleDefinitionID, requestID: request.requestID,
                    instance: instance, until: start.addingTimeInterval(TimeInterval(duration)))
                let name = AzureGrantPlan.objectName(requestID: request.requestID, instance: instance, step: "assignment")
                do {
                    _ = try await client.createRoleAssignment(at: scope.path, name: name, body)
                } catch  where error.code == .conflict && error.azureCode == "RoleAssignmentExists" {
                    // The principal already holds the role at the scope (granting twice is granting once).
                }
            }
        } catch {
            throw Self.providerError(error, doing: "grant")
        }
        logger.info(
            "azure grant issued",
            metadata: [
                "request.id": "\(request.requestID)", "azure.scope": "\(scope)",
                "azure.mode": "\(configuration.mode.rawValue)",
            ])
        let token = AzureGrantPlan.RevokeToken(
            scope: scope.path, principalID: principal.objectID, principalType: principal.type,
            roleDefinitionID: roleDefinitionID)
        return IssuedGrant(
            credentials: ["AZURE_SUBSCRIPTION_ID": scope.subscriptionID, "JITSUDO_AZURE_SCOPE": scope.path],
            durationSeconds: duration, revokeToken: token.encoded)
    }

    public func revoke(requestID: String, revokeToken: String?) async throws(ProviderError) {
        guard let token = revokeToken.flatMap(AzureGrantPlan.RevokeToken.init(decoding:)) else {
            // Nothing was issued (or the token is lost): drift cleanup removes whatever carries the request's marker.
            logger.warning("azure revoke without a revoke token; left to drift cleanup", metadata: ["request.id": "\(requestID)"])
            return
        }
        let instance = configuration.instance
        do {
            switch configuration.mode {
            case .pim:
                try await removeSchedule(token, requestID: requestID, step: "remove")
            case .roleAssignment:
                try await client.deleteRoleAssignment(
                    at: token.scope, name: AzureGrantPlan.objectName(requestID: requestID, instance: instance, step: "assignment"))
            }
        } catch {
            throw Self.providerError(error, doing: "revoke")
        }
        logger.info("azure grant revoked", metadata: ["request.id": "\(requestID)", "azure.scope": "\(token.scope)"])
    }

    /// PIM: moves the schedule's end to `request.notAfter` with `AdminExtend`. role_assignment: nothing to move
    /// (jitsudo's sweeper deletes at the new end). The credentials stay the same.
    public func extend(_ request: GrantRequest, revokeToken: String?) async throws(ProviderError) -> IssuedGrant? {
        guard configuration.mode == .pim else { return nil }
        guard let token = revokeToken.flatMap(AzureGrantPlan.RevokeToken.init(decoding:)), let notAfter = request.notAfter else {
            throw ProviderError(.invalidRequest, "the grant has no azure schedule to extend")
        }
        let end = Date(timeIntervalSince1970: TimeInterval(notAfter.microseconds) / 1_000_000)
        let principal = Principal(objectID: token.principalID, type: token.principalType)
        let body = AzureGrantPlan.extend(
            principal: principal, roleDefinitionID: token.roleDefinitionID, start: now(), notAfter: end,
            justification: AzureGrantPlan.justification(reason: "extended", instance: configuration.instance, requestID: request.requestID))
        let name = AzureGrantPlan.objectName(requestID: request.requestID, instance: configuration.instance, step: "extend-\(notAfter.microseconds)")
        do {
            _ = try await client.createScheduleRequest(at: token.scope, name: name, body)
        } catch  where error.code == .conflict && error.azureCode == "RoleAssignmentRequestExists" {
            // This very extension was already sent.
        } catch {
            throw Self.providerError(error, doing: "extend")
        }
        return nil
    }

    /// `AdminRemove` for the schedule of `token`; nothing to remove (expired, removed already) is success.
    func removeSchedule(_ token: AzureGrantPlan.RevokeToken, requestID: String, step: String) async throws(AzureError) {
        let body = AzureGrantPlan.remove(
            principal: Principal(objectID: token.principalID, type: token.principalType), roleDefinitionID: token.roleDefinitionID,
            justification: AzureGrantPlan.justification(reason: "revoked", instance: configuration.instance, requestID: requestID))
        let name = AzureGrantPlan.objectName(requestID: requestID, instance: configuration.instance, step: step)
        do {
            _ = try await client.createScheduleRequest(at: token.scope, name: name, body)
        } catch  where error.azureCode == "RoleAssignmentDoesNotExist" || error.azureCode == "RoleAssignmentRequestExists" {
            // Already gone (Azure ended it at expiry) or this removal was already sent.
        }
    }

    private func resolve(_ request: GrantRequest, scope: AzureScope) async throws(ProviderError) -> (Principal, String) {
        do {
            guard
                let principal = try await lookups.principal(
                    for: request.requesterIdentity, mapping: configuration.principalMapping,
                    client: client)
            else {
                throw ProviderError(
                    .refused, "no Entra user has the UPN or mail \(request.requesterIdentity); map it in providers.azure.principal_mapping")
            }
            guard let roleDefinitionID = try await lookups.roleDefinitionID(named: request.role, scope: scope, client: client) else {
                throw ProviderError(.invalidRequest, "no role definition named '\(request.role)' in subscription \(scope.subscriptionID)")
            }
            return (principal, roleDefinitionID)
        } catch let error as ProviderError {
            throw error
        } catch {
            throw Self.providerError(error, doing: "grant")
        }
    }

    /// One mapping of Azure failures: 403 is refused with Azure's message; a wrong request is invalid; everything
    /// that may pass (throttling, 5xx, transport, jitsudod's own credentials) is unavailable, so approving again retries.
    static func providerError(_ error: any Error, doing operation: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        guard let error = error as? AzureError else { return ProviderError(.unavailable, "azure \(operation) failed") }
        switch error.code {
        case .forbidden:
            return ProviderError(.refused, "azure \(operation) refused: \(error.azureCode ?? "Forbidden"): \(error.message)")
        case .badRequest, .notFound, .conflict:
            return ProviderError(.invalidRequest, "azure \(operation) rejected: \(error.description)")
        default:
            return ProviderError(.unavailable, "azure \(operation) failed: \(error.description)")
        }
    }
}
