import AsyncHTTPClient
import Foundation
import JitsudoTesting
import NIOCore
import NIOHTTP1
import Synchronization

/// The calls the chaos test makes through the public API, with a bearer ID token.
struct API: Sendable {
    let http: HTTPClient

    func call(_ method: HTTPMethod, _ url: String, token: String, json: [String: Any]) async throws -> (status: Int, body: [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: json))))
        let response = try await http.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    /// Everyone in `sre` is eligible and every request is auto-approved: grants become ACTIVE at creation.
    func applyPolicies(on server: String, token: String) async throws {
        let policies: [[String: Any]] = [
            [
                "name": "eligibility", "type": "eligibility", "enabled": true,
                "rego": "package jitsudo.eligibility\n\nallow if \"sre\" in input.user.groups\n\nmax_duration_seconds := 3600\n",
            ],
            ["name": "approval", "type": "approval", "enabled": true, "rego": "package jitsudo.approval\n\napprover_tier := \"auto\"\n"],
        ]
        for policy in policies {
            let (status, body) = try await call(.POST, server + "/api/v1alpha1/policies", token: token, json: policy)
            guard status == 200 else { throw TestSupportError("applying policy \(policy["name"] ?? "") failed: \(status) \(body)") }
        }
    }

    /// Creates `count` grants round-robin over `replicas`, four at a time; grant `i` asks for the whole seconds left
    /// until `expiry(i)`. Returns the request ids. A 403 right after the policy change (a replica that has not
    /// reloaded yet) is retried for a few seconds.
    func createGrants(count: Int, replicas: [String], token: String, expiry: @escaping @Sendable (Int) -> ContinuousClock.Instant)
        async throws -> [String]
    {
        let next = Dispenser()
        return try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var ids: [String] = []
                    while true {
                        let index = next.take()
                        guard index < count else { return ids }
                        let server = replicas[index % replicas.count]
                        var attempt = 0
                        while true {
                            let left = expiry(index) - ContinuousClock.now
                            let seconds = max(1, Int((Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18).rounded()))
                            let (status, body) = try await call(
                                .POST, server + "/api/v1alpha1/requests", token: token,
                                json: [
                                    "provider": "mock", "role": "admin", "resource_scope": "acct-ha", "duration_seconds": seconds,
                                    "reason": "HA chaos \(index)",
                                ])
                            let request = body["request"] as? [String: Any]
                            if status == 200, let id = request?["id"] as? String {
                                guard request?["state"] as? String == "REQUEST_STATE_ACTIVE" else {
                                    throw TestSupportError("grant \(index) was not issued at creation: \(body)")
                                }
                                ids.append(id)
                                break
                            }
                            attempt += 1
                            guard status == 403, attempt < 50 else { throw TestSupportError("creating grant \(index) failed: \(status) \(body)") }
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
    }
}

/// Hands out 0, 1, 2 … to concurrent workers.
final class Dispenser: Sendable {
    private let next = Mutex(0)
    func take() -> Int {
        next.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}
