public import Foundation
public import NIOCore
public import NIOPosix
import NIOSSL

/// Sends notifications as e-mail through an SMTP submission server (RFC 5321) over SwiftNIO.
///
/// One connection per notification: greeting, `EHLO`, optional `STARTTLS` (then `EHLO` again), optional
/// `AUTH PLAIN`/`AUTH LOGIN`, `MAIL FROM`, one `RCPT TO` per recipient, `DATA` with dot-stuffing, `QUIT`.
/// Every step must get a positive reply; otherwise ``send(_:)`` throws a ``NotifyError`` with code `rejected`
/// and the server's reply code in the message and in `context["reply_code"]`. The whole exchange is bounded by
/// ``Configuration/timeout``.
public struct SMTPNotifier: Notifier {
    /// How the connection is protected.
    public enum Security: String, Sendable {
        /// Plain TCP (a local relay on port 25). Authentication is refused unless allowed explicitly.
        case none
        /// Plain TCP upgraded with `STARTTLS` before anything else is sent; fails when the server does not offer it.
        case startTLS
        /// TLS from the first byte ("SMTPS", port 465).
        case tls
    }

    /// Settings of the e-mail channel.
    public struct Configuration: Sendable {
        /// The SMTP server host name or address.
        public var host: String
        /// The port. Default 587 (submission with STARTTLS).
        public var port: Int
        /// Transport protection. Default ``Security/startTLS``.
        public var security: Security
        /// A PEM file of CA certificates to trust instead of the system store (a private relay). Default none.
        public var trustRootsFile: String?
        /// The user name for `AUTH`; nil sends no `AUTH`.
        public var username: String?
        /// The password for `AUTH`. Never logged.
        public var password: String?
        /// Whether `AUTH` may be sent over a connection without TLS. Default false.
        public var allowInsecureAuthentication: Bool
        /// The envelope sender and `From:` address.
        public var from: String
        /// The recipients, at least one.
        public var to: [String]
        /// The name given in `EHLO`. Default `localhost`.
        public var heloName: String
        /// The outbox channel name. Default `smtp`.
        public var channel: String
        /// Time allowed to open the TCP connection. Default 10 s.
        public var connectTimeout: Duration
        /// Time allowed for the whole exchange, from connecting to `QUIT`. Default 60 s.
        public var timeout: Duration

        /// Creates the settings; see each property for its default.
        public init(
            host: String,
            port: Int = 587,
            security: Security = .startTLS,
            trustRootsFile: String? = nil,
            username: String? = nil,
            password: String? = nil,
            allowInsecureAuthentication: Bool = false,
            from: String,
            to: [String],
            heloName: String = "localhost",
            channel: String = "smtp",
            connectTimeout: Duration = .seconds(10),
            timeout: Duration = .seconds(60)
        ) {
            self.host = host
            self.port = port
            self.security = security
            self.trustRootsFile = trustRootsFile
            self.username = username
            self.password = password
            self.allowInsecureAuthentication = allowInsecureAuthentication
            self.from = from
            self.to = to
            self.heloName = heloName
            self.channel = channel
            self.connectTimeout = connectTimeout
            self.timeout = timeout
        }

        /// Throws a ``NotifyError`` naming the bad setting.
        public func validate() throws(NotifyError) {
            guard !host.isEmpty, !host.contains(where: { $0.isWhitespace }) else {
                throw NotifyError.invalid("notifications.smtp.host", "must be a host name or address")
            }
            guard (1...65535).contains(port) else { throw NotifyError.invalid("notifications.smtp.port", "must be 1-65535, was \(port)") }
            guard Self.isAddress(from) else {
                throw NotifyError.invalid("notifications.smtp.from", "must be a bare address like jitsudo@example.com, was \"\(from)\"")
            }
            guard !to.isEmpty else { throw NotifyError.invalid("notifications.smtp.to", "needs at least one recipient") }
            for address in to where !Self.isAddress(address) {
                throw NotifyError.invalid("notifications.smtp.to", "must hold bare addresses like ops@example.com, found \"\(address)\"")
            }
            guard !heloName.isEmpty, heloName.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw NotifyError.invalid("notifications.smtp.helo_name", "must be a host name without spaces")
            }
            if username != nil, password == nil {
                throw NotifyError.invalid("notifications.smtp.password", "is required when notifications.smtp.username is set")
            }
            if username != nil, security == .none, !allowInsecureAuthentication {
                throw NotifyError.invalid(
                    "notifications.smtp.security",
                    "is none but a username is set: use starttls or tls, or set allow_insecure_authentication to send the password in clear"
                )
            }
            try validateChannelName(channel, setting: "notifications.smtp.channel")
            try validateTimeout(connectTimeout, setting: "notifications.smtp.connect_timeout")
            try validateTimeout(timeout, setting: "notifications.smtp.timeout")
        }

        /// `local@domain` of printable ASCII without spaces, brackets, commas or line breaks.
        static func isAddress(_ text: String) -> Bool {
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && text.utf8.count <= 254
                && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7f && !"<>,;\"()[]\\".unicodeScalars.contains($0) }
        }
    }

    /// The validated settings.
    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext?
    private let now: @Sendable () -> Date

    public var channel: String { configuration.channel }

    /// Creates the notifier; throws when the configuration is invalid or the TLS settings cannot be loaded.
    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(NotifyError) {
        try configuration.validate()
        self.configuration = configuration
        self.group = eventLoopGroup
        self.now = now
        if configuration.security == .none {
            tlsContext = nil
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let file = configuration.trustRootsFile { tls.trustRoots = .file(file) }
            do {
                tlsContext = try NIOSSLContext(configuration: tls)
            } catch {
                throw NotifyError.invalid("notifications.smtp.trust_roots_file", "TLS settings could not be loaded: \(error)")
            }
        }
    }

    public func send(_ notification: Notification) async throws {
        let domain = configuration.from.split(separator: "@").last.map(String.init) ?? "localhost"
        var message = EmailMessage.make(
            for: notification, from: configuration.from, to: configuration.to, messageID: "<\(UUID().uuidString.lowercased())@\(domain)>"
        )
        message.date = now()
        let session = SMTPSession(configuration: configuration, tlsContext: tlsContext)
        try await session.deliver(EmailMessage.dataSection(message.rendered()), group: group)
    }
}
