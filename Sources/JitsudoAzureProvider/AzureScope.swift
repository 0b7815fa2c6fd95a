/// An ARM scope a request may name: a subscription or a resource group in it. Requests may write
/// `/subscriptions/<uuid>`, `/subscriptions/<uuid>/resourceGroups/<name>` or a bare subscription id.
public struct AzureScope: Sendable, Hashable, CustomStringConvertible {
    /// The subscription id, lower-case.
    public let subscriptionID: String
    /// The resource group, as written (ARM compares it case-insensitively).
    public let resourceGroup: String?

    /// Parses `text`; the error says which form is expected.
    public init(parsing text: String) throws(ScopeError) {
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if Self.isUUID(trimmed) {
            self.subscriptionID = trimmed.lowercased()
            self.resourceGroup = nil
            return
        }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 || parts.count == 5, parts[0].isEmpty, parts[1].lowercased() == "subscriptions" else {
            throw ScopeError(
                "resource_scope must be /subscriptions/<subscription id>, /subscriptions/<subscription id>/resourceGroups/<name> "
                    + "or a bare subscription id, got '\(text.prefix(200))'")
        }
        guard Self.isUUID(Substring(parts[2])) else {
            throw ScopeError("the subscription id in resource_scope must be a UUID, got '\(parts[2].prefix(64))'")
        }
        subscriptionID = parts[2].lowercased()
        if parts.count == 5 {
            guard parts[3].lowercased() == "resourcegroups" else {
                throw ScopeError("resource_scope may name a subscription or a resource group (…/resourceGroups/<name>), got '\(text.prefix(200))'")
            }
            guard Self.isResourceGroupName(parts[4]) else {
                throw ScopeError(
                    "resource group names are 1-90 letters, digits, '-', '_', '.', '(' or ')' and do not end with '.', "
                        + "got '\(parts[4].prefix(100))'")
            }
            resourceGroup = parts[4]
        } else {
            resourceGroup = nil
        }
    }

    /// `/subscriptions/<id>[/resourceGroups/<name>]`.
    public var path: String {
        "/subscriptions/\(subscriptionID)" + (resourceGroup.map { "/resourceGroups/\($0)" } ?? "")
    }

    public var description: String { path }

    /// Whether `other` is this scope or inside it (a resource group of this subscription).
    public func contains(_ other: AzureScope) -> Bool {
        guard other.subscriptionID == subscriptionID else { return false }
        guard let resourceGroup else { return true }
        return other.resourceGroup?.lowercased() == resourceGroup.lowercased()
    }

    public static func == (lhs: AzureScope, rhs: AzureScope) -> Bool {
        lhs.subscriptionID == rhs.subscriptionID && lhs.resourceGroup?.lowercased() == rhs.resourceGroup?.lowercased()
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(subscriptionID)
        hasher.combine(resourceGroup?.lowercased())
    }

    static func isUUID(_ text: Substring) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    static func isResourceGroupName(_ name: String) -> Bool {
        guard (1...90).contains(name.count), !name.hasSuffix(".") else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.()".contains($0) }
    }
}

/// A resource_scope that is not an ARM scope jitsudo grants at.
public struct ScopeError: Error, Sendable, Hashable {
    public let message: String
    init(_ message: String) { self.message = message }
}
