import Foundation
import NIOCore
import NIOPosix
import Testing

/// `aiosmtpd` (PyPI) started as a subprocess on a free loopback port, storing messages in a Maildir.
///
/// `make test` installs it (`python3 -m pip install aiosmtpd==1.4.6`); when it is missing, ``start(tls:)`` throws
/// an error telling to run `make test`, so the test fails instead of being skipped.
final class SMTPServer: Sendable {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    let directory: URL
    let certificate: URL?
    private let process: Process

    /// Rejects `RCPT TO:<nobody@…>` with `550 5.1.1`, stores everything else.
    private static let handlerModule = """
        from aiosmtpd.handlers import Mailbox

        class RejectingMailbox(Mailbox):
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.startswith("nobody@"):
                    return "550 5.1.1 no such user"
                envelope.rcpt_tos.append(address)
                return "250 OK"
        """

    static var python: String { ProcessInfo.processInfo.environment["PYTHON"] ?? "python3" }

    /// Starts the server; `tls` offers STARTTLS with a fresh self-signed certificate for 127.0.0.1.
    init(tls: Bool = false) async throws {
        try Self.requireAiosmtpd()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("jitsudo-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let maildir = directory.appendingPathComponent("mail")
        try Self.handlerModule.write(to: directory.appendingPathComponent("jitsudo_test_smtp.py"), atomically: true, encoding: .utf8)
        port = try await Self.freePort()
        var arguments = ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "jitsudo_test_smtp.RejectingMailbox"]
        if tls {
            let cert = directory.appendingPathComponent("cert.pem")
            let key = directory.appendingPathComponent("key.pem")
            try Self.run("openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key.path, "-out", cert.path,
            ])
            arguments += ["--tlscert", cert.path, "--tlskey", key.path, "--no-requiretls"]
            certificate = cert
        } else {
            certificate = nil
        }
        arguments.append(maildir.path)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Self.python] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = directory.path + (environment["PYTHONPATH"].map { ":" + $0 } ?? "")
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let port = self.port
        let up = await eventually(15) { await Self.accepts(port) }
        guard up else {
            kill(process.processIdentifier, SIGKILL)
            throw Missing(description: "aiosmtpd did not listen on 127.0.0.1:\(port) within 15 s")
        }
    }

    /// Kills the server (aiosmtpd ignores SIGTERM while serving) and removes its files.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The raw messages delivered so far (Maildir `new/` and `cur/`).
    func messages() -> [String] {
        let mail = directory.appendingPathComponent("mail")
        var out: [String] = []
        for folder in ["new", "cur"] {
            let url = mail.appendingPathComponent(folder)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() {
                if let text = try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8) { out.append(text) }
            }
        }
        return out
    }

    static func requireAiosmtpd() throws {
        do {
            try run(python, ["-c", "import aiosmtpd"])
        } catch {
            throw Missing(description: "aiosmtpd (PyPI) is not installed for \(python): run `make test`, which installs it "
                + "(`python3 -m pip install aiosmtpd==1.4.6`)")
        }
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Missing(description: "\(tool) exited with \(process.terminationStatus)") }
    }

    /// A port that was free a moment ago.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    static func accepts(_ port: Int) async -> Bool {
        guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
        else { return false }
        try? await channel.close()
        return true
    }
}
