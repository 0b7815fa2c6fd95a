import Synchronization

/// Bounds the policy evaluations and compilations in flight on one replica: a call that would exceed the bound is
/// refused at once (never queued), so a burst of expensive Rego cannot exhaust the replica.
public final class EvaluationGate: Sendable {
    public let limit: Int
    private let inFlight = Mutex(0)

    /// `limit` 0 or less means unbounded.
    init(limit: Int) {
        self.limit = limit
    }

    /// Enters when below the bound; the caller must `leave()` after.
    public func tryEnter() -> Bool {
        inFlight.withLock { count in
            guard limit <= 0 || count < limit else { return false }
            count += 1
            return true
        }
    }

    public func leave() {
        inFlight.withLock { $0 -= 1 }
    }

    public var current: Int { inFlight.withLock { $0 } }

    /// The operations that evaluate or compile Rego (`POST requests`, approve, deny, extend, policy writes,
    /// `policies:eval`, reload), by method and path below `/api/v1alpha1`.
    static func evaluates(method: String, path: String) -> Bool {
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count >= 3, segments[0] == "api", segments[1] == "v1alpha1" else { return false }
        let rest = Array(segments.dropFirst(2))
        switch (method, rest.count) {
        case ("POST", 1): return ["requests", "policies", "policies:eval"].contains(rest[0])
        case ("POST", 2): return rest == ["admin", "reload-policies"]
        case ("POST", 3): return rest[0] == "requests" && ["approve", "deny", "extend"].contains(rest[2])
        case ("PATCH", 2), ("DELETE", 2): return rest[0] == "policies"
        default: return false
        }
    }
}
