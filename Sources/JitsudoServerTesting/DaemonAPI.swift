import AsyncHTTPClient
import Foundation
import JitsudoTesting
public import NIOHTTP1
import NIOCore

/// Calls a test daemon's `/api/v1alpha1` as a caller that ``HeaderAuthenticator`` accepts (`email;group,group`).
public struct DaemonAPI: Sendable {
    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// `method path` with an optional JSON body; the status and the body text (at most 1 MiB).
    public func call(_ method: HTTPMethod, _ path: String, as caller: String, json: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: baseURL + "/api/v1alpha1" + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(caller)")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    /// Applies and enables `policies` (name, type `eligibility`/`approval`, Rego) as an admin.
    ///
    /// - Throws: ``TestSupportError`` naming a policy the server refused.
    public func applyPolicies(_ policies: [(name: String, type: String, rego: String)]) async throws {
        for (name, type, rego) in policies {
            let body = try JSONSerialization.data(withJSONObject: ["name": name, "type": type, "rego": rego, "enabled": true])
            let (status, text) = try await call(
                .POST, "/policies", as: "root@example.com;jitsudo-admins", json: String(decoding: body, as: UTF8.self))
            guard status == 200 else { throw TestSupportError("policy \(name) was refused (\(status)): \(text)") }
        }
    }
}
