import Foundation
import JitsudoNotify
import Testing

@Suite(.serialized) struct SMTPTests {
    @Test func aBreakGlassMailReachesEveryRecipientWithHeadersAndDotStuffedBody() async throws {
        let server = try await SMTPServer()
        defer { server.stop() }
        var notification = breakGlass()
        notification.text = "First line.\n.a line starting with a dot\n..two dots\nlast line"
        let smtp = try SMTPNotifier(
            configuration: .init(
                host: "127.0.0.1", port: server.port, security: .none, from: "jitsudo@example.com", to: ["sec@example.com", "oncall@example.com"]),
            now: { fixedDate }
        )
        try await smtp.send(notification)
        #expect(await eventually { server.messages().count == 1 })
        let message = try #require(server.messages().first)
        #expect(message.contains("Subject: [jitsudo] BREAK-GLASS: Break-glass access granted\n"))
        #expect(message.contains("From: jitsudo@example.com\n"))
        #expect(message.contains("To: sec@example.com, oncall@example.com\n"))
        #expect(message.contains("Date: Sun, 29 Nov 2026 05:00:00 +0000\n"))
        #expect(message.contains("X-Priority: 1\n"))
        #expect(message.contains("Message-ID: <"))
        #expect(message.contains("@example.com>\n"))
        // aiosmtpd records the envelope: both recipients got it.
        #expect(message.contains("X-RcptTo: sec@example.com, oncall@example.com"))
        #expect(message.contains("X-MailFrom: jitsudo@example.com"))
        // Dot-stuffing undone by the server: the body is what we wrote.
        #expect(message.contains("\nFirst line.\n.a line starting with a dot\n..two dots\nlast line\n"))
        #expect(message.contains("Requester: alice@example.com"))
        #expect(message.contains("Request: req_01JBREAKGLASS0000000000000"))
        #expect(!message.contains("must-not-appear"))
    }

    @Test func aRefusedRecipientFailsWithTheServerReplyCode() async throws {
        let server = try await SMTPServer()
        defer { server.stop() }
        let smtp = try SMTPNotifier(
            configuration: .init(
                host: "127.0.0.1", port: server.port, security: .none, from: "jitsudo@example.com", to: ["ok@example.com", "nobody@example.com"])
        )
        let error = try await #require(throws: NotifyError.self) { try await smtp.send(created()) }
        #expect(error.code == .rejected)
        #expect(error.context["reply_code"] == "550")
        #expect(error.message.contains("RCPT TO <nobody@example.com> refused: 550 5.1.1 no such user"))
        #expect(server.messages().isEmpty)
    }

    @Test func startTLSUpgradesBeforeTheMessageIsSent() async throws {
        let server = try await SMTPServer(.startTLS)
        defer { server.stop() }
        let smtp = try SMTPNotifier(
            configuration: .init(
                host: "127.0.0.1", port: server.port, security: .startTLS, trustRootsFile: server.certificate?.path,
                from: "jitsudo@example.com", to: ["sec@example.com"]
            )
        )
        try await smtp.send(created())
        #expect(await eventually { server.messages().count == 1 })
        #expect(server.messages().first?.contains("Subject: [jitsudo] Request 0 created") == true)
    }

    @Test func startTLSIsRequiredWhenConfigured() async throws {
        let server = try await SMTPServer()
        defer { server.stop() }
        let smtp = try SMTPNotifier(configuration: .init(host: "127.0.0.1", port: server.port, from: "jitsudo@example.com", to: ["a@example.com"]))
        let error = try await #require(throws: NotifyError.self) { try await smtp.send(created()) }
        #expect(error.code == .protocolViolation)
        #expect(server.messages().isEmpty)
    }

    @Test func implicitTLSDeliversFromTheFirstByte() async throws {
        let server = try await SMTPServer(.implicitTLS)
        defer { server.stop() }
        let smtp = try SMTPNotifier(
            configuration: .init(
                host: "127.0.0.1", port: server.port, security: .tls, trustRootsFile: server.certificate?.path,
                from: "jitsudo@example.com", to: ["sec@example.com"]
            )
        )
        try await smtp.send(created(5))
        #expect(await eventually { server.messages().count == 1 })
        #expect(server.messages().first?.contains("Subject: [jitsudo] Request 5 created") == true)
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        let server = try await SMTPServer(.startTLS)
        defer { server.stop() }
        let smtp = try SMTPNotifier(configuration: .init(host: "127.0.0.1", port: server.port, from: "jitsudo@example.com", to: ["a@example.com"]))
        await #expect(throws: NotifyError.self) { try await smtp.send(created()) }
        #expect(server.messages().isEmpty)
    }

    @Test(arguments: [("PLAIN", [String]()), ("LOGIN", ["PLAIN"])])
    func authenticationUsesTheOfferedMechanism(expected: String, excluded: [String]) async throws {
        let server = try await SMTPServer(.authentication(excluding: excluded))
        defer { server.stop() }
        let smtp = try SMTPNotifier(
            configuration: .init(
                host: "127.0.0.1", port: server.port, security: .none, username: "jitsudo", password: "s3cret-pass",
                allowInsecureAuthentication: true, from: "jitsudo@example.com", to: ["sec@example.com"]
            )
        )
        try await smtp.send(created())
        #expect(await eventually { server.messages().count == 1 })
        #expect(server.authLog == ["\(expected) ok"])
    }

    @Test func aWrongPasswordFailsWithTheReplyCodeAndWithoutThePassword() async throws {
        let server = try await SMTPServer(.authentication(excluding: []))
        defer { server.stop() }
        let smtp = try SMTPNotifier(
            configuration: .init(
                host: "127.0.0.1", port: server.port, security: .none, username: "jitsudo", password: "wrong-password",
                allowInsecureAuthentication: true, from: "jitsudo@example.com", to: ["sec@example.com"]
            )
        )
        let error = try await #require(throws: NotifyError.self) { try await smtp.send(created()) }
        #expect(error.code == .rejected)
        #expect(error.context["reply_code"] == "535")
        #expect(!error.message.contains("wrong-password"))
        #expect(!error.message.contains(Data("\0jitsudo\0wrong-password".utf8).base64EncodedString()))
        #expect(server.messages().isEmpty)
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let silent = try await SyslogListener(udp: false)
        let smtp = try SMTPNotifier(
            configuration: .init(
                host: "127.0.0.1", port: silent.port, security: .none, from: "j@example.com", to: ["a@example.com"], timeout: .seconds(1))
        )
        let error = try await #require(throws: NotifyError.self) { try await smtp.send(created()) }
        #expect(error.code == .timeout)
        await silent.stop()
    }

    @Test func aClosedPortIsAConnectionError() async throws {
        // Port 1 (tcpmux) is closed on test machines; a "free" port from bind(0) could be reused by a parallel test.
        let port = 1
        let smtp = try SMTPNotifier(
            configuration: .init(host: "127.0.0.1", port: port, security: .none, from: "j@example.com", to: ["a@example.com"]))
        let error = try await #require(throws: NotifyError.self) { try await smtp.send(created()) }
        #expect(error.code == .connection)
    }
}
