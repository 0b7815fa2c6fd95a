import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 that records every request and answers with scripted statuses
/// (then 200 once the script is used up).
final class HTTPReceiver: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private struct State {
        var requests: [Request] = []
        var script: [Int] = []
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let shared = Shared()
    private let channel: any Channel

    var port: Int { channel.localAddress?.port ?? 0 }
    var url: String { "http://127.0.0.1:\(port)/hook" }
    var requests: [Request] { shared.state.withLock { $0.requests } }

    /// Starts listening on a free loopback port; `statuses` are answered in order.
    init(statuses: [Int] = []) async throws {
        let shared = self.shared
        shared.state.withLock { $0.script = statuses }
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        Handler { request in
                            shared.state.withLock { current in
                                current.requests.append(request)
                                return current.script.isEmpty ? 200 : current.script.removeFirst()
                            }
                        })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let respond: @Sendable (Request) -> Int
        private var current: Request?

        init(respond: @escaping @Sendable (Request) -> Int) { self.respond = respond }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                current = Request(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: [])
            case .body(var buffer):
                current?.body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let request = current else { return }
                current = nil
                let status = respond(request)
                let body = ByteBuffer(string: status == 200 ? "ok" : "failure \(status)")
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: String(body.readableBytes))
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
