import Foundation

/// The IAM calls jitsudo makes, as typed functions over ``AWSClient``.
public enum IAMCalls {
    /// A role as `GetRole` describes it.
    public struct Role: Sendable, Hashable {
        public var arn: String
        /// The longest session `AssumeRole` grants on this role (IAM's default is 3600).
        public var maxSessionDuration: Int
    }

    /// `GetRole`: the role, or nil when it does not exist.
    public static func role(_ client: AWSClient, roleName: String) async throws(AWSError) -> Role? {
        do {
            let xml = try await client.query(.iam, action: "GetRole", [("RoleName", roleName)])
            return Role(
                arn: XMLFields.first("Arn", in: xml) ?? "",
                maxSessionDuration: XMLFields.first("MaxSessionDuration", in: xml).flatMap { Int($0) } ?? 3600)
        } catch  where error.isNotFound {
            return nil
        }
    }

    /// `GetRolePolicy`: the inline policy document (decoded JSON text), or nil when there is none.
    public static func rolePolicy(_ client: AWSClient, roleName: String, policyName: String) async throws(AWSError) -> String? {
        do {
            let xml = try await client.query(.iam, action: "GetRolePolicy", [("RoleName", roleName), ("PolicyName", policyName)])
            guard let document = XMLFields.first("PolicyDocument", in: xml) else { return nil }
            // IAM returns the document URL-encoded (RFC 3986).
            return document.removingPercentEncoding ?? document
        } catch  where error.isNotFound {
            return nil
        }
    }

    /// `PutRolePolicy`: creates or replaces the inline policy.
    public static func putRolePolicy(_ client: AWSClient, roleName: String, policyName: String, document: String) async throws(AWSError) {
        _ = try await client.query(
            .iam, action: "PutRolePolicy",
            [("RoleName", roleName), ("PolicyName", policyName), ("PolicyDocument", document)])
    }

    /// `DeleteRolePolicy`; deleting what is not there is success.
    public static func deleteRolePolicy(_ client: AWSClient, roleName: String, policyName: String) async throws(AWSError) {
        do {
            _ = try await client.query(.iam, action: "DeleteRolePolicy", [("RoleName", roleName), ("PolicyName", policyName)])
        } catch  where error.isNotFound {
            return
        }
    }

    /// `ListRoles` (all pages): role names.
    public static func roleNames(_ client: AWSClient) async throws(AWSError) -> [String] {
        var names: [String] = []
        var marker: String?
        repeat {
            var parameters: [(String, String)] = [("MaxItems", "1000")]
            if let marker { parameters.append(("Marker", marker)) }
            let xml = try await client.query(.iam, action: "ListRoles", parameters)
            names += XMLFields.all("RoleName", in: xml)
            marker = XMLFields.first("IsTruncated", in: xml) == "true" ? XMLFields.first("Marker", in: xml) : nil
        } while marker != nil
        return names
    }
}
