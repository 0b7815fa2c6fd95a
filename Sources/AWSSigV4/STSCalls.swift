/// The STS calls jitsudo makes, as typed functions over ``AWSClient``.
public enum STSCalls {
    /// A session from `AssumeRole`.
    public struct AssumedRole: Sendable, Hashable {
        public var credentials: AWSCredentials
        /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
        public var assumedRoleARN: String
    }

    /// `AssumeRole` with a session name, source identity, session tags (transitive) and duration.
    public static func assumeRole(
        _ client: AWSClient, roleARN: String, sessionName: String, sourceIdentity: String?,
        tags: [(String, String)], durationSeconds: Int
    ) async throws(AWSError) -> AssumedRole {
        var parameters: [(String, String)] = [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("DurationSeconds", "\(durationSeconds)")]
        if let sourceIdentity { parameters.append(("SourceIdentity", sourceIdentity)) }
        for (index, tag) in tags.enumerated() {
            parameters.append(("Tags.member.\(index + 1).Key", tag.0))
            parameters.append(("Tags.member.\(index + 1).Value", tag.1))
            parameters.append(("TransitiveTagKeys.member.\(index + 1)", tag.0))
        }
        let xml = try await client.query(.sts, action: "AssumeRole", parameters)
        return AssumedRole(credentials: try credentials(in: xml), assumedRoleARN: XMLFields.first("Arn", in: xml) ?? "")
    }

    /// `AssumeRoleWithWebIdentity` (unsigned: the token is the proof).
    public static func assumeRoleWithWebIdentity(
        _ client: AWSClient, roleARN: String, sessionName: String,
        token: String
    ) async throws(AWSError) -> AWSCredentials {
        let xml = try await client.query(
            .sts, action: "AssumeRoleWithWebIdentity",
            [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", token)])
        return try credentials(in: xml)
    }

    /// `GetCallerIdentity`: the caller's ARN and account.
    public static func callerIdentity(_ client: AWSClient) async throws(AWSError) -> (arn: String, account: String) {
        let xml = try await client.query(.sts, action: "GetCallerIdentity")
        return (XMLFields.first("Arn", in: xml) ?? "", XMLFields.first("Account", in: xml) ?? "")
    }

    static func credentials(in xml: String) throws(AWSError) -> AWSCredentials {
        guard let key = XMLFields.first("AccessKeyId", in: xml), let secret = XMLFields.first("SecretAccessKey", in: xml) else {
            throw AWSError(code: "DecodingError", message: "the STS response carries no credentials", status: 200)
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: XMLFields.first("SessionToken", in: xml),
            expiration: try ISOTime.expiration(XMLFields.first("Expiration", in: xml)))
    }
}
