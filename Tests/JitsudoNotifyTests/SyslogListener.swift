import NIOCore
import NIOPosix
import Synchronization

/// A syslog collector on 127.0.0.1 for tests: UDP datagrams, or the raw bytes of every TCP connection.
final class SyslogListener: Sendable {
    private final class Shared: Sendable {
        let received = Mutex<[[UInt8]]>([])
    }

    private let shared = Shared()
    private let channel: any Channel

    var port: Int { channel.localAddress?.port ?? 0 }
    /// Datagrams (UDP) or, per connection, all bytes received (TCP).
    var received: [[UInt8]] { shared.received.withLock { $0 } }

    init(udp: Bool) async throws {
        let shared = self.shared
        if udp {
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DatagramCollector(shared: shared)) }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        } else {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(StreamCollector(shared: shared)) }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }
    }

    func stop() async { try? await channel.close() }

    private final class DatagramCollector: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let shared: Shared
        init(shared: Shared) { self.shared = shared }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data).data
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            shared.received.withLock { $0.append(bytes) }
        }
    }

    /// Appends a connection's bytes to its own entry when the connection closes.
    private final class StreamCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let shared: Shared
        var bytes: [UInt8] = []
        init(shared: Shared) { self.shared = shared }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        func channelInactive(context: ChannelHandlerContext) {
            let bytes = self.bytes
            shared.received.withLock { $0.append(bytes) }
            context.fireChannelInactive()
        }
    }
}

/// Splits RFC 6587 octet-counted frames (`LEN SP MSG`); nil when the bytes are not exactly such frames.
func octetCountedFrames(_ bytes: [UInt8]) -> [String]? {
    var frames: [String] = []
    var index = 0
    while index < bytes.count {
        guard let space = bytes[index...].firstIndex(of: UInt8(ascii: " ")),
            let length = Int(String(decoding: bytes[index..<space], as: UTF8.self)), length > 0, space + 1 + length <= bytes.count
        else { return nil }
        frames.append(String(decoding: bytes[(space + 1)..<(space + 1 + length)], as: UTF8.self))
        index = space + 1 + length
    }
    return frames
}
