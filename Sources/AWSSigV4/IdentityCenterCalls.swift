/// The IAM Identity Center calls jitsudo makes (SSO Admin and Identity Store, JSON protocol).
public enum IdentityCenterCalls {
    /// An account assignment: who gets which permission set in which account.
    public struct Assignment: Codable, Sendable, Hashable {
        public var InstanceArn: String?
        public var TargetId: String
        public var TargetType: String
        public var PermissionSetArn: String
        public var PrincipalType: String
        public var PrincipalId: String

        public init(instanceARN: String, account: String, permissionSetARN: String, principalType: String, principalID: String) {
            InstanceArn = instanceARN
            TargetId = account
            TargetType = "AWS_ACCOUNT"
            PermissionSetArn = permissionSetARN
            PrincipalType = principalType
            PrincipalId = principalID
        }
    }

    /// The status of an asynchronous assignment operation.
    public struct OperationStatus: Codable, Sendable, Hashable {
        public var Status: String?
        public var RequestId: String?
        public var FailureReason: String?
    }

    struct CreationResponse: Codable { var AccountAssignmentCreationStatus: OperationStatus }
    struct DeletionResponse: Codable { var AccountAssignmentDeletionStatus: OperationStatus }
    struct ListInput: Codable {
        var InstanceArn: String
        var AccountId: String
        var PermissionSetArn: String
        var NextToken: String?
    }
    struct ListResponse: Codable {
        struct Item: Codable {
            var PrincipalType: String?
            var PrincipalId: String?
        }
        var AccountAssignments: [Item]?
        var NextToken: String?
    }

    /// `identitystore:GetUserId` by user name; nil when there is no such user.
    public static func userID(_ client: AWSClient, identityStoreID: String, userName: String) async throws(AWSError) -> String? {
        try await principalID(client, operation: "GetUserId", identityStoreID: identityStoreID, path: "userName", value: userName, key: "UserId")
    }

    /// `identitystore:GetGroupId` by display name; nil when there is no such group.
    public static func groupID(_ client: AWSClient, identityStoreID: String, displayName: String) async throws(AWSError) -> String? {
        try await principalID(
            client, operation: "GetGroupId", identityStoreID: identityStoreID, path: "displayName", value: displayName,
            key: "GroupId")
    }

    static func principalID(
        _ client: AWSClient, operation: String, identityStoreID: String, path: String, value: String,
        key: String
    ) async throws(AWSError) -> String? {
        struct Attribute: Codable {
            var AttributePath: String
            var AttributeValue: String
        }
        struct Identifier: Codable { var UniqueAttribute: Attribute }
        struct Input: Codable {
            var IdentityStoreId: String
            var AlternateIdentifier: Identifier
        }
        let input = Input(
            IdentityStoreId: identityStoreID,
            AlternateIdentifier: Identifier(
                UniqueAttribute: Attribute(
                    AttributePath: path,
                    AttributeValue: value)))
        do {
            let output = try await client.json(.identityStore, operation: operation, input, as: [String: String].self)
            return output[key]
        } catch  where error.isNotFound {
            return nil
        }
    }

    /// `sso:CreateAccountAssignment`: the creation request's status.
    public static func create(_ client: AWSClient, _ assignment: Assignment) async throws(AWSError) -> OperationStatus {
        try await client.json(.ssoAdmin, operation: "CreateAccountAssignment", assignment, as: CreationResponse.self).AccountAssignmentCreationStatus
    }

    /// `sso:DeleteAccountAssignment`: the deletion request's status.
    public static func delete(_ client: AWSClient, _ assignment: Assignment) async throws(AWSError) -> OperationStatus {
        try await client.json(.ssoAdmin, operation: "DeleteAccountAssignment", assignment, as: DeletionResponse.self).AccountAssignmentDeletionStatus
    }

    /// `sso:DescribeAccountAssignmentCreationStatus` / `…DeletionStatus`.
    public static func status(_ client: AWSClient, instanceARN: String, requestID: String, creation: Bool) async throws(AWSError) -> OperationStatus {
        if creation {
            return try await client.json(
                .ssoAdmin, operation: "DescribeAccountAssignmentCreationStatus",
                ["InstanceArn": instanceARN, "AccountAssignmentCreationRequestId": requestID],
                as: CreationResponse.self
            ).AccountAssignmentCreationStatus
        }
        return try await client.json(
            .ssoAdmin, operation: "DescribeAccountAssignmentDeletionStatus",
            ["InstanceArn": instanceARN, "AccountAssignmentDeletionRequestId": requestID],
            as: DeletionResponse.self
        ).AccountAssignmentDeletionStatus
    }

    /// `sso:ListAccountAssignments` (all pages): the principals (type, id) holding `permissionSetARN` in `account`.
    public static func principals(
        _ client: AWSClient, instanceARN: String, account: String,
        permissionSetARN: String
    ) async throws(AWSError) -> [(type: String, id: String)] {
        var result: [(type: String, id: String)] = []
        var token: String?
        repeat {
            let page = try await client.json(
                .ssoAdmin, operation: "ListAccountAssignments",
                ListInput(InstanceArn: instanceARN, AccountId: account, PermissionSetArn: permissionSetARN, NextToken: token),
                as: ListResponse.self)
            result += (page.AccountAssignments ?? []).compactMap { item in
                guard let type = item.PrincipalType, let id = item.PrincipalId else { return nil }
                return (type, id)
            }
            token = page.NextToken
        } while token != nil
        return result
    }
}
