public import Foundation

/// The inline policy jitsudo keeps on a target role to cut off the sessions of revoked grants: STS sessions cannot
/// be deleted, so each revoked grant's request id is listed in a Deny of every action whose condition matches the
/// session tag `jitsudo-request-id` that every jitsudo session carries (transitive, so a role chained from the
/// session carries it too and cannot change it). Sessions of other grants and of other callers carry another id or
/// none, so they are untouched. Pure: documents are built and read here, IAM is called by the provider.
///
/// Ids are kept in buckets by the time after which no session of theirs can still be valid (the revocation time
/// plus the longest session jitsudo issues); a bucket is dropped once that time has passed. The rendered document
/// stays under IAM's limit on a role's inline policies by merging buckets (the later time wins, which only keeps an
/// entry longer) before giving up.
public struct RevocationPolicy: Sendable, Hashable {
    /// Request ids whose sessions end by `until`.
    public struct Bucket: Sendable, Hashable {
        public var until: Date
        public var requestIDs: [String]
        public init(until: Date, requestIDs: [String]) {
            self.until = until
            self.requestIDs = requestIDs
        }
    }

    /// The name of the inline policy on the target role.
    public static let policyName = "jitsudo-revoked-sessions"
    /// The session tag every jitsudo session carries.
    public static let tagKey = "jitsudo-request-id"
    /// IAM's limit on the characters of a role's inline policies (white space excluded; the rendering has none).
    public static let sizeLimit = 10_240
    static let sidPrefix = "JitsudoRevokedUntil"

    public var buckets: [Bucket]

    public init(buckets: [Bucket] = []) { self.buckets = buckets }

    /// Every request id denied.
    public var requestIDs: Set<String> { Set(buckets.flatMap(\.requestIDs)) }

    /// With `requestID` denied until `until` (the minute rounded up); adding an id already denied moves it to the
    /// later of the two times.
    public func adding(_ requestID: String, until: Date) -> RevocationPolicy {
        let minute = (until.timeIntervalSince1970 / 60).rounded(.up) * 60
        let until = Date(timeIntervalSince1970: minute)
        var buckets = self.buckets
        var existing: Date?
        for index in buckets.indices where buckets[index].requestIDs.contains(requestID) {
            existing = max(existing ?? .distantPast, buckets[index].until)
            buckets[index].requestIDs.removeAll { $0 == requestID }
        }
        let target = max(until, existing ?? until)
        if let index = buckets.firstIndex(where: { $0.until == target }) {
            buckets[index].requestIDs.append(requestID)
        } else {
            buckets.append(Bucket(until: target, requestIDs: [requestID]))
        }
        return RevocationPolicy(buckets: buckets.filter { !$0.requestIDs.isEmpty }.sorted { $0.until < $1.until })
    }

    /// Without the buckets whose sessions have all ended by `now`.
    public func pruned(at now: Date) -> RevocationPolicy {
        RevocationPolicy(buckets: buckets.filter { $0.until > now })
    }

    /// The ids ``pruned(at:)`` drops.
    public func expiredRequestIDs(at now: Date) -> [String] { buckets.filter { $0.until <= now }.flatMap(\.requestIDs) }

    /// The policy rendered within `limit` characters, merging the earliest buckets into the next ones while it does not
    /// fit; nil when even one bucket does not fit (too many grants of this role revoked within one session length).
    public func fitted(limit: Int = sizeLimit) -> (policy: RevocationPolicy, document: String)? {
        var policy = self
        while true {
            let document = policy.document()
            if document.count <= limit { return (policy, document) }
            guard policy.buckets.count > 1 else { return nil }
            var merged = policy.buckets
            let first = merged.removeFirst()
            merged[0].requestIDs = first.requestIDs + merged[0].requestIDs
            policy = RevocationPolicy(buckets: merged)
        }
    }

    /// The IAM policy document, compact JSON with sorted keys. An empty policy has no statements (the provider deletes it).
    public func document() -> String {
        let statements: [[String: Any]] = buckets.map { bucket in
            [
                "Sid": Self.sidPrefix + Self.sidTime(bucket.until),
                "Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": ["StringEquals": ["aws:PrincipalTag/\(Self.tagKey)": bucket.requestIDs.sorted()]],
            ]
        }
        let object: [String: Any] = ["Version": "2012-10-17", "Statement": statements]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a document this type rendered; statements of other shapes (edited by hand) are ignored, so they are
    /// dropped when the policy is written again.
    public static func parse(_ document: String) -> RevocationPolicy {
        guard let object = try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any] else { return RevocationPolicy() }
        let statements = (object["Statement"] as? [[String: Any]]) ?? ((object["Statement"] as? [String: Any]).map { [$0] } ?? [])
        var buckets: [Bucket] = []
        for statement in statements {
            guard let sid = statement["Sid"] as? String, sid.hasPrefix(sidPrefix), let until = parseSidTime(String(sid.dropFirst(sidPrefix.count))),
                let condition = (statement["Condition"] as? [String: Any])?["StringEquals"] as? [String: Any]
            else { continue }
            let value = condition["aws:PrincipalTag/\(tagKey)"]
            let ids = (value as? [String]) ?? ((value as? String).map { [$0] } ?? [])
            if !ids.isEmpty { buckets.append(Bucket(until: until, requestIDs: ids)) }
        }
        return RevocationPolicy(buckets: buckets.sorted { $0.until < $1.until })
    }

    /// `yyyyMMddHHmm` in UTC (a Sid is alphanumeric).
    static func sidTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String {
            let v = value ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        return "\(c.year ?? 1970)\(two(c.month))\(two(c.day))\(two(c.hour))\(two(c.minute))"
    }

    static func parseSidTime(_ text: String) -> Date? {
        guard text.count == 12, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else { return nil }
        let digits = Array(text)
        func number(_ range: Range<Int>) -> Int? { Int(String(digits[range])) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.date(
            from: DateComponents(
                year: number(0..<4), month: number(4..<6), day: number(6..<8), hour: number(8..<10),
                minute: number(10..<12)))
    }
}
