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

    /// A server that requires `AUTH` (user `jitsudo`, password `s3cret-pass`) and records the mechanism used;
    /// argv: port, maildir, mechanism log, mechanisms to exclude (comma-separated, may be empty).
    private static let authScript = """
        import sys, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        from jitsudo_test_smtp import RejectingMailbox

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"jitsudo" and auth_data.password == b"s3cret-pass"
            with open(sys.argv[3], "a") as log:
                log.write(f"{mechanism} {'ok' if ok else 'bad'}\\n")
            return AuthResult(success=ok, handled=False)

        excluded = [m for m in sys.argv[4].split(",") if m]
        controller = Controller(RejectingMailbox(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]),
                                authenticator=authenticate, auth_required=True, auth_require_tls=False,
                                auth_exclude_mechanism=excluded)
        controller.start()
        threading.Event().wait()
        """

    /// The mechanisms the AUTH server saw, with `ok`/`bad`.
    var authLog: [String] {
        ((try? String(contentsOf: directory.appendingPathComponent("auth.log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    static var python: String { ProcessInfo.processInfo.environment["PYTHON"] ?? "python3" }

    /// How the server is started.
    enum Mode {
        case plain
        /// STARTTLS offered with a fresh self-signed certificate for 127.0.0.1.
        case startTLS
        /// TLS from the first byte (SMTPS) with such a certificate.
        case implicitTLS
        /// `AUTH` required; `excluding` mechanisms are not offered.
        case authentication(excluding: [String])
    }

    /// Starts the server.
    init(_ mode: Mode = .plain) async throws {
        try Self.requireAiosmtpd()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("jitsudo-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let maildir = directory.appendingPathComponent("mail")
        try Self.handlerModule.write(to: directory.appendingPathComponent("jitsudo_test_smtp.py"), atomically: true, encoding: .utf8)
        port = try await Self.freePort()
        var arguments = ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "jitsudo_test_smtp.RejectingMailbox"]
        var certificateFile: URL?
        switch mode {
        case .plain:
            arguments.append(maildir.path)
        case .startTLS, .implicitTLS:
            let cert = directory.appendingPathComponent("cert.pem")
            let key = directory.appendingPathComponent("key.pem")
            try Self.run(
                "openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key.path, "-out", cert.path,
                ])
            if case .startTLS = mode {
                arguments += ["--tlscert", cert.path, "--tlskey", key.path, "--no-requiretls"]
            } else {
                arguments += ["--smtpscert", cert.path, "--smtpskey", key.path]
            }
            certificateFile = cert
            arguments.append(maildir.path)
        case .authentication(let excluded):
            let script = directory.appendingPathComponent("jitsudo_test_auth.py")
            try Self.authScript.write(to: script, atomically: true, encoding: .utf8)
            arguments = [script.path, String(port), maildir.path, directory.appendingPathComponent("auth.log").path, excluded.joined(separator: ",")]
        }
        certificate = certificateFile
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
            throw Missing(
                description: "aiosmtpd (PyPI) is not installed for \(python): run `make test`, which installs it "
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
