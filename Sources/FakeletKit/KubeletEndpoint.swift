public import Foundation
public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The one part of a kubelet's HTTPS API the tests' runbook commands need: `GET /containerLogs/<namespace>/<pod>/
/// <container>`, which the API server proxies for `kubectl logs` (with `?previous=true` for `--previous`, and
/// `tailLines`). It serves the output files of the process pods (``ProcessPodRuntime``); a simulated pod has none
/// (404 saying so). `follow` is not streamed: the current content is sent and the stream ends. No authentication:
/// it listens on loopback only, for a test bed.
public enum KubeletEndpoint {
    public struct LogRequest: Sendable, Equatable {
        public var namespace: String
        public var pod: String
        public var container: String
        public var previous: Bool
        public var tailLines: Int?

        /// Parses `/containerLogs/<ns>/<pod>/<container>?query`; nil for any other path.
        public init?(uri: String) {
            let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let path = parts[0].split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
            guard path.count == 4, path[0] == "containerLogs" else { return nil }
            (namespace, pod, container) = (path[1], path[2], path[3])
            var query: [String: String] = [:]
            for pair in (parts.count > 1 ? parts[1] : "").split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                query[String(kv[0])] = kv.count > 1 ? String(kv[1]).removingPercentEncoding : ""
            }
            previous = query["previous"] == "true"
            tailLines = query["tailLines"].flatMap { Int($0) }
        }
    }

    public enum LogResponse: Sendable, Equatable {
        case found(Data)
        case notFound(String)
    }

    /// Starts listening on 127.0.0.1:`port` (0: any free port) with the certificate and key files; returns the
    /// channel (its local address has the port).
    public static func start(
        port: Int, certificatePath: String, keyPath: String, logs: @escaping @Sendable (LogRequest) -> LogResponse
    ) async throws -> any Channel {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        let context = try NIOSSLContext(configuration: configuration)
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(LogHandler(logs: logs))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
    }

    /// The last `count` lines of `data` (all of it when nil).
    static func tail(_ data: Data, lines count: Int?) -> Data {
        guard let count else { return data }
        guard count > 0 else { return Data() }
        var newlines = 0
        var index = data.endIndex
        // A final newline ends the last line; it does not start another.
        if index > data.startIndex, data[data.index(before: index)] == UInt8(ascii: "\n") { index = data.index(before: index) }
        while index > data.startIndex {
            let previous = data.index(before: index)
            if data[previous] == UInt8(ascii: "\n") {
                newlines += 1
                if newlines == count { return data[index...] }
            }
            index = previous
        }
        return data
    }
}

private final class LogHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let logs: @Sendable (KubeletEndpoint.LogRequest) -> KubeletEndpoint.LogResponse

    init(logs: @escaping @Sendable (KubeletEndpoint.LogRequest) -> KubeletEndpoint.LogResponse) { self.logs = logs }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let (status, body): (HTTPResponseStatus, Data)
        if head.method != .GET {
            (status, body) = (.methodNotAllowed, Data("only GET /containerLogs/<namespace>/<pod>/<container> is served\n".utf8))
        } else if let request = KubeletEndpoint.LogRequest(uri: head.uri) {
            switch logs(request) {
            case .found(let data): (status, body) = (.ok, KubeletEndpoint.tail(data, lines: request.tailLines))
            case .notFound(let message): (status, body) = (.notFound, Data((message + "\n").utf8))
            }
        } else {
            (status, body) = (.notFound, Data("the fakelet serves only /containerLogs/<namespace>/<pod>/<container>\n".utf8))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }
}
