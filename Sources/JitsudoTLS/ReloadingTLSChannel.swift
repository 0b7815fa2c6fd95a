public import HummingbirdCore
public import Logging
public import NIOCore
import NIOSSL

/// A Hummingbird server child channel that adds TLS with the context current at accept time.
///
/// Like HummingbirdTLS's `TLSChannel`, but the `NIOSSLContext` is asked from ``ReloadingTLSContext`` for every
/// new connection, so a rotated certificate is served without restarting the server.
public struct ReloadingTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    public typealias Value = BaseChannel.Value

    let baseChannel: BaseChannel
    let context: ReloadingTLSContext

    public init(_ baseChannel: BaseChannel, context: ReloadingTLSContext) {
        self.baseChannel = baseChannel
        self.context = context
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let sslContext = context.currentContext
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
        }.flatMap {
            self.baseChannel.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: BaseChannel.Value, logger: Logger) async {
        await baseChannel.handle(value: value, logger: logger)
    }
}

extension ReloadingTLSChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    public var responder: HTTPChannelHandler.Responder { baseChannel.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS whose certificate follows ``ReloadingTLSContext``:
    /// `Application(router: router, server: .reloadingTLS(context: tls))`.
    public static func reloadingTLS(
        http1 configuration: HTTP1Channel.Configuration = .init(), context: ReloadingTLSContext
    ) -> HTTPServerBuilder {
        .init { responder in
            ReloadingTLSChannel(HTTP1Channel(responder: responder, configuration: configuration), context: context)
        }
    }
}
