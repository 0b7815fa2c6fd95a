public import AzureClient
public import Foundation

/// The pure half of the provider: names, bodies and markers of what a grant, an extension and a revocation send.
/// The same request id always gives the same names, so retries are idempotent.
public enum AzureGrantPlan {
    /// The name (a UUID) of the object `step` of `requestID` in installation `instance`: `assignment` (a role
    /// assignment), `assign`/`remove`/`extend-<end>` (schedule requests).
    public static func objectName(requestID: String, instance: String, step: String) -> String {
        UUIDv5.make(namespace: UUIDv5.jitsudoAzure, name: "\(instance)/\(requestID)/\(step)").uuidString.lowercased()
    }

    /// `[jitsudo:<instance> <request id>]`: written into descriptions and justifications, read back by drift cleanup.
    public static func marker(instance: String, requestID: String) -> String { "[jitsudo:\(instance) \(requestID)]" }

    /// The request id of a marker of `instance` in `text`, or nil (another installation's object or nobody's).
    public static func requestID(inMarkedText text: String, instance: String) -> String? {
        let prefix = "[jitsudo:\(instance) "
        guard let start = text.range(of: prefix), let end = text[start.upperBound...].firstIndex(of: "]") else { return nil }
        let id = String(text[start.upperBound..<end])
        return id.isEmpty || id.contains(" ") ? nil : id
    }

    /// ISO 8601 duration: `PT8H`, `PT1H30M`, `PT45S`.
    public static func isoDuration(seconds: Int64) -> String {
        let hours = seconds / 3600, minutes = seconds % 3600 / 60, rest = seconds % 60
        var text = "PT"
        if hours > 0 { text += "\(hours)H" }
        if minutes > 0 { text += "\(minutes)M" }
        if rest > 0 || text == "PT" { text += "\(rest)S" }
        return text
    }

    /// UTC ISO 8601 with whole seconds (`2026-03-20T16:00:00Z`).
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 1970)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))Z"
    }

    /// The justification of a schedule request: the request's reason (when the metadata has one) and the marker.
    public static func justification(reason: String?, instance: String, requestID: String) -> String {
        let marker = marker(instance: instance, requestID: requestID)
        guard let reason, !reason.isEmpty else { return "jitsudo just-in-time access \(marker)" }
        return String(reason.prefix(400)) + " " + marker
    }

    /// PIM grant: `AdminAssign` from `start` for `seconds`.
    public static func assign(principal: Principal, roleDefinitionID: String, start: Date, seconds: Int64, justification: String)
        -> Authorization.ScheduleRequest.Properties
    {
        Authorization.ScheduleRequest.Properties(
            roleDefinitionId: roleDefinitionID, principalId: principal.objectID, requestType: "AdminAssign", justification: justification,
            scheduleInfo: .init(startDateTime: timestamp(start), expiration: .init(type: "AfterDuration", duration: isoDuration(seconds: seconds))))
    }

    /// PIM extension: `AdminExtend` to the absolute end `notAfter`.
    public static func extend(principal: Principal, roleDefinitionID: String, start: Date, notAfter: Date, justification: String)
        -> Authorization.ScheduleRequest.Properties
    {
        Authorization.ScheduleRequest.Properties(
            roleDefinitionId: roleDefinitionID, principalId: principal.objectID, requestType: "AdminExtend", justification: justification,
            scheduleInfo: .init(startDateTime: timestamp(start), expiration: .init(type: "AfterDateTime", endDateTime: timestamp(notAfter))))
    }

    /// PIM revocation: `AdminRemove`.
    public static func remove(principal: Principal, roleDefinitionID: String, justification: String) -> Authorization.ScheduleRequest.Properties {
        Authorization.ScheduleRequest.Properties(
            roleDefinitionId: roleDefinitionID, principalId: principal.objectID, requestType: "AdminRemove",
            justification: justification, scheduleInfo: nil)
    }

    /// role_assignment grant: the assignment, described with the marker and the end.
    public static func roleAssignment(principal: Principal, roleDefinitionID: String, requestID: String, instance: String, until end: Date)
        -> Authorization.RoleAssignment.Properties
    {
        Authorization.RoleAssignment.Properties(
            roleDefinitionId: roleDefinitionID, principalId: principal.objectID, principalType: principal.type,
            description: "jitsudo grant until \(timestamp(end)) \(marker(instance: instance, requestID: requestID))")
    }

    /// What revoke needs, kept by jitsudo as the grant's revoke token.
    public struct RevokeToken: Sendable, Hashable {
        public var scope: String
        public var principalID: String
        public var principalType: String
        public var roleDefinitionID: String

        public init(scope: String, principalID: String, principalType: String, roleDefinitionID: String) {
            self.scope = scope
            self.principalID = principalID
            self.principalType = principalType
            self.roleDefinitionID = roleDefinitionID
        }

        /// `scope|principal|type|role definition` (no part contains `|`).
        public var encoded: String { [scope, principalID, principalType, roleDefinitionID].joined(separator: "|") }

        public init?(decoding text: String) {
            let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
            self.init(scope: parts[0], principalID: parts[1], principalType: parts[2], roleDefinitionID: parts[3])
        }
    }
}

/// An Entra principal: a user's or a group's object id.
public struct Principal: Sendable, Hashable {
    public var objectID: String
    /// `User` or `Group`.
    public var type: String

    public init(objectID: String, type: String = "User") {
        self.objectID = objectID
        self.type = type
    }
}
