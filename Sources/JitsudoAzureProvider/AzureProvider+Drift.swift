import AzureClient
import Foundation
public import JitsudoProviders

extension AzureProvider: DriftCorrecting {
    /// Removes this installation's access (objects carrying its marker) at every allowed scope for which
    /// `reasonToRemove`, given the request id of the marker, returns a reason. PIM: the request's latest schedule
    /// request is an `AdminAssign`/`AdminExtend` still provisioned and not yet ended → `AdminRemove`.
    /// role_assignment: the assignment is deleted. Without `allowed_scopes` there is nowhere to look.
    public func removeDrift(reasonToRemove: (String) async throws -> String?) async throws -> [DriftRemoval] {
        var removed: [DriftRemoval] = []
        for scope in configuration.allowedScopes {
            switch configuration.mode {
            case .roleAssignment:
                for assignment in try await client.roleAssignments(at: scope.path) {
                    guard let name = assignment.name,
                        let requestID = AzureGrantPlan.requestID(
                            inMarkedText: assignment.properties.description ?? "", instance: configuration.instance),
                        let reason = try? await reasonToRemove(requestID)
                    else { continue }
                    if try await client.deleteRoleAssignment(at: scope.path, name: name) {
                        removed.append(DriftRemoval(kind: "RoleAssignment", scope: scope.path, name: name, requestID: requestID, reason: reason))
                    }
                }
            case .pim:
                let live = Self.liveSchedules(try await client.scheduleRequests(at: scope.path), instance: configuration.instance, now: now())
                for (requestID, request) in live.sorted(by: { $0.key < $1.key }) {
                    guard let reason = try? await reasonToRemove(requestID) else { continue }
                    let token = AzureGrantPlan.RevokeToken(
                        scope: scope.path, principalID: request.properties.principalId, principalType: "User",
                        roleDefinitionID: request.properties.roleDefinitionId)
                    try await removeSchedule(token, requestID: requestID, step: "drift-remove-\(request.name ?? "")")
                    removed.append(
                        DriftRemoval(
                            kind: "RoleAssignmentSchedule", scope: scope.path, name: request.name ?? "", requestID: requestID,
                            reason: reason))
                }
            }
        }
        return removed
    }

    /// Request id → its latest schedule request of this installation, for requests whose latest one still grants
    /// (`AdminAssign`/`AdminExtend`, provisioned, its end not passed at `now`). Pure.
    static func liveSchedules(_ requests: [Authorization.ScheduleRequest], instance: String, now: Date) -> [String: Authorization.ScheduleRequest] {
        var latest: [String: Authorization.ScheduleRequest] = [:]
        for request in requests {
            guard let id = AzureGrantPlan.requestID(inMarkedText: request.properties.justification ?? "", instance: instance) else { continue }
            if let known = latest[id], (known.properties.createdOn ?? "") > (request.properties.createdOn ?? "") { continue }
            latest[id] = request
        }
        return latest.filter { _, request in
            let properties = request.properties
            guard ["AdminAssign", "AdminExtend"].contains(properties.requestType), properties.status == "Provisioned" else { return false }
            guard let end = endDate(of: properties) else { return true }
            return end > now
        }
    }

    /// The end of a schedule request's grant, when its schedule says.
    static func endDate(of properties: Authorization.ScheduleRequest.Properties) -> Date? {
        guard let expiration = properties.scheduleInfo?.expiration else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func date(_ text: String?) -> Date? {
            guard let text else { return nil }
            return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
        }
        if expiration.type == "AfterDateTime" { return date(expiration.endDateTime) }
        guard expiration.type == "AfterDuration", let start = date(properties.scheduleInfo?.startDateTime),
            let seconds = expiration.duration.flatMap(isoDurationSeconds)
        else { return nil }
        return start.addingTimeInterval(TimeInterval(seconds))
    }

    /// Seconds of an ISO 8601 time duration `PT…H…M…S` (days as `P…D`), or nil.
    static func isoDurationSeconds(_ text: String) -> Int64? {
        guard text.hasPrefix("P") else { return nil }
        var total: Int64 = 0, number = "", inTime = false
        for character in text.dropFirst() {
            if character.isNumber {
                number.append(character)
                continue
            }
            if character == "T" {
                inTime = true
                continue
            }
            guard let value = Int64(number) else { return nil }
            number = ""
            switch (character, inTime) {
            case ("D", false): total += value * 86_400
            case ("H", true): total += value * 3600
            case ("M", true): total += value * 60
            case ("S", true): total += value
            default: return nil
            }
        }
        return number.isEmpty ? total : nil
    }
}
