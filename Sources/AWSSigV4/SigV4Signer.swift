import Crypto
public import Foundation

/// AWS Signature Version 4 over one HTTP request: canonical request, string to sign, signature and the
/// `Authorization` header. Pure: the time is a parameter and nothing is sent. Matches botocore's `SigV4Auth`
/// (checked by a differential test over generated requests), including its choice of headers not to sign
/// (`user-agent`, hop-by-hop headers), which lets a proxy or client library change them.
public struct SigV4Signer: Sendable {
    /// A request as it will be sent.
    public struct Request: Sendable, Hashable {
        public var method: String
        /// The host as sent in `Host` (`sts.amazonaws.com`, `127.0.0.1:5000`).
        public var host: String
        /// The path as sent on the wire (already percent-encoded).
        public var path: String
        /// Query parameters, not encoded, in any order (repeated names allowed).
        public var query: [QueryItem]
        /// Header names and values as sent (repeated names allowed).
        public var headers: [Header]
        public var body: [UInt8]

        public init(method: String, host: String, path: String = "/", query: [QueryItem] = [], headers: [Header] = [], body: [UInt8] = []) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }
    }

    /// One query parameter, not encoded.
    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One header line.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Headers never signed (botocore's list): clients and proxies may rewrite them.
    public static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
        "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    public var credentials: AWSCredentials
    public var region: String
    /// The signing name (`sts`, `iam`, `sso`, `identitystore`).
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// `request` with the headers SigV4 adds (`X-Amz-Date`, `X-Amz-Security-Token`) and its `Authorization`.
    public func sign(_ request: Request, at date: Date) -> Request {
        var signed = prepared(request, timestamp: Self.timestamp(date))
        signed.headers.append(Header("Authorization", authorization(signed, timestamp: Self.timestamp(date))))
        return signed
    }

    /// `request` with `X-Amz-Date` and (for temporary credentials) `X-Amz-Security-Token` set, replacing any.
    public func prepared(_ request: Request, timestamp: String) -> Request {
        var request = request
        let replaced: Set<String> = ["authorization", "x-amz-date", "x-amz-security-token"]
        request.headers.removeAll { replaced.contains($0.name.lowercased()) }
        request.headers.append(Header("X-Amz-Date", timestamp))
        if let token = credentials.sessionToken { request.headers.append(Header("X-Amz-Security-Token", token)) }
        return request
    }

    /// The `Authorization` header value of a ``prepared(_:timestamp:)`` request.
    public func authorization(_ request: Request, timestamp: String) -> String {
        let canonical = canonicalRequest(request)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical, timestamp: timestamp), timestamp: timestamp)
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(timestamp)), SignedHeaders=\(signedHeaderNames(request)), "
            + "Signature=\(signature)"
    }

    /// The canonical request: method, canonical path, canonical query, canonical headers, signed headers, payload hash.
    public func canonicalRequest(_ request: Request) -> String {
        let headers = headersToSign(request)
        let names = headers.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(headers[$0, default: []].map(Self.trimAll).joined(separator: ","))" }
        let payload = headers["x-amz-content-sha256"]?.first ?? Self.hex(SHA256.hash(data: request.body))
        return [
            request.method.uppercased(), Self.canonicalPath(request.path), Self.canonicalQuery(request.query),
            canonicalHeaders.joined(separator: "\n") + "\n", names.joined(separator: ";"), payload,
        ].joined(separator: "\n")
    }

    /// The string to sign for `canonicalRequest` at `timestamp` (`yyyyMMdd'T'HHmmss'Z'`).
    public func stringToSign(canonicalRequest: String, timestamp: String) -> String {
        ["AWS4-HMAC-SHA256", timestamp, scope(timestamp), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// The hex signature of `stringToSign` with the key derived for the day of `timestamp`, region and service.
    public func signature(stringToSign: String, timestamp: String) -> String {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [String(timestamp.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// `<date>/<region>/<service>/aws4_request`.
    public func scope(_ timestamp: String) -> String { "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request" }

    func signedHeaderNames(_ request: Request) -> String { headersToSign(request).keys.sorted().joined(separator: ";") }

    /// Lower-cased name → values in order; `host` from the request when no header names it.
    func headersToSign(_ request: Request) -> [String: [String]] {
        var headers: [String: [String]] = [:]
        for header in request.headers {
            let name = header.name.lowercased()
            if !Self.unsignedHeaders.contains(name) { headers[name, default: []].append(header.value) }
        }
        if headers["host"] == nil { headers["host"] = [request.host] }
        return headers
    }

    /// The path with dot segments and empty segments removed, then percent-encoded again (`%` becomes `%25`), as
    /// every service but S3 expects.
    public static func canonicalPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                if !segments.isEmpty { segments.removeLast() }
            } else {
                segments.append(segment)
            }
        }
        var normalized = (path.hasPrefix("/") ? "/" : "") + segments.joined(separator: "/")
        if path.hasSuffix("/"), !segments.isEmpty { normalized += "/" }
        return URIEncoding.encode(normalized, keepSlash: true)
    }

    /// Names and values encoded, sorted by name then value, joined with `&`.
    public static func canonicalQuery(_ items: [QueryItem]) -> String {
        let encoded: [(name: String, value: String)] = items.map { (URIEncoding.encode($0.name), URIEncoding.encode($0.value)) }
        let sorted = encoded.sorted { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Leading and trailing white space removed, runs of it made one space.
    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let v = value ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        return "\(c.year ?? 1970)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
