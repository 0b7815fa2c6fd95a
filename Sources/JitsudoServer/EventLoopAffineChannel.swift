import HummingbirdCore
import Logging
import NIOCore

/// Serves each HTTP/1.1 connection on the event loop its channel belongs to (``EventLoopTaskExecutor``): reading a
/// request, running its handler and writing the response happen on that loop, so a database reply or the next request
/// read there resumes the connection's task without a thread hand-over. A loop outside `executors` (none is expected)
/// leaves the connection on the global executor.
struct EventLoopAffineChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value
    let baseChannel: HTTP1Channel
    let executors: [ObjectIdentifier: EventLoopTaskExecutor]

    var responder: HTTPChannelHandler.Responder { baseChannel.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        baseChannel.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        guard let executor = executors[ObjectIdentifier(value.channel.eventLoop)] else {
            return await baseChannel.handle(value: value, logger: logger)
        }
        await withTaskExecutorPreference(executor) { await baseChannel.handle(value: value, logger: logger) }
    }
}
