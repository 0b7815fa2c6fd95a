import HummingbirdCore
import JitsudoTLS
import NIOCore

extension HTTPServerBuilder {
    /// HTTP/1.1 (over TLS when `tls` is given) with the connection limits of `limits`: bounded request heads
    /// (bytes and fields), a deadline for each request head from its first byte (slowloris), and an idle timeout
    /// for keep-alive connections and stalled bodies; each connection served on its channel's event loop.
    static func hardened(_ limits: AbuseLimits, tls: ReloadingTLSContext?) -> HTTPServerBuilder {
        let timeout = TimeAmount.seconds(Int64(max(limits.requestReadTimeoutSeconds, 1)))
        let configuration = HTTP1Channel.Configuration(
            idleTimeout: timeout,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                maxHeaderFieldCount: limits.maxHeaderCount))
        return .init { responder in
            let http = RequestHeadDeadlineChannel(
                baseChannel: EventLoopAffineChannel(
                    baseChannel: HTTP1Channel(responder: responder, configuration: configuration), executors: EventLoopTaskExecutor.singletonGroup),
                deadline: timeout)
            guard let tls else { return http }
            return ReloadingTLSChannel(http, context: tls)
        }
    }
}
