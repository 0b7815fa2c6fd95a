import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One SMTP client conversation (RFC 5321), from connecting to `QUIT`. Used by ``SMTPNotifier``.
struct SMTPSession: Sendable {
    let configuration: SMTPNotifier.Configuration
    let tlsContext: NIOSSLContext?

    private typealias Connection = NIOAsyncChannel<SMTPReply, ByteBuffer>

    /// Connects and delivers `data` (the dot-stuffed DATA section) to every recipient, within the configured timeout.
    func deliver(_ data: [UInt8], group: any EventLoopGroup) async throws {
        let connection = try await connect(group: group)
        let limit = configuration.timeout
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try await connection.executeThenClose { inbound, outbound in
                    var replies = inbound.makeAsyncIterator()
                    try await converse(data, connection: connection, replies: &replies, outbound: outbound)
                }
            }
            tasks.addTask {
                try await Task.sleep(for: limit)
                connection.channel.close(promise: nil)
                throw NotifyError(.timeout, "smtp: no complete exchange with the server within \(limit)", context: ["channel": configuration.channel])
            }
            defer { tasks.cancelAll() }
            try await tasks.next()
        }
    }

    private func connect(group: any EventLoopGroup) async throws -> Connection {
        let implicitTLS = configuration.security == .tls ? tlsContext : nil
        let host = configuration.host
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(configuration.connectTimeout.nanoseconds)))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicitTLS {
                            let handler = try NIOSSLClientHandler(context: implicitTLS, serverHostname: Self.sniName(host))
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw NotifyError(
                .connection, "smtp: could not connect to \(configuration.host):\(configuration.port): \(error)",
                context: ["channel": configuration.channel]
            )
        }
    }

    private func converse(
        _ data: [UInt8],
        connection: Connection,
        replies: inout NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        func read(_ step: String) async throws -> SMTPReply {
            do {
                guard let reply = try await replies.next() else {
                    throw NotifyError(
                        .connection, "smtp: the server closed the connection during \(step)", context: ["channel": configuration.channel])
                }
                return reply
            } catch let error as NotifyError {
                throw error
            } catch {
                throw NotifyError(.connection, "smtp: connection failed during \(step): \(error)", context: ["channel": configuration.channel])
            }
        }
        func write(_ bytes: ByteBuffer, step: String) async throws {
            do {
                try await outbound.write(bytes)
            } catch {
                // A failed TLS handshake shows up here as a closed channel.
                throw NotifyError(.connection, "smtp: connection failed during \(step): \(error)", context: ["channel": configuration.channel])
            }
        }
        /// Sends `line` (never logged, never in an error: AUTH lines carry the password) and expects one of `accepted`.
        func command(_ line: String, step: String, accepted: Set<Int>) async throws -> SMTPReply {
            try await write(ByteBuffer(string: line + "\r\n"), step: step)
            return try expect(try await read(step), step: step, accepted: accepted)
        }

        _ = try expect(try await read("greeting"), step: "greeting", accepted: [220])
        var capabilities = try await ehlo(command)
        var secure = configuration.security == .tls
        if configuration.security == .startTLS {
            guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw NotifyError(
                    .protocolViolation, "smtp: the server does not offer STARTTLS; set security to tls or none",
                    context: ["channel": configuration.channel]
                )
            }
            _ = try await command("STARTTLS", step: "STARTTLS", accepted: [220])
            try await startTLS(on: connection.channel)
            secure = true
            capabilities = try await ehlo(command)
        }
        if let username = configuration.username, let password = configuration.password {
            guard secure || configuration.allowInsecureAuthentication else {
                throw NotifyError(
                    .invalidConfiguration, "smtp: refusing to send credentials without TLS", context: ["channel": configuration.channel])
            }
            let mechanisms = capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").map(String.init) ?? []
            if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
                let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                _ = try await command("AUTH PLAIN \(token)", step: "AUTH PLAIN", accepted: [235])
            } else {
                _ = try await command("AUTH LOGIN", step: "AUTH LOGIN", accepted: [334])
                _ = try await command(Data(username.utf8).base64EncodedString(), step: "AUTH LOGIN user name", accepted: [334])
                _ = try await command(Data(password.utf8).base64EncodedString(), step: "AUTH LOGIN password", accepted: [235])
            }
        }
        _ = try await command("MAIL FROM:<\(configuration.from)>", step: "MAIL FROM", accepted: [250])
        for recipient in configuration.to {
            _ = try await command("RCPT TO:<\(recipient)>", step: "RCPT TO <\(recipient)>", accepted: [250, 251])
        }
        _ = try await command("DATA", step: "DATA", accepted: [354])
        try await write(ByteBuffer(bytes: data), step: "message data")
        _ = try expect(try await read("end of DATA"), step: "end of DATA", accepted: [250])
        // The message is accepted; a failing QUIT does not make it undelivered.
        try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        _ = try? await replies.next()
    }

    /// `EHLO`, falling back to `HELO` when the server refuses it; returns the capability lines.
    private func ehlo(_ command: (String, String, Set<Int>) async throws -> SMTPReply) async throws -> [String] {
        do {
            let reply = try await command("EHLO \(configuration.heloName)", "EHLO", [250])
            return Array(reply.lines.dropFirst())
        } catch let error as NotifyError where error.code == .rejected {
            _ = try await command("HELO \(configuration.heloName)", "HELO", [250])
            return []
        }
    }

    private func expect(_ reply: SMTPReply, step: String, accepted: Set<Int>) throws -> SMTPReply {
        guard accepted.contains(reply.code) else {
            throw NotifyError(
                .rejected, "smtp: \(step) refused: \(reply)",
                context: ["channel": configuration.channel, "reply_code": String(reply.code), "step": step]
            )
        }
        return reply
    }

    private func startTLS(on channel: any Channel) async throws {
        guard let tlsContext else {
            throw NotifyError(.invalidConfiguration, "smtp: STARTTLS without a TLS context", context: ["channel": configuration.channel])
        }
        let host = Self.sniName(configuration.host)
        try await channel.eventLoop.submit {
            let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: host)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
    }

    /// SNI carries names, not addresses.
    static func sniName(_ host: String) -> String? {
        host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
    }
}
