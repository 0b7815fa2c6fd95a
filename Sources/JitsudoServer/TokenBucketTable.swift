/// Token buckets by key (an identity or an address): each holds up to `capacity` tokens and refills at
/// `capacity` per minute. Pure: the caller passes the time. Bounded: beyond `maxKeys` the buckets that are full
/// again are dropped, then the fullest: the buckets that carry a limit (an attacker's empty one) are kept.
struct TokenBucketTable: Sendable {
    let capacity: Double
    let refillPerSecond: Double
    let maxKeys: Int
    private var buckets: [String: Bucket] = [:]

    private struct Bucket: Sendable {
        var tokens: Double
        var updated: Double
    }

    /// `perMinute` tokens per minute, the bucket holding one minute's allowance.
    init(perMinute: Int, maxKeys: Int) {
        capacity = Double(max(perMinute, 1))
        refillPerSecond = Double(max(perMinute, 1)) / 60
        self.maxKeys = max(maxKeys, 1)
    }

    var trackedKeys: Int { buckets.count }

    /// Takes one token for `key`: nil when allowed, else the seconds until a token is available.
    mutating func take(_ key: String, now: Double) -> Double? {
        var bucket = refilled(key, now: now)
        defer {
            buckets[key] = bucket
            if buckets.count > maxKeys { evict(now: now) }
        }
        guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / refillPerSecond }
        bucket.tokens -= 1
        return nil
    }

    /// Whether `key` has a token, without taking it: nil when it has, else the seconds until it will.
    func check(_ key: String, now: Double) -> Double? {
        let bucket = refilled(key, now: now)
        return bucket.tokens >= 1 ? nil : (1 - bucket.tokens) / refillPerSecond
    }

    private func refilled(_ key: String, now: Double) -> Bucket {
        guard var bucket = buckets[key] else { return Bucket(tokens: capacity, updated: now) }
        bucket.tokens = min(capacity, bucket.tokens + max(0, now - bucket.updated) * refillPerSecond)
        bucket.updated = max(bucket.updated, now)
        return bucket
    }

    private mutating func evict(now: Double) {
        func tokens(_ bucket: Bucket) -> Double { min(capacity, bucket.tokens + max(0, now - bucket.updated) * refillPerSecond) }
        buckets = buckets.filter { _, bucket in tokens(bucket) < capacity }
        guard buckets.count > maxKeys else { return }
        let keep = buckets.sorted { tokens($0.value) < tokens($1.value) }.prefix(maxKeys * 9 / 10)
        buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
