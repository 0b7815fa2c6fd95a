import AsyncHTTPClient
import Foundation
import JitsudoTesting
import NIOCore
import NIOHTTP1

/// Tests/Fakes/slack/fake_slack.py as a subprocess on a free loopback port: users.info, chat.update and
/// chat.postEphemeral, answered only for the bot token it was started with.
struct FakeSlack: Sendable {
    let port: Int
    var apiURL: String { "http://127.0.0.1:\(port)/api" }

    struct Call: Decodable, Sendable {
        var method: String
        var authorized: Bool
        var body: [String: JSONText]
    }

    /// A JSON member kept as text (strings as themselves, anything else as JSON).
    struct JSONText: Decodable, Sendable {
        var text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                text = string
            } else {
                let value = try container.decode(AnyJSON.self)
                text = value.text
            }
        }
    }

    /// Any JSON value, rendered back to compact text for substring checks.
    indirect enum AnyJSON: Decodable {
        case string(String), number(Double), bool(Bool), null, array([AnyJSON]), object([String: AnyJSON])
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([AnyJSON].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: AnyJSON].self))
            }
        }
        var text: String {
            switch self {
            case .string(let value): return value
            case .number(let value): return String(value)
            case .bool(let value): return String(value)
            case .null: return "null"
            case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
            case .object(let members):
                return "{" + members.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.text)" }.joined(separator: ",") + "}"
            }
        }
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fakes/slack/fake_slack.py")
            .path
    }

    static func with<T: Sendable>(token: String, users: [String: String], _ body: (FakeSlack) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + "jitsudo-fake-slack-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/stdout"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--port", "0", "--token", token] + users.flatMap { ["--user", "\($0.key)=\($0.value)"] }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let port = try await announcedPort(in: output, by: process) { text in
            text.split(separator: "\n").first.flatMap { $0.hasPrefix("listening ") ? Int($0.dropFirst(10)) : nil }
        }
        return try await body(FakeSlack(port: port))
    }

    func calls() async throws -> [Call] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/_fake/calls"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 8 << 20)
        struct Calls: Decodable { var calls: [Call] }
        return try JSONDecoder().decode(Calls.self, from: Data(body.readableBytesView)).calls
    }
}
