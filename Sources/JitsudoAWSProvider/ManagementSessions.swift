import AWSSigV4
import Synchronization

/// Cached credential sources for the management role of each target account (`management_role_template`).
final class ManagementSessions: Sendable {
    private let sources = Mutex<[String: any AWSCredentialSource]>([:])

    func source(account: String, create: () -> any AWSCredentialSource) -> any AWSCredentialSource {
        sources.withLock { sources in
            if let existing = sources[account] { return existing }
            let created = create()
            sources[account] = created
            return created
        }
    }
}
