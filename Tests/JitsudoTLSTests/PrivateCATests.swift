import Foundation
import JitsudoTLS
import Testing
import X509

@Suite struct PrivateCATests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func keyFilesAreWrittenWithMode0600AndNotOverwritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jitsudo-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try PrivateCA.generate()
        let path = directory.appendingPathComponent("ca.key").path
        try KeyFile.write(ca.privateKeyPEM, to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: TLSLoadError.self) { try KeyFile.write("other", to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == ca.privateKeyPEM)
        try KeyFile.write("replaced", to: path, overwrite: true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "replaced")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }

    @Test func caRoundTripsThroughPEMAndIssuesForNamesAndAddresses() throws {
        let generated = try PrivateCA.generate(now: now)
        let ca = try PrivateCA(certificatePEM: generated.certificatePEM, privateKeyPEM: generated.privateKeyPEM)
        let pair = try ca.issue(dnsNames: ["jitsudo.svc", "localhost"], ipAddresses: ["127.0.0.1", "::1"], validity: 86400, now: now)
        #expect(pair.certificate.issuer == ca.certificate.subject)
        let decision = needsRenewal(certificatePEM: pair.certificatePEM, now: now, renewBefore: 3600, dnsNames: ["jitsudo.svc", "localhost"])
        #expect(decision.reason == .valid)
        #expect(!decision.needsRenewal)
        #expect(throws: TLSLoadError.self) { try ca.issue(dnsNames: [], ipAddresses: ["not-an-ip"]) }
    }

    @Test func needsRenewalExplainsEachCase() throws {
        let ca = try PrivateCA.generate(now: now)
        let pem = try ca.issue(dnsNames: ["jitsudo.svc"], validity: 30 * 86400, now: now).certificatePEM
        let cases: [(String?, Date, [String], RenewalDecision.Reason)] = [
            (nil, now, ["jitsudo.svc"], .missing),
            ("", now, ["jitsudo.svc"], .missing),
            ("garbage", now, ["jitsudo.svc"], .invalid),
            (pem, now, ["jitsudo.svc", "api.example.com"], .wrongNames),
            (pem, now.addingTimeInterval(31 * 86400), ["jitsudo.svc"], .expired),
            (pem, now.addingTimeInterval(24 * 86400), ["jitsudo.svc"], .withinRenewalWindow),
            (pem, now.addingTimeInterval(86400), ["JITSUDO.svc"], .valid),
        ]
        for (certificate, at, names, reason) in cases {
            let decision = needsRenewal(certificatePEM: certificate, now: at, renewBefore: 7 * 86400, dnsNames: names)
            #expect(decision.reason == reason)
            #expect(decision.needsRenewal == (reason != .valid))
        }
    }
}
