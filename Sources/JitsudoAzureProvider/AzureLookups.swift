import AzureClient

/// Cached look-ups: requester identity → Entra principal, (subscription, role name) → role definition id.
/// Lives as long as the provider; a miss asks Azure, a failure is not cached.
actor AzureLookups {
    private var principals: [String: Principal] = [:]
    private var roleDefinitions: [String: String] = [:]

    func principal(for identity: String, mapping: [String: Principal], client: AzureClient) async throws(AzureError) -> Principal? {
        if let mapped = mapping[identity] { return mapped }
        if let known = principals[identity.lowercased()] { return known }
        guard let id = try await client.userObjectID(upnOrMail: identity) else { return nil }
        let principal = Principal(objectID: id, type: "User")
        principals[identity.lowercased()] = principal
        return principal
    }

    func roleDefinitionID(named role: String, scope: AzureScope, client: AzureClient) async throws(AzureError) -> String? {
        let key = scope.subscriptionID + "/" + role
        if let known = roleDefinitions[key] { return known }
        let found = try await client.roleDefinitions(named: role, at: "/subscriptions/\(scope.subscriptionID)")
        guard let id = found.first(where: { $0.properties?.roleName == role })?.id else { return nil }
        roleDefinitions[key] = id
        return id
    }
}
