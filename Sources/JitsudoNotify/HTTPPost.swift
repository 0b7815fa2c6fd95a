import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs a JSON body and accepts any 2xx; shared by the Slack and webhook channels.
///
/// Errors never contain the URL: a Slack webhook URL is itself a credential.
enum HTTPPost {
    /// The largest response body read into an error message.
    static let maximumErrorBody = 4096

    static func send(
        client: HTTPClient,
        url: String,
        body: [UInt8],
        headers: [(String, String)],
        timeout: Duration,
        channel: String
    ) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "jitsudo-notify")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount.nanoseconds(Int64(timeout.nanoseconds)))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw NotifyError(.timeout, "\(channel): no HTTP answer within \(timeout)", context: ["channel": channel])
        } catch {
            throw NotifyError(.connection, "\(channel): HTTP request failed: \(error)", context: ["channel": channel])
        }
        let status = response.status.code
        let text = (try? await response.body.collect(upTo: maximumErrorBody)).map { String(buffer: $0) } ?? ""
        guard (200..<300).contains(status) else {
            throw NotifyError(
                .rejected,
                "\(channel): the receiver answered HTTP \(status): \(text.prefix(200))",
                context: ["channel": channel, "status": String(status)]
            )
        }
    }
}

extension Duration {
    /// The whole duration in nanoseconds, saturating.
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// The duration in seconds as a double.
    var seconds: Double { nanoseconds / 1e9 }
}

/// Checks an `http`/`https` URL setting.
func validateHTTPURL(_ text: String, setting: String) throws(NotifyError) {
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
        let host = url.host, !host.isEmpty
    else {
        throw NotifyError.invalid(setting, "must be an http(s) URL with a host (the value is not shown: it may hold a token)")
    }
}

/// Checks a timeout setting.
func validateTimeout(_ value: Duration, setting: String) throws(NotifyError) {
    guard value > .zero, value <= .seconds(600) else {
        throw NotifyError.invalid(setting, "must be between 0 and 600 seconds, was \(value)")
    }
}
