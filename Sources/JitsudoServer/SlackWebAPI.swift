import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The few Slack Web API methods interactive approvals use, called with the bot token at `apiURL`
/// (`https://slack.com/api` unless configured). Errors never contain the token.
struct SlackWebAPI: Sendable {
    let apiURL: String
    let botToken: String
    let client: HTTPClient
    let timeout: TimeAmount = .seconds(10)

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The e-mail address of Slack user `userID` (`users.info`, needs the `users:read.email` scope); nil when Slack
    /// knows no such user or shows no e-mail for them.
    ///
    /// - Throws: ``Failure`` when Slack cannot be asked (network, HTTP error, a token Slack refuses).
    func email(of userID: String) async throws -> String? {
        let reply = try await call("users.info", form: ["user": userID])
        guard reply["ok"] as? Bool == true else {
            let error = reply["error"] as? String ?? "unknown_error"
            if ["user_not_found", "user_not_visible", "account_inactive"].contains(error) { return nil }
            throw Failure("users.info answered \(error.prefix(80))")
        }
        let profile = (reply["user"] as? [String: Any])?["profile"] as? [String: Any]
        guard let email = profile?["email"] as? String, !email.isEmpty else { return nil }
        return email.lowercased()
    }

    /// Replaces the message at `channel`/`ts` (`chat.update`) with `text` and `blocks`.
    func updateMessage(channel: String, ts: String, text: String, blocks: [[String: Any]]) async throws {
        try await expectOK("chat.update", json: ["channel": channel, "ts": ts, "text": text, "blocks": blocks])
    }

    /// Tells only `user` something in `channel` (`chat.postEphemeral`).
    func tell(user: String, channel: String, text: String) async throws {
        try await expectOK("chat.postEphemeral", json: ["channel": channel, "user": user, "text": text])
    }

    private func expectOK(_ method: String, json: [String: Any]) async throws {
        let reply = try await call(method, json: json)
        guard reply["ok"] as? Bool == true else { throw Failure("\(method) answered \((reply["error"] as? String ?? "unknown_error").prefix(80))") }
    }

    private func call(_ method: String, form: [String: String]? = nil, json: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: apiURL.hasSuffix("/") ? apiURL + method : "\(apiURL)/\(method)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(botToken)")
        request.headers.add(name: "User-Agent", value: "jitsudod")
        if let form {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let text = form.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: text))
        } else if let json {
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw Failure("\(method): the Slack Web API could not be reached: \(error)")
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else { throw Failure("\(method): the Slack Web API answered HTTP \(response.status.code)") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw Failure("\(method): the Slack Web API answered something that is not a JSON object")
        }
        return object
    }
}
