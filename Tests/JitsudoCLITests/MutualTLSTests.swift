import Foundation
import JitsudoServer
import JitsudoServerTesting
import JitsudoStore
import JitsudoTLS
import JitsudoTesting
import Testing
import JitsudoDevelopment

/// HTTPS with a required client certificate (mutual TLS): the real server code in process, the CLI binary as a
/// subprocess, certificates from a private CA made for the test.
@Suite struct MutualTLSTests {
    struct Material {
        let directory: String
        var caCertificate: String { directory + "/ca.crt" }
        var serverCertificate: String { directory + "/server.crt" }
        var serverKey: String { directory + "/server.key" }
        var clientCertificate: String { directory + "/client.crt" }
        var clientKey: String { directory + "/client.key" }
        var strangerCertificate: String { directory + "/stranger.crt" }
        var strangerKey: String { directory + "/stranger.key" }
    }

    static func material() throws -> Material {
        let material = Material(directory: try CLIRunner.temporaryDirectory(prefix: "mtls"))
        let ca = try PrivateCA.generate(commonName: "mtls test CA")
        let server = try ca.issue(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        let client = try ca.issue(dnsNames: [], commonName: "dev@example.com")
        let stranger = try PrivateCA.generate(commonName: "someone else's CA").issue(dnsNames: [], commonName: "dev@example.com")
        for (text, path) in [
            (ca.certificatePEM, material.caCertificate), (server.certificatePEM, material.serverCertificate),
            (client.certificatePEM, material.clientCertificate), (stranger.certificatePEM, material.strangerCertificate),
        ] { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        try KeyFile.write(server.privateKeyPEM, to: material.serverKey)
        try KeyFile.write(ca.privateKeyPEM, to: material.directory + "/ca.key")
        try KeyFile.write(client.privateKeyPEM, to: material.clientKey)
        try KeyFile.write(stranger.privateKeyPEM, to: material.strangerKey)
        return material
    }

    @Test func aRequiredClientCertificateIsEnforcedAndTheConfiguredOneIsPresented() async throws {
        let tls = try Self.material()
        let database = try await TestPostgres.shared.createDatabase()
        var configuration = InProcessDaemon.configuration(databaseURL: database.urlString)
        configuration.developmentMode = true
        configuration.policies.seeds = DevelopmentPolicies.all
        configuration.tls.certFile = tls.serverCertificate
        configuration.tls.keyFile = tls.serverKey
        configuration.tls.clientCAFile = tls.caCertificate
        configuration.tls.requireClientCert = true
        try await InProcessDaemon.run(configuration, label: "jitsudod.mtls") { baseURL, _ in
            let server = baseURL.replacingOccurrences(of: "http://", with: "https://")
            let token = "dev@example.com;jitsudo-admins"
            func cli(cert: String?, key: String?) throws -> CLIRunner {
                let runner = try CLIRunner(environment: ["JITSUDO_SERVER": server, "JITSUDO_TOKEN": token])
                var yaml = "tls:\n  ca_file: \(tls.caCertificate)\n"
                if let cert, let key { yaml += "  cert_file: \(cert)\n  key_file: \(key)\n" }
                try FileManager.default.createDirectory(atPath: runner.home + "/.jitsudo", withIntermediateDirectories: true)
                try yaml.write(toFile: runner.home + "/.jitsudo/config.yaml", atomically: true, encoding: .utf8)
                return runner
            }
            let withCertificate = try await cli(cert: tls.clientCertificate, key: tls.clientKey).run(["policy", "list", "-o", "json"])
            #expect(withCertificate.status == 0, "\(withCertificate)")
            #expect(withCertificate.stdout.contains("dev-allow-all-eligibility"), "\(withCertificate)")

            let without = try await cli(cert: nil, key: nil).run(["policy", "list"])
            #expect(without.status == 1, "\(without)")
            #expect(without.stderr.hasPrefix("Error: cannot reach \(server)"), "\(without)")

            let wrongCA = try await cli(cert: tls.strangerCertificate, key: tls.strangerKey).run(["policy", "list"])
            #expect(wrongCA.status == 1, "a certificate from another CA is refused: \(wrongCA)")

            let mismatched = try await cli(cert: tls.clientCertificate, key: tls.strangerKey).run(["policy", "list"])
            #expect(mismatched.status == 1, "\(mismatched)")
            #expect(mismatched.stderr.contains("the key does not belong to the certificate"), "\(mismatched)")
        }
    }

    /// The subject CN of the certificate the server presents now (openssl s_client with the client certificate).
    static func servedCommonName(_ server: String, _ tls: Material) throws -> String {
        let hostPort = server.replacingOccurrences(of: "https://", with: "")
        let result = try CLIRunner.spawn(
            "/bin/bash",
            [
                "-c",
                """
                openssl s_client -connect \(hostPort) -cert \(tls.clientCertificate) -key \(tls.clientKey) -CAfile \(tls.caCertificate) \
                  </dev/null 2>/dev/null | openssl x509 -noout -subject -nameopt multiline | sed -n 's/ *commonName *= *//p'
                """,
            ], environment: ProcessInfo.processInfo.environment, stdin: nil)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theDaemonPicksUpARotatedCertificateAndRefusesABadOne() async throws {
        let tls = try Self.material()
        let ca = try PrivateCA(
            certificatePEM: try String(contentsOfFile: tls.caCertificate, encoding: .utf8),
            privateKeyPEM: try String(contentsOfFile: tls.directory + "/ca.key", encoding: .utf8))
        let database = try await TestPostgres.shared.createDatabase()
        var configuration = InProcessDaemon.configuration(databaseURL: database.urlString)
        configuration.tls.certFile = tls.serverCertificate
        configuration.tls.keyFile = tls.serverKey
        configuration.tls.clientCAFile = tls.caCertificate
        configuration.tls.requireClientCert = true
        configuration.tls.reloadIntervalSeconds = 1
        try await InProcessDaemon.run(configuration, label: "jitsudod.tls-reload") { baseURL, daemon in
            let server = baseURL.replacingOccurrences(of: "http://", with: "https://")
            #expect(try Self.servedCommonName(server, tls) == "localhost")
            let reloading = try #require(daemon.tls)
            // A bad pair (the new certificate with the old key) is refused; the old pair keeps serving.
            let rotated = try ca.issue(dnsNames: ["rotated.localhost"], ipAddresses: ["127.0.0.1"])
            let refusedBefore = reloading.refusedReloads
            try rotated.certificatePEM.write(toFile: tls.serverCertificate, atomically: true, encoding: .utf8)
            try await waitUntil("the daemon looked at the mismatched pair and refused it", timeout: .seconds(10)) {
                reloading.refusedReloads > refusedBefore
            }
            #expect(reloading.successfulReloads == 0)
            #expect(try Self.servedCommonName(server, tls) == "localhost", "a mismatched pair must not be served")
            // The matching key arrives: the new certificate is served without a restart.
            try KeyFile.write(rotated.privateKeyPEM, to: tls.serverKey, overwrite: true)
            var served = ""
            for _ in 0..<40 where served != "rotated.localhost" {
                try await Task.sleep(for: .milliseconds(250))
                served = try Self.servedCommonName(server, tls)
            }
            #expect(served == "rotated.localhost")
        }
    }
}
