import Foundation

/// URLs of the calls the client makes. Pure, so they are unit-tested without a network.
public enum AzurePaths {
    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    public static func tokenEndpoint(authority: String, tenant: String) -> String {
        trimmed(authority) + "/" + escapeSegment(tenant) + "/oauth2/v2.0/token"
    }

    /// The `.default` scope of an API at `base` (`https://management.azure.com` → `https://management.azure.com/.default`).
    public static func defaultScope(of base: String) -> String { trimmed(base) + "/.default" }

    /// `{arm}{scope}/providers/Microsoft.Authorization/roleDefinitions?$filter=roleName eq '<name>'&api-version=…`.
    public static func roleDefinitions(arm: String, scope: String, roleName: String) -> String {
        trimmed(arm) + scope + "/providers/Microsoft.Authorization/roleDefinitions"
            + query([("$filter", "roleName eq \(quoted(roleName))"), ("api-version", Authorization.roleDefinitionsAPIVersion)])
    }

    /// `{arm}{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01`.
    public static func roleAssignment(arm: String, scope: String, name: String) -> String {
        trimmed(arm) + scope + "/providers/Microsoft.Authorization/roleAssignments/" + escapeSegment(name)
            + query([("api-version", Authorization.roleAssignmentsAPIVersion)])
    }

    /// The role assignments exactly at `scope` (`$filter=atScope()`).
    public static func roleAssignments(arm: String, scope: String) -> String {
        trimmed(arm) + scope + "/providers/Microsoft.Authorization/roleAssignments"
            + query([("$filter", "atScope()"), ("api-version", Authorization.roleAssignmentsAPIVersion)])
    }

    /// `{arm}{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?api-version=2020-10-01`.
    public static func scheduleRequest(arm: String, scope: String, name: String) -> String {
        trimmed(arm) + scope + "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/" + escapeSegment(name)
            + query([("api-version", Authorization.scheduleRequestsAPIVersion)])
    }

    /// The schedule requests at `scope`.
    public static func scheduleRequests(arm: String, scope: String) -> String {
        trimmed(arm) + scope + "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests"
            + query([("api-version", Authorization.scheduleRequestsAPIVersion)])
    }

    /// Microsoft Graph: the user whose UPN or mail is `name`, only its object id.
    public static func user(graph: String, upnOrMail name: String) -> String {
        trimmed(graph) + "/v1.0/users"
            + query([("$filter", "userPrincipalName eq \(quoted(name)) or mail eq \(quoted(name))"), ("$select", "id,userPrincipalName")])
    }

    /// An OData string literal: single quotes doubled.
    public static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// `?k=v&…` with RFC 3986 percent-encoding of everything but unreserved characters (and `$` in names).
    static func query(_ items: [(String, String)]) -> String {
        "?"
            + items.map { name, value in
                (name.addingPercentEncoding(withAllowedCharacters: nameCharacters) ?? name) + "=" + escapeSegment(value)
            }.joined(separator: "&")
    }

    static func escapeSegment(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }

    static func trimmed(_ base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    private static let nameCharacters = unreserved.union(CharacterSet(charactersIn: "$"))
}
