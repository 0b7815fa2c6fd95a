public import Foundation

/// Observe → decide one step for the serving certificate in the TLS Secret (default `jitsudo-tls`): issue when it is
/// missing, unusable, for the wrong names, or within renew-before of expiry; back up a certificate that cannot be
/// parsed, or that the operator did not issue (runbook 2's manual rotation, kept while valid), before overwriting it;
/// then get the new certificate served, by jitsudod's hot reload when the pods pick it up within the grace period,
/// otherwise by a rolling restart (pod-template annotation).
/// Pure; the executor performs the ``Step``, writes ``Status`` into `status.tls` and records the event.
public enum TLSReconciler {
    /// `status.tls` of the JitsudoCluster: where rotation progress lives, so a restarted operator resumes.
    public struct Status: Sendable, Equatable, Codable {
        public var secretName: String?
        /// Serial of the certificate in the Secret.
        public var serial: String?
        public var notAfter: Date?
        /// Serial known to be served by every jitsudod pod.
        public var servingSerial: String?
        /// A certificate in the Secret not yet known to be served, and since when.
        public var pendingSerial: String?
        public var pendingSince: Date?
        /// How the last new certificate got served: `HotReload` or `RollingRestart`.
        public var reloadMethod: String?
        public var lastRotationTime: Date?
        public var lastRotationReason: String?
        /// The Secret holding a copy of the last certificate and key replaced while unparsable or not the operator's.
        public var lastBackup: String?

        public init() {}
    }

    /// What the executor read for one reconcile.
    public struct Observation: Sendable {
        public var tls: ResolvedClusterSpec.TLS
        /// The TLS Secret's data as text (`tls.crt`, `tls.key`, `ca.crt`); nil when the Secret does not exist.
        public var secret: [String: String]?
        /// The CA Secret's data (`tls.crt`, `tls.key`); nil when it does not exist.
        public var caSecret: [String: String]?
        /// Names of Secrets that exist among the possible backup names (the executor lists `<secretName>-backup-*`).
        public var existingBackups: Set<String>
        /// Serials the ready jitsudod pods serve (lowercase hex); [] when no pod is ready; nil when unknown.
        public var servingSerials: [String]?
        /// The jitsudod Deployment's pod-template annotations; nil when it does not exist.
        public var templateAnnotations: [String: String]?
        public var status: Status

        public init(
            tls: ResolvedClusterSpec.TLS, secret: [String: String]?, caSecret: [String: String]?, existingBackups: Set<String> = [],
            servingSerials: [String]?, templateAnnotations: [String: String]?, status: Status
        ) {
            self.tls = tls
            self.secret = secret
            self.caSecret = caSecret
            self.existingBackups = existingBackups
            self.servingSerials = servingSerials
            self.templateAnnotations = templateAnnotations
            self.status = status
        }
    }

    /// Why a new certificate is issued.
    public enum RenewalReason: String, Sendable, Equatable {
        case missing = "Missing", unparsable = "Unparsable", wrongNames = "WrongNames"
        case expired = "Expired", notYetValid = "NotYetValid", withinRenewalWindow = "WithinRenewalWindow"
    }

    /// What to issue: a new key and a certificate for `dnsNames`, signed by the CA in `caSecretName`, valid for
    /// `validity` seconds from now; written to `secretName` as `kubernetes.io/tls` with `ca.crt` (JitsudoTLS's
    /// `PrivateCA.issue` does the signing).
    public struct IssuanceRequest: Sendable, Equatable {
        public var secretName: String
        public var caSecretName: String
        public var dnsNames: [String]
        public var validity: TimeInterval
        public var reason: RenewalReason
    }

    public enum Step: Sendable, Equatable {
        /// Generate a CA (self-signed issuer) and write it to the Secret; never overwrites an existing one.
        case createCertificateAuthority(secretName: String)
        /// Copy the Secret's current data to a new Secret `backupName` (create only, never update).
        case backUp(secretName: String, backupName: String)
        case issue(IssuanceRequest)
        /// Patch these pod-template annotations onto deployment/jitsudod: a rolling restart.
        case restart(annotations: [String: String])
    }

    public struct Decision: Sendable, Equatable {
        public var step: Step?
        public var status: Status
        public var health: ConditionSummary
        public var event: ReconcileEvent?
        public var requeueAfter: TimeInterval?
    }

    /// How often the pods are asked again while a new certificate waits for their hot reload.
    public static let reloadPollInterval: TimeInterval = 5

    /// Decides the next step at `now`.
    public static func decide(_ o: Observation, now: Date) -> Decision {
        var status = o.status
        status.secretName = o.tls.secretName
        func decision(_ step: Step?, _ health: ConditionSummary, _ event: ReconcileEvent? = nil, requeue: TimeInterval? = nil) -> Decision {
            Decision(step: step, status: status, health: health, event: event, requeueAfter: requeue)
        }

        // The CA first: without a usable one nothing can be issued, and a broken CA is a human's to fix.
        let caName = o.tls.issuer.caSecretName
        guard let caData = o.caSecret else {
            if case .selfSigned = o.tls.issuer {
                return decision(
                    .createCertificateAuthority(secretName: caName),
                    ConditionSummary(.progressing, reason: "CreatingCA", message: "creating the self-signed CA in secret/\(caName)"),
                    ReconcileEvent(.normal, reason: "CACreated", message: "self-signed CA created in secret/\(caName)")
                )
            }
            let message = "CA secret/\(caName) not found; create it with tls.crt and tls.key of the CA (kubectl create secret tls \(caName) ...)"
            return decision(nil, ConditionSummary(.degraded, reason: "CAMissing", message: message), requeue: 60)
        }
        let ca: CertificateInspection.CertificateAuthority
        switch CertificateInspection.CertificateAuthority.parse(
            certificatePEM: caData["tls.crt"] ?? "", privateKeyPEM: caData["tls.key"] ?? "", now: now)
        {
        case .success(let parsed): ca = parsed
        case .failure(let problem):
            let message = "CA secret/\(caName) cannot sign (\(problem.rawValue)); replace its tls.crt and tls.key with a valid CA certificate and key"
            return decision(
                nil, ConditionSummary(.degraded, reason: "CAUnusable", message: message),
                ReconcileEvent(.warning, reason: "CAUnusable", message: message),
                requeue: 300
            )
        }

        func issue(_ reason: RenewalReason, _ detail: String) -> Decision {
            status.lastRotationReason = reason.rawValue
            status.lastRotationTime = now
            let request = IssuanceRequest(
                secretName: o.tls.secretName, caSecretName: caName, dnsNames: o.tls.dnsNames, validity: o.tls.validity, reason: reason
            )
            return decision(
                .issue(request),
                ConditionSummary(.progressing, reason: "IssuingCertificate", message: "issuing a new certificate: \(detail)"),
                ReconcileEvent(.normal, reason: "CertificateIssued", message: "new certificate for secret/\(o.tls.secretName): \(detail)")
            )
        }

        let certificatePEM = o.secret?["tls.crt"] ?? ""
        let keyPEM = o.secret?["tls.key"] ?? ""
        guard !certificatePEM.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return issue(.missing, o.secret == nil ? "secret/\(o.tls.secretName) does not exist" : "secret/\(o.tls.secretName) has no tls.crt")
        }
        // What is in the Secret is copied before it is replaced whenever a human may need it: a certificate that cannot
        // be read, or one the operator did not issue (put there by hand, as runbook 2 does). Named from the content, so
        // a restarted operator never copies twice.
        let backup = "\(o.tls.secretName)-backup-\(CertificateInspection.digest([certificatePEM, keyPEM]))"
        func replace(_ reason: RenewalReason, _ detail: String, keepCopy: Bool) -> Decision {
            guard keepCopy else { return issue(reason, detail) }
            if !o.existingBackups.contains(backup) {
                return decision(
                    .backUp(secretName: o.tls.secretName, backupName: backup),
                    ConditionSummary(
                        .progressing, reason: "BackingUpCertificate", message: "copying the certificate (\(detail)) to secret/\(backup)"),
                    ReconcileEvent(
                        .warning, reason: "CertificateBackedUp",
                        message: "secret/\(o.tls.secretName): \(detail); copied to secret/\(backup) before replacing it")
                )
            }
            status.lastBackup = backup
            return issue(reason, "\(detail) (a copy is in secret/\(backup))")
        }

        let inspection: CertificateInspection
        switch CertificateInspection.inspect(certificatePEM: certificatePEM, privateKeyPEM: keyPEM, ca: ca) {
        case .success(let parsed): inspection = parsed
        case .failure(let problem): return replace(.unparsable, problem.rawValue, keepCopy: true)
        }
        status.serial = inspection.serial
        status.notAfter = inspection.notAfter

        // A certificate from another CA was put there by someone else: it is kept while it is valid (the operator does
        // not fight a human's rotation) and backed up before it is replaced at renewal.
        let foreign = inspection.signedByCA == false
        let missingNames = o.tls.dnsNames.filter { !inspection.dnsNames.contains($0.lowercased()) }
        if inspection.notAfter <= now {
            return replace(.expired, "certificate expired at \(timestamp(inspection.notAfter))", keepCopy: foreign)
        }
        if inspection.notBefore > now {
            return replace(.notYetValid, "certificate is not valid before \(timestamp(inspection.notBefore))", keepCopy: foreign)
        }
        if inspection.notAfter.timeIntervalSince(now) <= o.tls.renewBefore {
            return replace(.withinRenewalWindow, "certificate expires at \(timestamp(inspection.notAfter)), within renewBefore", keepCopy: foreign)
        }
        if !foreign, !missingNames.isEmpty { return issue(.wrongNames, "certificate lacks \(missingNames.joined(separator: ", "))") }
        var note: String?
        if foreign {
            note =
                "certificate \(inspection.serial) is not from the CA in secret/\(caName) (replaced by hand?); kept until renewBefore"
                + (missingNames.isEmpty ? "" : "; it lacks \(missingNames.joined(separator: ", "))")
        }
        let renewAt = inspection.notAfter.addingTimeInterval(-o.tls.renewBefore)
        let untilRenewal = max(renewAt.timeIntervalSince(now), 1)
        return served(o, inspection.serial, now: now, status: &status, untilRenewal: untilRenewal, note: note)
    }

    /// A valid certificate is in the Secret: make sure the pods serve it.
    private static func served(
        _ o: Observation, _ serial: String, now: Date, status: inout Status, untilRenewal: TimeInterval, note: String?
    ) -> Decision {
        func decision(_ step: Step?, _ health: ConditionSummary, _ event: ReconcileEvent? = nil, requeue: TimeInterval?) -> Decision {
            var health = health
            if let note, health.holding != .ready { health.message += "; \(note)" }
            return Decision(step: step, status: status, health: health, event: event, requeueAfter: requeue)
        }
        let valid = ConditionSummary(
            .ready, reason: note == nil ? "CertificateValid" : "CertificateProvidedExternally",
            message: note ?? "certificate \(serial) valid, renewal due in \(Int(untilRenewal / 86400)) days"
        )
        if status.servingSerial == serial {
            return decision(nil, valid, requeue: untilRenewal)
        }
        func adopt(_ method: String?, _ event: ReconcileEvent?) -> Decision {
            status.servingSerial = serial
            status.pendingSerial = nil
            status.pendingSince = nil
            if let method { status.reloadMethod = method }
            return decision(nil, valid, event, requeue: untilRenewal)
        }
        if let serving = o.servingSerials, !serving.isEmpty, serving.allSatisfy({ $0 == serial }) {
            return adopt(
                "HotReload",
                ReconcileEvent(
                    .normal, reason: "CertificateHotReloaded", message: "every jitsudod pod serves certificate \(serial); no restart needed"))
        }
        if o.templateAnnotations?[DesiredResources.Annotation.tlsSerial] == serial {
            return adopt("RollingRestart", nil)
        }
        if o.templateAnnotations == nil || o.servingSerials == [] {
            // No Deployment or no ready pod: whatever starts next mounts the new Secret.
            return adopt(nil, nil)
        }
        // While the pods can be asked, look again every reloadPollInterval; otherwise only the grace period's end matters.
        func awaiting(_ remaining: TimeInterval) -> Decision {
            let served = o.servingSerials.map { serving in "; \(serving.filter { $0 == serial }.count) of \(serving.count) ready pods serve it" }
            return decision(
                nil,
                ConditionSummary(
                    .progressing, reason: "AwaitingReload", message: "waiting for jitsudod to hot-reload certificate \(serial)\(served ?? "")"),
                requeue: o.servingSerials == nil ? remaining : min(remaining, reloadPollInterval)
            )
        }
        guard status.pendingSerial == serial, let since = status.pendingSince else {
            status.pendingSerial = serial
            status.pendingSince = now
            return awaiting(o.tls.reloadGracePeriod)
        }
        let waited = now.timeIntervalSince(since)
        if waited < o.tls.reloadGracePeriod { return awaiting(o.tls.reloadGracePeriod - waited) }
        let annotations = [DesiredResources.Annotation.restartedAt: timestamp(now), DesiredResources.Annotation.tlsSerial: serial]
        return decision(
            .restart(annotations: annotations),
            ConditionSummary(.progressing, reason: "RestartingForCertificate", message: "rolling restart so jitsudod serves certificate \(serial)"),
            ReconcileEvent(
                .normal, reason: "RollingRestart",
                message: "hot reload not observed within the grace period; restarting jitsudod for certificate \(serial)"),
            requeue: DeploymentReconciler.rolloutRequeue
        )
    }

    /// RFC 3339 in UTC, as `kubectl rollout restart` writes `restartedAt`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
