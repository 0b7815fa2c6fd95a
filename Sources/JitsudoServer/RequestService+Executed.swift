import JitsudoCore
import JitsudoStore

extension RequestService {
    /// What executing a decision stored: the request as the transaction returned it and, when the transaction read
    /// them and added none, its approvals — so the response needs no further query.
    struct Executed: Sendable {
        var request: ElevationRequest
        /// nil when they must be read again (the decision recorded an approval, stamped by the database).
        var approvals: [Approval]?
    }
}
