public import Foundation
public import NIOCore
public import NIOPosix

/// Sends notifications as RFC 5424 syslog messages over UDP (RFC 5426, one message per datagram) or TCP
/// (RFC 6587 octet counting: `<length> SP <message>`).
///
/// TCP opens one connection per notification and closes it after the frame is written, so a restarted collector
/// needs nothing from us; the cost is a handshake per message, fine at notification rates.
public struct SyslogNotifier: Notifier {
    /// The transport.
    public enum Transport: String, Sendable {
        case udp
        case tcp
    }

    /// Settings of the syslog channel.
    public struct Configuration: Sendable {
        /// The collector's host name or address.
        public var host: String
        /// The collector's port. Default 514.
        public var port: Int
        /// UDP or TCP. Default UDP.
        public var transport: Transport
        /// The facility. Default `authpriv` (10).
        public var facility: SyslogMessage.Facility
        /// HOSTNAME in the header. Default this machine's host name.
        public var hostname: String
        /// APP-NAME in the header. Default `jitsudo`.
        public var appName: String
        /// The SD-ID of the structured-data element. Default `jitsudo@32473` (the documentation enterprise number).
        public var structuredDataID: String
        /// The outbox channel name. Default `syslog`.
        public var channel: String
        /// Time allowed to connect and write (TCP). Default 10 s.
        public var timeout: Duration

        /// Creates the settings; see each property for its default.
        public init(
            host: String,
            port: Int = 514,
            transport: Transport = .udp,
            facility: SyslogMessage.Facility = .authpriv,
            hostname: String = ProcessInfo.processInfo.hostName,
            appName: String = "jitsudo",
            structuredDataID: String = "jitsudo@32473",
            channel: String = "syslog",
            timeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.transport = transport
            self.facility = facility
            self.hostname = hostname
            self.appName = appName
            self.structuredDataID = structuredDataID
            self.channel = channel
            self.timeout = timeout
        }

        /// Throws a ``NotifyError`` naming the bad setting.
        public func validate() throws(NotifyError) {
            guard !host.isEmpty, !host.contains(where: { $0.isWhitespace }) else {
                throw NotifyError.invalid("notifications.syslog.address", "must name a host (host:port)")
            }
            guard (1...65535).contains(port) else {
                throw NotifyError.invalid("notifications.syslog.address", "the port must be 1-65535, was \(port)")
            }
            let sdForbidden: Set<Character> = ["=", "]", "\"", " "]
            guard !structuredDataID.isEmpty, structuredDataID.count <= 32,
                structuredDataID.allSatisfy({ $0.isASCII && !sdForbidden.contains($0) && !$0.isWhitespace })
            else {
                throw NotifyError.invalid("notifications.syslog.structured_data_id", "must be 1-32 ASCII characters without '=', ']', '\"' or spaces")
            }
            try validateChannelName(channel, setting: "notifications.syslog.channel")
            try validateTimeout(timeout, setting: "notifications.syslog.timeout")
        }
    }

    /// The validated settings.
    public let configuration: Configuration
    private let group: any EventLoopGroup

    public var channel: String { configuration.channel }

    /// Creates the notifier; throws when the configuration is invalid.
    public init(configuration: Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws(NotifyError) {
        try configuration.validate()
        self.configuration = configuration
        self.group = eventLoopGroup
    }

    /// The message for `notification` with this configuration.
    public func message(for notification: Notification) -> SyslogMessage {
        SyslogMessage(
            notification, facility: configuration.facility, hostname: configuration.hostname, appName: configuration.appName,
            procID: String(ProcessInfo.processInfo.processIdentifier), structuredDataID: configuration.structuredDataID
        )
    }

    public func send(_ notification: Notification) async throws {
        let bytes = Array(message(for: notification).text.utf8)
        do {
            switch configuration.transport {
            case .udp: try await sendUDP(bytes)
            case .tcp: try await sendTCP(Self.octetCounted(bytes))
            }
        } catch let error as NotifyError {
            throw error
        } catch {
            throw NotifyError(
                .connection,
                "syslog: could not send to \(configuration.host):\(configuration.port) over \(configuration.transport.rawValue): \(error)",
                context: ["channel": channel]
            )
        }
    }

    /// RFC 6587 §3.4.1 framing: `MSG-LEN SP SYSLOG-MSG`, the length in octets.
    public static func octetCounted(_ message: [UInt8]) -> [UInt8] {
        Array("\(message.count) ".utf8) + message
    }

    private func sendUDP(_ bytes: [UInt8]) async throws {
        let remote = try SocketAddress.makeAddressResolvingHost(configuration.host, port: configuration.port)
        let local = remote.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: group).bind(host: local, port: 0).get()
        do {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: bytes)))
        } catch {
            try? await channel.close()
            throw error
        }
        try? await channel.close()
    }

    private func sendTCP(_ frame: [UInt8]) async throws {
        let limit = configuration.timeout
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(Int64(limit.nanoseconds)))
            .connect(host: configuration.host, port: configuration.port).get()
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(limit.nanoseconds))) { channel.close(promise: nil) }
        defer { timer.cancel() }
        try await channel.writeAndFlush(ByteBuffer(bytes: frame))
        try? await channel.close()
    }
}
