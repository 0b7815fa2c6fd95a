import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange with retries on what may pass (429, 5xx, no answer), per ``RetryPolicy``.
struct HTTPTransport: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    let retry: RetryPolicy
    let timeout: TimeAmount
    /// Retries performed so far are reported here (for metrics); the attempt number that failed is passed.
    let onRetry: @Sendable (Int) -> Void

    /// The response to the first attempt that is not transient, or the last one; a transport failure on the last
    /// attempt throws ``GoogleCloudError`` `transport`.
    func send(method: String, url: String, headers: [(String, String)], body: [UInt8]?) async throws(GoogleCloudError) -> Response {
        var attempt = 1
        while true {
            let outcome: Result<Response, GoogleCloudError>
            do {
                var request = HTTPClientRequest(url: url)
                request.method = HTTPMethod(rawValue: method)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
                let response = try await HTTPClient.shared.execute(request, timeout: timeout)
                let bytes = try await response.body.collect(upTo: 4 << 20)
                outcome = .success(Response(status: Int(response.status.code), body: Array(buffer: bytes)))
            } catch {
                outcome = .failure(GoogleCloudError(.transport, "no answer from \(Self.hostOf(url)): \(type(of: error))"))
            }
            let transient: Bool
            switch outcome {
            case .success(let response): transient = response.status == 429 || (500...599).contains(response.status)
            case .failure: transient = true
            }
            guard transient, retry.allowsRetry(afterAttempt: attempt) else { return try outcome.get() }
            onRetry(attempt)
            // A cancelled task stops retrying instead of sending the next attempt.
            do {
                try await Task.sleep(for: retry.delay(afterAttempt: attempt, jitter: Double.random(in: 0...1)))
            } catch {
                throw GoogleCloudError(.transport, "cancelled while waiting to retry \(Self.hostOf(url))")
            }
            attempt += 1
        }
    }

    /// The host of `url`, for messages (never the query, which could carry a token).
    static func hostOf(_ url: String) -> String { URLComponents(string: url)?.host ?? "the server" }
}
