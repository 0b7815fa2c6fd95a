import AsyncHTTPClient
import Foundation
import JitsudoTLS
import Logging
import NIOSSL
import Testing
import X509

@Suite struct ReloadingTLSContextTests {
    let logger = Logger(label: "tls-test")

    @Test func servesTheFirstCertificateAndTheReplacementWithoutRestart() async throws {
        let fixture = try TLSFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.installServerPair()
        let context = try ReloadingTLSContext(
            configuration: .init(certificatePath: fixture.certificatePath, keyPath: fixture.keyPath), logger: logger
        )
        try await withTLSServer(context: context) { port in
            #expect(try await httpsGet(port: port, trust: fixture.caCertificate()) == "ok")
            #expect(try await servedCertificate(port: port).serialNumber == first.certificate.serialNumber)

            // Rotate to a pair from a different CA: new connections get it, the server keeps running.
            let otherCA = try PrivateCA.generate(commonName: "second CA")
            let second = try fixture.installServerPair(from: otherCA)
            #expect(context.reloadIfChanged() == .reloaded)
            #expect(context.reloadIfChanged() == .unchanged)
            #expect(try await servedCertificate(port: port).serialNumber == second.certificate.serialNumber)
            #expect(try await httpsGet(port: port, trust: fixture.caCertificate(otherCA)) == "ok")
            await #expect(throws: (any Error).self) { try await httpsGet(port: port, trust: fixture.caCertificate()) }
            #expect(context.successfulReloads == 1)
            #expect(context.currentCertificate.serialNumber == second.certificate.serialNumber)
        }
    }

    @Test func brokenPairsAreRefusedAndTheOldCertificateKeepsServing() async throws {
        let fixture = try TLSFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.installServerPair()
        let context = try ReloadingTLSContext(
            configuration: .init(certificatePath: fixture.certificatePath, keyPath: fixture.keyPath), logger: logger
        )
        try await withTLSServer(context: context) { port in
            let other = try fixture.ca.issue(dnsNames: ["localhost"])
            let expired = try fixture.ca.issue(dnsNames: ["localhost"], validity: 60, now: Date().addingTimeInterval(-7200))
            let broken: [(String, String, TLSLoadError.Code)] = [
                (first.certificatePEM, other.privateKeyPEM, .keyMismatch),
                ("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n", first.privateKeyPEM, .invalidCertificate),
                (first.certificatePEM, "not a key", .invalidKey),
                (expired.certificatePEM, expired.privateKeyPEM, .expired),
            ]
            for (index, (certificate, key, code)) in broken.enumerated() {
                try fixture.write(certificate: certificate, key: key)
                #expect(context.reloadIfChanged() == .refused(TLSLoadError(code, "")))
                #expect(context.refusedReloads == index + 1)
                #expect(try await servedCertificate(port: port).serialNumber == first.certificate.serialNumber)
                #expect(try await httpsGet(port: port, trust: fixture.caCertificate()) == "ok")
            }
            // A refused pair is counted once, not on every poll.
            #expect(context.reloadIfChanged() == .refused(TLSLoadError(.expired, "")))
            #expect(context.refusedReloads == broken.count)
            // A good pair afterwards is picked up.
            let good = try fixture.installServerPair()
            #expect(context.reloadIfChanged() == .reloaded)
            #expect(try await servedCertificate(port: port).serialNumber == good.certificate.serialNumber)
        }
    }

    @Test func mutualTLSRequiresAClientCertificateFromTheClientCA() async throws {
        let fixture = try TLSFixture()
        defer { fixture.cleanUp() }
        try fixture.installServerPair()
        let clientCA = try PrivateCA.generate(commonName: "client CA")
        try Data(clientCA.certificatePEM.utf8).write(to: URL(fileURLWithPath: fixture.path("clients.pem")))
        let context = try ReloadingTLSContext(
            configuration: .init(
                certificatePath: fixture.certificatePath, keyPath: fixture.keyPath, clientCAPath: fixture.path("clients.pem"),
                requireClientCertificate: true
            ),
            logger: logger
        )
        try await withTLSServer(context: context) { port in
            await #expect(throws: (any Error).self) { try await httpsGet(port: port, trust: fixture.caCertificate()) }
            let stranger = try PrivateCA.generate(commonName: "stranger").issue(dnsNames: ["mallory"])
            await #expect(throws: (any Error).self) {
                try await httpsGet(port: port, trust: fixture.caCertificate(), clientCertificate: stranger)
            }
            let client = try clientCA.issue(dnsNames: ["alice"])
            #expect(try await httpsGet(port: port, trust: fixture.caCertificate(), clientCertificate: client) == "ok")
        }
    }

    @Test func runLoopPicksUpChangedFilesAndStopsOnCancellation() async throws {
        let fixture = try TLSFixture()
        defer { fixture.cleanUp() }
        try fixture.installServerPair()
        let context = try ReloadingTLSContext(
            configuration: .init(certificatePath: fixture.certificatePath, keyPath: fixture.keyPath, pollInterval: .milliseconds(20)),
            logger: logger
        )
        let loop = Task { await context.run() }
        let second = try fixture.installServerPair(algorithm: .rsa2048)
        let deadline = ContinuousClock.now + .seconds(10)
        while context.successfulReloads == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(context.currentCertificate.serialNumber == second.certificate.serialNumber)
        loop.cancel()
        await loop.value
    }

    @Test func startupFailuresHaveTheDaemonsMessage() throws {
        let fixture = try TLSFixture()
        defer { fixture.cleanUp() }
        do {
            _ = try ReloadingTLSContext(configuration: .init(certificatePath: fixture.certificatePath, keyPath: fixture.keyPath), logger: logger)
            Issue.record("loaded missing files")
        } catch let error as TLSLoadError {
            #expect(error.code == .unreadableFile)
            #expect("\(error)".hasPrefix("TLS: failed to load certificate: "))
            #expect("\(error)".contains(fixture.certificatePath))
        }
        try fixture.installServerPair()
        #expect(throws: TLSLoadError(.invalidClientCA, "")) {
            try ReloadingTLSContext(
                configuration: .init(certificatePath: fixture.certificatePath, keyPath: fixture.keyPath, requireClientCertificate: true),
                logger: logger
            )
        }
    }
}
