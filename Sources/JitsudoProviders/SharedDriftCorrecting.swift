/// A provider whose objects several grants can share (``CredentialProvider/sharesObject(revokeToken:)``): such
/// objects carry no request id, so the leader's ``DriftReconciler`` hands it a ``SharedObjectLedger`` built from the
/// grants' revoke tokens instead.
public protocol SharedDriftCorrecting: CredentialProvider {
    /// The prefix of the revoke tokens that name shared objects (the ledger holds only those).
    var sharedTokenPrefix: String { get }
    /// Removes every shared object whose token `ledger` says goes; returns what was removed.
    func removeSharedDrift(_ ledger: SharedObjectLedger) async throws -> [DriftRemoval]
}
