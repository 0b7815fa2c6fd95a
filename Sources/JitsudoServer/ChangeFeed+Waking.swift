import JitsudoCore
import JitsudoStore

extension ChangeFeed {
    /// The channels a replica follows: policy and trust tier changes (every replica), grant schedule changes and
    /// requests to sequence the audit at once (the leader).
    static let replicaChannels = ["jitsudo_policies", TrustTierCacheService.channel, "jitsudo_grants", "jitsudo_audit_staged"]

    /// Runs `work` with a wake signal that every notification on `channel` (and every reconnect of the feed) sets,
    /// until `work` returns. `noting` sees each payload (`nil` for "look at everything again") before the signal is
    /// set, so that what it records is there when `work` wakes.
    func waking(
        on channel: String, noting: @escaping @Sendable (_ payload: String?) -> Void = { _ in }, _ work: (WakeSignal) async -> Void
    ) async {
        let wake = WakeSignal()
        await following(
            channel,
            { payload in
                noting(payload)
                wake.signal()
            }
        ) { await work(wake) }
    }
}
