import AWSSigV4
import Foundation

extension AWSProvider {
    /// The client for IAM calls in `account`: jitsudod's own identity, or a session on the account's management
    /// role when `management_role_template` is set (refreshed before it expires).
    func iamClient(account: String) async throws(AWSError) -> AWSClient {
        guard !configuration.managementRoleTemplate.isEmpty else { return client }
        let arn = configuration.managementRoleTemplate.replacingOccurrences(of: "{scope}", with: account)
        let sts = client
        let source = managementSessions.source(account: account) {
            RefreshingCredentials { () async throws(AWSError) -> AWSCredentials in
                try await STSCalls.assumeRole(
                    sts, roleARN: arn, sessionName: "jitsudod", sourceIdentity: nil, tags: [],
                    durationSeconds: 3600
                ).credentials
            }
        }
        return AWSClient(configuration: client.configuration, credentials: source, logger: logger)
    }
}
