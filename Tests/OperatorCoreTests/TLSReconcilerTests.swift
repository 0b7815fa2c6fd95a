import Foundation
import JitsudoTLS
import OperatorCore
import Testing

@Suite struct TLSReconcilerTests {
    let ca: PrivateCA
    let tls: ResolvedClusterSpec.TLS

    init() throws {
        ca = try PrivateCA.generate(now: Fixtures.now.addingTimeInterval(-365 * Fixtures.day))
        tls = try Fixtures.resolvedTLS()
    }

    private func observe(
        secret: [String: String]?, ca caData: [String: String]? = nil, backups: Set<String> = [], serving: [String]? = nil,
        template: [String: String]? = [:], status: TLSReconciler.Status = .init(), tls: ResolvedClusterSpec.TLS? = nil
    ) -> TLSReconciler.Observation {
        TLSReconciler.Observation(
            tls: tls ?? self.tls, secret: secret, caSecret: caData ?? Fixtures.caSecret(ca), existingBackups: backups, servingSerials: serving,
            templateAnnotations: template, status: status
        )
    }

    private func issuedReason(_ decision: TLSReconciler.Decision) -> TLSReconciler.RenewalReason? {
        if case .issue(let request) = decision.step { return request.reason }
        return nil
    }

    @Test func aSelfSignedClusterFirstGetsItsCA() {
        let o = TLSReconciler.Observation(tls: tls, secret: nil, caSecret: nil, servingSerials: nil, templateAnnotations: nil, status: .init())
        #expect(TLSReconciler.decide(o, now: Fixtures.now).step == .createCertificateAuthority(secretName: "jitsudo-tls-ca"))
    }

    @Test func aMissingExternalCAIsReportedAndNothingIsIssued() throws {
        let external = try Fixtures.resolvedTLS(.init(issuer: "CA", caSecretName: "corp-ca"))
        let o = TLSReconciler.Observation(tls: external, secret: nil, caSecret: nil, servingSerials: nil, templateAnnotations: nil, status: .init())
        let decision = TLSReconciler.decide(o, now: Fixtures.now)
        #expect(decision.step == nil)
        #expect(decision.health.holding == .degraded && decision.health.message.contains("corp-ca"))
    }

    @Test func anUnusableCAIsNeverReplaced() throws {
        let leaf = try Fixtures.tlsSecret(ca: ca)
        // A leaf certificate is not a CA.
        let decision = TLSReconciler.decide(
            observe(secret: nil, ca: ["tls.crt": leaf.data["tls.crt"]!, "tls.key": leaf.data["tls.key"]!]), now: Fixtures.now)
        #expect(decision.step == nil && decision.health.reason == "CAUnusable")
    }

    @Test func aMissingCertificateIsIssuedForTheServiceNames() {
        let decision = TLSReconciler.decide(observe(secret: nil), now: Fixtures.now)
        guard case .issue(let request) = decision.step else {
            Issue.record("expected issuance, got \(String(describing: decision.step))")
            return
        }
        #expect(request.secretName == "jitsudo-tls" && request.caSecretName == "jitsudo-tls-ca")
        #expect(request.dnsNames == ClusterSpec.serviceDNSNames(namespace: "jitsudo") && request.validity == 90 * Fixtures.day)
        #expect(request.reason == .missing && decision.event?.reason == "CertificateIssued")
    }

    @Test func anUnparsableCertificateIsBackedUpBeforeItIsReplaced() {
        let garbage = ["tls.crt": "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n", "tls.key": "junk"]
        let first = TLSReconciler.decide(observe(secret: garbage), now: Fixtures.now)
        guard case .backUp(let source, let backup) = first.step else {
            Issue.record("expected a backup first, got \(String(describing: first.step))")
            return
        }
        #expect(source == "jitsudo-tls" && backup.hasPrefix("jitsudo-tls-backup-"))
        #expect(first.event?.type == .warning)
        // The same content always maps to the same backup name, so a restarted operator does not copy twice.
        #expect(TLSReconciler.decide(observe(secret: garbage), now: Fixtures.now.addingTimeInterval(60)).step == first.step)

        let second = TLSReconciler.decide(observe(secret: garbage, backups: [backup]), now: Fixtures.now)
        #expect(issuedReason(second) == .unparsable)
        #expect(second.status.lastBackup == backup)
    }

    @Test func aKeyThatDoesNotMatchIsTreatedAsUnparsable() throws {
        let one = try Fixtures.tlsSecret(ca: ca), other = try Fixtures.tlsSecret(ca: ca)
        let mixed = ["tls.crt": one.data["tls.crt"]!, "tls.key": other.data["tls.key"]!]
        guard case .backUp = TLSReconciler.decide(observe(secret: mixed), now: Fixtures.now).step else {
            Issue.record("a mismatched key must be backed up and replaced")
            return
        }
    }

    @Test func wrongNamesExpiryAndTheRenewalWindowTriggerIssuance() throws {
        let wrongNames = try Fixtures.tlsSecret(ca: ca, names: ["jitsudod"])
        #expect(issuedReason(TLSReconciler.decide(observe(secret: wrongNames.data), now: Fixtures.now)) == .wrongNames)

        let old = try Fixtures.tlsSecret(ca: ca, issuedAt: Fixtures.now.addingTimeInterval(-91 * Fixtures.day))
        #expect(issuedReason(TLSReconciler.decide(observe(secret: old.data), now: Fixtures.now)) == .expired)

        let future = try Fixtures.tlsSecret(ca: ca, issuedAt: Fixtures.now.addingTimeInterval(Fixtures.day))
        #expect(issuedReason(TLSReconciler.decide(observe(secret: future.data), now: Fixtures.now)) == .notYetValid)

        // 90-day certificate, renewBefore 30 days: renewed from day 60 on, not before.
        let current = try Fixtures.tlsSecret(ca: ca, issuedAt: Fixtures.now)
        let day59 = Fixtures.now.addingTimeInterval(59 * Fixtures.day)
        let day61 = Fixtures.now.addingTimeInterval(61 * Fixtures.day)
        let status = {
            var s = TLSReconciler.Status()
            s.servingSerial = current.serial
            return s
        }()
        let quiet = TLSReconciler.decide(observe(secret: current.data, status: status), now: day59)
        #expect(quiet.step == nil && quiet.health.holding == .ready)
        #expect(quiet.requeueAfter.map { $0 > 0 && $0 <= Fixtures.day + 301 } == true)
        #expect(issuedReason(TLSReconciler.decide(observe(secret: current.data, status: status), now: day61)) == .withinRenewalWindow)
    }

    @Test func aCertificatePutThereByHandIsKeptWhileValidAndBackedUpBeforeRenewal() throws {
        // Runbook 2: openssl req -x509 ... -subj "/CN=jitsudo.internal", then kubectl create secret tls jitsudo-tls.
        let byHand = try PrivateCA.generate(commonName: "jitsudo.internal", validity: 90 * Fixtures.day, now: Fixtures.now)
        let secret = ["tls.crt": byHand.certificatePEM, "tls.key": byHand.privateKeyPEM]
        var status = TLSReconciler.Status()
        status.servingSerial = "0ld"

        let kept = TLSReconciler.decide(observe(secret: secret, serving: ["0ld"], status: status), now: Fixtures.now)
        #expect(kept.step == nil, "a valid certificate put there by hand must not be overwritten")
        #expect(kept.health.message.contains("not from the CA") && kept.health.message.contains("jitsudod.jitsudo.svc"))
        #expect(kept.status.pendingSerial == kept.status.serial)
        let served = TLSReconciler.decide(observe(secret: secret, serving: [kept.status.serial ?? ""], status: kept.status), now: Fixtures.now)
        #expect(served.step == nil && served.health.reason == "CertificateProvidedExternally" && served.status.reloadMethod == "HotReload")

        let day61 = Fixtures.now.addingTimeInterval(61 * Fixtures.day)
        let renewal = TLSReconciler.decide(observe(secret: secret, status: kept.status), now: day61)
        guard case .backUp(_, let backup) = renewal.step else {
            Issue.record("expected a backup before replacing a certificate the operator did not issue, got \(String(describing: renewal.step))")
            return
        }
        let replaced = TLSReconciler.decide(observe(secret: secret, backups: [backup], status: kept.status), now: day61)
        #expect(issuedReason(replaced) == .withinRenewalWindow && replaced.status.lastBackup == backup)
    }

    @Test func theOperatorsOwnExpiredCertificateIsReplacedWithoutABackup() throws {
        let old = try Fixtures.tlsSecret(ca: ca, issuedAt: Fixtures.now.addingTimeInterval(-91 * Fixtures.day))
        let decision = TLSReconciler.decide(observe(secret: old.data), now: Fixtures.now)
        #expect(issuedReason(decision) == .expired && decision.status.lastBackup == nil)
    }

    @Test func aNewCertificateServedByEveryPodNeedsNoRestart() throws {
        let renewed = try Fixtures.tlsSecret(ca: ca)
        var status = TLSReconciler.Status()
        status.servingSerial = "0ld"
        let decision = TLSReconciler.decide(
            observe(secret: renewed.data, serving: [renewed.serial, renewed.serial], status: status), now: Fixtures.now)
        #expect(decision.step == nil)
        #expect(decision.status.servingSerial == renewed.serial && decision.status.reloadMethod == "HotReload")
        #expect(decision.event?.reason == "CertificateHotReloaded")
    }

    @Test func withoutHotReloadThePodsAreRestartedOnceAfterTheGracePeriod() throws {
        let renewed = try Fixtures.tlsSecret(ca: ca)
        var status = TLSReconciler.Status()
        status.servingSerial = "0ld"
        let oldServing = ["0ld", "0ld"]

        let first = TLSReconciler.decide(observe(secret: renewed.data, serving: oldServing, status: status), now: Fixtures.now)
        #expect(first.step == nil && first.status.pendingSerial == renewed.serial && first.status.pendingSince == Fixtures.now)
        // The pods can be asked: asked again every reloadPollInterval; the message counts who serves it.
        #expect(first.requeueAfter == TLSReconciler.reloadPollInterval)
        #expect(first.health.message.contains("0 of 2 ready pods serve it"))
        let unknown = TLSReconciler.decide(observe(secret: renewed.data, serving: nil, status: status), now: Fixtures.now)
        #expect(unknown.requeueAfter == 60)

        let early = TLSReconciler.decide(
            observe(secret: renewed.data, serving: [renewed.serial, "0ld"], status: first.status), now: Fixtures.now.addingTimeInterval(30))
        #expect(early.step == nil && early.requeueAfter == TLSReconciler.reloadPollInterval)
        #expect(early.health.message.contains("1 of 2 ready pods serve it"))
        let earlyUnknown = TLSReconciler.decide(
            observe(secret: renewed.data, serving: nil, status: first.status), now: Fixtures.now.addingTimeInterval(58))
        #expect(earlyUnknown.step == nil && earlyUnknown.requeueAfter == 2)

        let late = Fixtures.now.addingTimeInterval(61)
        let restart = TLSReconciler.decide(observe(secret: renewed.data, serving: oldServing, status: first.status), now: late)
        guard case .restart(let annotations) = restart.step else {
            Issue.record("expected a restart, got \(String(describing: restart.step))")
            return
        }
        #expect(annotations[DesiredResources.Annotation.tlsSerial] == renewed.serial)
        #expect(annotations[DesiredResources.Annotation.restartedAt]?.hasSuffix("Z") == true)
        #expect(restart.event?.reason == "RollingRestart")

        // Once the template carries the serial, the restart is not repeated and the status says how it was served.
        let done = TLSReconciler.decide(observe(secret: renewed.data, serving: oldServing, template: annotations, status: restart.status), now: late)
        #expect(done.step == nil && done.status.servingSerial == renewed.serial && done.status.reloadMethod == "RollingRestart")
        #expect(done.status.pendingSerial == nil)
    }

    @Test func withNoPodsRunningANewCertificateIsSimplyAdopted() throws {
        let issued = try Fixtures.tlsSecret(ca: ca)
        let decision = TLSReconciler.decide(observe(secret: issued.data, serving: [], status: .init()), now: Fixtures.now)
        #expect(decision.step == nil && decision.status.servingSerial == issued.serial)
    }

    @Test func summariesCombineWithDegradedFirst() {
        let ready = ConditionSummary(.ready, reason: "A", message: "a")
        let progressing = ConditionSummary(.progressing, reason: "B", message: "b")
        let degraded = ConditionSummary(.degraded, reason: "C", message: "c")
        #expect(ConditionSummary.combine([ready, progressing, degraded]).holding == .degraded)
        #expect(ConditionSummary.combine([ready, progressing]).reason == "B")
        #expect(ConditionSummary.combine([ready, ready]).holding == .ready)
    }
}
