import AsyncHTTPClient
import Foundation
import JitsudoTesting
import NIOCore
import NIOHTTP1

/// A browser as the console sees one: its own cookie jar, no automatic redirects, forms posted as
/// `application/x-www-form-urlencoded`. Two of them are two people.
actor ConsoleBrowser {
    let baseURL: String
    let client: HTTPClient
    private(set) var cookies: [String: String] = [:]
    private(set) var lastSetCookie: String = ""

    struct Page: Sendable {
        var status: Int
        var body: String
        var headers: HTTPHeaders
        var location: String? { headers.first(name: "Location") }

        /// The CSRF token of the first form on the page.
        var csrf: String? {
            guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
            return String(body[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    init(baseURL: String, client: HTTPClient) {
        self.baseURL = baseURL
        self.client = client
    }

    func get(_ path: String) async throws -> Page {
        try await send(.GET, path.hasPrefix("http") ? path : baseURL + path, body: nil)
    }

    func post(_ path: String, _ form: [(String, String)]) async throws -> Page {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return try await send(.POST, baseURL + path, body: body)
    }

    /// Signs in through the console's own flow: /ui/login → the issuer's page (as `subject`) → /ui/callback.
    func signIn(as subject: String, at mock: ProviderMock) async throws -> Page {
        let login = try await get("/ui/login")
        guard login.status == 302, let authorization = login.location else { throw TestSupportError("/ui/login answered \(login.status)") }
        let callback = try await mock.authorize(authorization, as: subject)
        guard callback.hasPrefix(baseURL + "/ui/callback") else { throw TestSupportError("the issuer sent the browser to \(callback)") }
        return try await get(callback)
    }

    private func send(_ method: HTTPMethod, _ url: String, body: String?) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if url.hasPrefix(baseURL + "/ui"), !cookies.isEmpty {
            request.headers.add(name: "Cookie", value: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 8 << 20))
        for header in response.headers["Set-Cookie"] {
            lastSetCookie = header
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let name = String(pair[0]).trimmingCharacters(in: .whitespaces)
            if pair[1].isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = String(pair[1]) }
        }
        return Page(status: Int(response.status.code), body: text, headers: response.headers)
    }
}
