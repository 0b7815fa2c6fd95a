import _CryptoExtras
import AsyncHTTPClient
import Foundation
import GoogleCloudClient
import JitsudoTesting
import NIOCore
import NIOHTTP1
import Testing

/// The contract fake of Tests/Fakes/gcp/fake_gcp.py as a subprocess on a free loopback port, with a service-account
/// key whose public half (only) the fake trusts, and the fake's test controls (`/_fake/…`).
struct FakeGCP: Sendable {
    let port: Int
    let directory: String
    /// A service-account key file (JSON) for jitsudod; the fake knows only its public half.
    let keyFile: String
    static let serviceAccountEmail = "jitsudo@fake-project.iam.gserviceaccount.com"

    var baseURL: String { "http://127.0.0.1:\(port)" }

    struct Failure: Error, CustomStringConvertible { var description: String }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fakes/gcp/fake_gcp.py").path
    }

    /// Runs `body` with a fake started with `arguments` (plus the trusted key), then stops it.
    static func with<T: Sendable>(_ arguments: [String] = [], _ body: (FakeGCP) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + "jitsudo-fake-gcp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try key.publicKey.pemRepresentation.write(toFile: directory + "/public.pem", atomically: true, encoding: .utf8)
        let keyJSON = try JSONSerialization.data(withJSONObject: [
            "type": "service_account", "project_id": "fake-project", "private_key_id": "key-1", "private_key": key.pkcs8PEMRepresentation,
            "client_email": serviceAccountEmail, "token_uri": "https://oauth2.googleapis.com/token",
        ])
        try keyJSON.write(to: URL(fileURLWithPath: directory + "/key.json"))
        let output = directory + "/stdout"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/stderr", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--port", "0", "--trust-key", "\(serviceAccountEmail),key-1,\(directory)/public.pem"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/stderr"))
        try process.run()
        defer {
            // SIGKILL: the fake holds nothing worth a graceful stop, and a blocked SIGTERM must not hang the test.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let port: Int
        do {
            port = try await announcedPort(in: output, by: process) { text in
                text.split(separator: "\n").first.flatMap { $0.hasPrefix("listening ") ? Int($0.dropFirst(10)) : nil }
            }
        } catch {
            let stderr = (try? String(contentsOfFile: directory + "/stderr", encoding: .utf8)) ?? ""
            throw Failure(description: "the GCP fake did not start (\(error)): \(stderr.suffix(2000))")
        }
        return try await body(FakeGCP(port: port, directory: directory, keyFile: directory + "/key.json"))
    }

    func http(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), Array(buffer: try await response.body.collect(upTo: 8 << 20)))
    }

    /// The policy as the fake stores it (bindings, auditConfigs, … in their order; no etag or version).
    func storedPolicy(_ resource: String) async throws -> JSONValue {
        let (status, body) = try await http(.GET, "/_fake/policy?resource=\(resource)")
        guard status == 200, let policy = try JSONValue.parse(body)["policy"] else { throw Failure(description: "no policy for \(resource)") }
        return policy
    }

    /// Replaces the stored policy of `resource` (creating the resource).
    func seed(_ resource: String, _ policy: String) async throws {
        let (status, body) = try await http(.PUT, "/_fake/policy?resource=\(resource)", body: policy)
        guard status == 200 else { throw Failure(description: "seeding \(resource): \(String(decoding: body, as: UTF8.self))") }
    }

    func stats() async throws -> JSONValue { try JSONValue.parse(try await http(.GET, "/_fake/stats").1) }

    func stat(_ name: String) async throws -> Int {
        guard case .number(let literal)? = try await stats()[name], let value = Int(literal) else { throw Failure(description: "no stat \(name)") }
        return value
    }

    /// The next `count` calls of `method` answer `status`.
    func fail(_ method: String, status: Int, count: Int, message: String = "The service is currently unavailable.") async throws {
        _ = try await http(.POST, "/_fake/fail", body: #"{"method":"\#(method)","status":\#(status),"count":\#(count),"message":"\#(message)"}"#)
    }

    func deny(_ resource: String, method: String) async throws {
        _ = try await http(.POST, "/_fake/deny", body: #"{"resource":"\#(resource)","method":"\#(method)"}"#)
    }
}

/// A policy with everything a real one may hold that jitsudo must not touch.
enum SeedPolicy {
    static let text =
        #"{"bindings":[{"role":"roles/owner","members":["user:root@example.com","group:admins@example.com"]},"#
        + #"{"role":"roles/viewer","members":["group:auditors@example.com"],"condition":{"title":"office hours","#
        + #""description":"weekdays","expression":"request.time.getHours('Europe/Berlin') < 18"}}],"#
        + #""auditConfigs":[{"service":"allServices","auditLogConfigs":[{"logType":"DATA_READ","exemptedMembers":["user:bot@example.com"]},"#
        + #"{"logType":"ADMIN_READ"}]}]}"#
}

/// The stored policy without the bindings whose condition title starts with `prefix`, as compact text.
func policyText(_ policy: JSONValue, withoutTitlesPrefixed prefix: String) -> String {
    let bindings = (policy["bindings"]?.arrayValue ?? []).filter { binding in
        !(binding["condition"]?["title"]?.stringValue?.hasPrefix(prefix) ?? false)
    }
    return (bindings.isEmpty ? policy.removing("bindings") : policy.setting("bindings", to: .array(bindings))).text
}
