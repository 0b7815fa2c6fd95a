extension Dictionary {
    /// Makes room for one more entry in a cache held to `capacity` entries: when full, drops the entries `isStale`
    /// names, and if that frees nothing, every entry (each key is then looked up once more). The eviction rule of
    /// ``LastSeenCache`` and ``TrustTierCache``.
    mutating func makeRoom(capacity: Int, droppingStale isStale: (Value) -> Bool) {
        guard count >= capacity else { return }
        self = filter { !isStale($0.value) }
        if count >= capacity { removeAll(keepingCapacity: true) }
    }
}
