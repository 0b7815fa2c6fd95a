import Foundation
import JitsudoTLS
import KubernetesClient
import Logging
import OperatorCore

/// The thin executor of the Deployment and TLS reconcilers for one JitsudoCluster: reads everything fresh, asks
/// OperatorCore for one step each, performs it, records the Event, and writes `status` through the /status subresource.
struct ClusterExecutor: Sendable {
    let client: KubernetesClient
    let namespace: String
    let recorder: Recorder
    let logger: Logger
    /// policy/v1, or policy/v1beta1 on API servers older than 1.21.
    let podDisruptionBudgets: ResourceType
    /// Asks pods which certificate they serve; nil: never asked (unknown).
    let probe: ServedCertificateProbe?
    /// The wall clock the decisions read (certificate renewal, condition times).
    let now: @Sendable () -> Date

    /// One reconcile pass; returns when to look again (nil: on the next watch event or resync).
    func reconcile(_ cluster: GenericResource, restores: [GenericResource]) async throws -> TimeInterval? {
        let now = self.now()
        let name = cluster.metadata.name ?? ""
        let generation = cluster.metadata.generation ?? 0
        let previous = (try? cluster.status?["conditions"]?.decode(as: [OperatorCore.Condition].self)) ?? []
        let spec: ClusterSpec
        do {
            spec = try (cluster.spec ?? .null).decode(as: ClusterSpec.self)
        } catch {
            let summary = ConditionSummary(.degraded, reason: "InvalidSpec", message: "spec cannot be read (\(error)); fix the JitsudoCluster's spec")
            try await writeStatus(cluster, phase: "Degraded", summary: summary, previous: previous, generation: generation, now: now, extra: [:])
            return nil
        }
        let resolved = try? spec.resolved(namespace: namespace)
        let owner = OwnerReference(
            apiVersion: "jitsudo.dev/v1alpha1", kind: "JitsudoCluster", name: name, uid: cluster.metadata.uid ?? "", controller: true,
            blockOwnerDeletion: true)
        let deployment = try await client.getIfPresent(Deployment.self, name: DesiredResources.name, namespace: namespace, in: .deployments)

        // TLS first: a restart it makes must not be raced by a Deployment update from an older read.
        var tlsDecision: TLSReconciler.Decision?
        if let resolved {
            let tls = resolved.tls
            let secret = secretText(try await client.getIfPresent(GenericResource.self, name: tls.secretName, namespace: namespace, in: .secrets))
            let caSecret = secretText(
                try await client.getIfPresent(GenericResource.self, name: tls.issuer.caSecretName, namespace: namespace, in: .secrets))
            // Backups carry the operator's label: only those are listed (not every Secret of the namespace).
            let backups = try await client.list(
                GenericResource.self, namespace: namespace, options: .labels(["app.kubernetes.io/managed-by": "jitsudo-operator"]), in: .secrets
            ).items
                .compactMap(\.metadata.name).filter { $0.hasPrefix("\(tls.secretName)-backup-") }
            let status = (try? cluster.status?["tls"]?.decode(as: TLSReconciler.Status.self)) ?? TLSReconciler.Status()
            // The pods are asked only while the certificate in the Secret is not known to be served.
            var serving: [String]?
            if let probe, let serial = ServedCertificateProbe.serial(pem: secret?["tls.crt"]), serial != status.servingSerial {
                let pods = try await client.list(Pod.self, namespace: namespace, options: .labels(DesiredResources.podLabels)).items
                serving = await probe.servingSerials(
                    of: pods)
            }
            let observation = TLSReconciler.Observation(
                tls: tls, secret: secret, caSecret: caSecret, existingBackups: Set(backups), servingSerials: serving,
                templateAnnotations: deployment.map { $0.spec.template.metadata?.annotations ?? [:] }, status: status)
            let decision = TLSReconciler.decide(observation, now: now)
            if let step = decision.step { try await perform(recorder.counted(step, kind: "JitsudoCluster"), tls: tls) }
            if let event = decision.event { await recorder.record(event, on: cluster, kind: "JitsudoCluster") }
            tlsDecision = decision
        }

        let inFlight = restores.first { restore in
            let target = restore.spec?["clusterName"]?.stringValue ?? "jitsudod"
            return target == name && RestoreExecutor.phase(of: restore).isInFlight
        }?.metadata.name

        var configData: [String: String]?
        var configMapHash: String?
        var databaseSecretPresent = false
        var serviceAccountPresent = true
        if let resolved {
            let configMap = try await client.getIfPresent(GenericResource.self, name: resolved.configMapName, namespace: namespace, in: .configMaps)
            configData = configMap.map { $0.body["data"]?.stringMap ?? [:] }
            if resolved.inlineConfig != nil { configMapHash = configMap.map { $0.metadata.annotations?[DesiredResources.Annotation.specHash] ?? "" } }
            let databaseSecret = secretText(
                try await client.getIfPresent(GenericResource.self, name: resolved.databaseSecretName, namespace: namespace, in: .secrets))
            databaseSecretPresent = databaseSecret?[resolved.databaseSecretKey] != nil
            if let account = resolved.podTemplate.serviceAccountName {
                serviceAccountPresent =
                    try await client.getIfPresent(GenericResource.self, name: account, namespace: namespace, in: .serviceAccounts) != nil
            }
        }
        func hash(_ resource: ResourceType) async throws -> String? {
            try await client.getIfPresent(GenericResource.self, name: DesiredResources.name, namespace: namespace, in: resource)
                .map { $0.metadata.annotations?[DesiredResources.Annotation.specHash] ?? "" }
        }
        let observed = deployment.map { d in
            DeploymentReconciler.ObservedDeployment(
                generation: d.metadata.generation ?? 0, observedGeneration: d.status?.observedGeneration ?? 0,
                specReplicas: Int(d.spec.replicas ?? 1), replicas: Int(d.status?.replicas ?? 0), updatedReplicas: Int(d.status?.updatedReplicas ?? 0),
                readyReplicas: Int(d.status?.readyReplicas ?? 0), availableReplicas: Int(d.status?.availableReplicas ?? 0),
                templateAnnotations: d.spec.template.metadata?.annotations ?? [:],
                specHash: d.metadata.annotations?[DesiredResources.Annotation.specHash] ?? "",
                clusterReplicas: d.metadata.annotations?[DesiredResources.Annotation.clusterReplicas].flatMap { Int($0) },
                progressDeadlineExceeded: d.status?.conditions?.contains { $0.type == "Progressing" && $0.reason == "ProgressDeadlineExceeded" }
                    ?? false,
                image: d.spec.template.spec.containers.first { $0.name == DesiredResources.name }?.image)
        }
        var upgradeWork = UpgradePlanner.Work()
        var servingImages: Set<String> = []
        if let resolved, let current = observed?.image, current != resolved.image {
            upgradeWork = try await UpgradeJobs(client: client, namespace: namespace, logger: logger).work(
                from: current, to: resolved.image, owner: owner)
            let pods = try await client.list(Pod.self, namespace: namespace, options: .labels(DesiredResources.podLabels)).items
            servingImages = Set(
                pods.filter(\.isReady).compactMap { pod in pod.spec?.containers.first { $0.name == DesiredResources.name }?.image })
        }
        let observation = DeploymentReconciler.Observation(
            namespace: namespace, generation: generation, spec: spec, conditions: previous, configData: configData,
            databaseSecretPresent: databaseSecretPresent, serviceAccountPresent: serviceAccountPresent, serviceHash: try await hash(.services),
            configMapHash: configMapHash,
            podDisruptionBudgetHash: try await hash(podDisruptionBudgets), deployment: observed, restoreInFlight: inFlight,
            upgradeWork: upgradeWork, servingImages: servingImages)
        let decision = DeploymentReconciler.decide(observation, now: now)
        var requeue = decision.requeueAfter
        if tlsDecision?.step != nil {
            requeue = 0
        } else {
            if let step = decision.step { try await perform(recorder.counted(step, kind: "JitsudoCluster"), owner: owner) }
            if let event = decision.event { await recorder.record(event, on: cluster, kind: "JitsudoCluster") }
        }

        let deploymentSummary =
            decision.status.conditions.first { $0.status == .true }
            .map { ConditionSummary($0.type, reason: $0.reason, message: $0.message) }
            ?? ConditionSummary(.progressing, reason: "Unknown", message: "not reconciled yet")
        let summary = ConditionSummary.combine([deploymentSummary] + (tlsDecision.map { [$0.health] } ?? []))
        var phase = decision.status.phase
        // TLS trouble degrades the cluster; the Deployment reconciler's own degraded phases (ScaledByHand) stay as named.
        if summary.holding == .degraded, deploymentSummary.holding != .degraded, phase != "Restoring" { phase = "Degraded" }
        if summary.holding == .progressing, phase == "Ready" { phase = "Progressing" }
        var extra: [String: JSONValue] = [
            "replicas": .number(Double(decision.status.replicas)), "readyReplicas": .number(Double(decision.status.readyReplicas)),
        ]
        if let checksum = decision.status.configChecksum { extra["configChecksum"] = .string(checksum) }
        if let restore = decision.status.restore { extra["restore"] = .string(restore) }
        if let tls = tlsDecision?.status { extra["tls"] = try JSONValue(encoding: tls) }
        try await writeStatus(cluster, phase: phase, summary: summary, previous: previous, generation: generation, now: now, extra: extra)
        for candidate in [requeue, tlsDecision?.requeueAfter] {
            if let candidate { requeue = min(requeue ?? candidate, candidate) }
        }
        return requeue
    }

    /// Writes `status` (only when it changed, so a steady object causes no watch traffic).
    private func writeStatus(
        _ cluster: GenericResource, phase: String, summary: ConditionSummary, previous: [OperatorCore.Condition], generation: Int64, now: Date,
        extra: [String: JSONValue]
    ) async throws {
        var status = extra
        status["phase"] = .string(phase)
        status["observedGeneration"] = .number(Double(generation))
        status["conditions"] = try JSONValue(encoding: summary.conditions(previous: previous, generation: generation, now: now))
        let new = JSONValue.object(status)
        if cluster.status == new { return }
        var updated = cluster
        updated.status = new
        _ = try await client.update(updated, in: .jitsudoClusters, subresource: "status")
    }

    private func perform(_ step: DeploymentReconciler.Step, owner: OwnerReference) async throws {
        func apply(_ object: JSONValue, _ resource: ResourceType, _ name: String) async throws {
            _ = try await client.patch(
                GenericResource.self, name: name, namespace: namespace, .apply(object, fieldManager: Render.fieldManager, force: true), in: resource)
        }
        switch step {
        case .applyConfigMap(let c, let hash): try await apply(Render.configMap(c, hash: hash, owner: owner), .configMaps, c.name)
        case .applyService(let s, let hash): try await apply(Render.service(s, hash: hash, owner: owner), .services, s.name)
        case .applyPodDisruptionBudget(let p, let hash):
            try await apply(
                Render.podDisruptionBudget(p, hash: hash, owner: owner, apiVersion: podDisruptionBudgets.apiVersion), podDisruptionBudgets, p.name)
        case .createDeployment(let d, let hash), .updateDeployment(let d, let hash):
            try await apply(Render.deployment(d, hash: hash, owner: owner, includeReplicas: true), .deployments, d.name)
        case .scaleDeployment(let replicas):
            // Replicas and the count they were set for, in one write (a crash between two writes would look like a
            // person's scale).
            let patch: JSONValue = [
                "metadata": ["annotations": [.init(stringLiteral: DesiredResources.Annotation.clusterReplicas): .string(String(replicas))]],
                "spec": ["replicas": .number(Double(replicas))],
            ]
            _ = try await client.patch(GenericResource.self, name: DesiredResources.name, namespace: namespace, .merge(patch), in: .deployments)
        case .createUpgradeJob(let job):
            try await UpgradeJobs(client: client, namespace: namespace, logger: logger).create(job, owner: owner)
        }
    }

    private func perform(_ step: TLSReconciler.Step, tls: ResolvedClusterSpec.TLS) async throws {
        switch step {
        case .createCertificateAuthority(let secretName):
            let ca = try PrivateCA.generate(commonName: "jitsudo \(namespace) CA")
            try await createSecret(secretName, ["tls.crt": ca.certificatePEM, "tls.key": ca.privateKeyPEM], type: "kubernetes.io/tls")
        case .backUp(let secretName, let backupName):
            guard let original = try await client.getIfPresent(GenericResource.self, name: secretName, namespace: namespace, in: .secrets) else {
                return
            }
            var copy = GenericResource(
                apiVersion: "v1", kind: "Secret",
                metadata: ObjectMeta(
                    name: backupName, namespace: namespace, labels: ["app.kubernetes.io/managed-by": "jitsudo-operator"],
                    annotations: ["jitsudo.dev/backup-of": secretName]))
            copy.body["type"] = original.body["type"] ?? "Opaque"
            copy.body["data"] = original.body["data"] ?? [:]
            do {
                _ = try await client.create(copy, in: .secrets)
            } catch let error as KubernetesError where error.code == .alreadyExists {}
        case .issue(let request):
            guard
                let caText = secretText(
                    try await client.getIfPresent(GenericResource.self, name: request.caSecretName, namespace: namespace, in: .secrets))
            else { throw OperatorError("CA secret/\(request.caSecretName) disappeared; the next pass reports it") }
            let ca = try PrivateCA(certificatePEM: caText["tls.crt"] ?? "", privateKeyPEM: caText["tls.key"] ?? "")
            let pair = try ca.issue(dnsNames: request.dnsNames, validity: request.validity)
            let data = ["tls.crt": pair.certificatePEM, "tls.key": pair.privateKeyPEM, "ca.crt": ca.certificatePEM]
            if var existing = try await client.getIfPresent(GenericResource.self, name: request.secretName, namespace: namespace, in: .secrets) {
                existing.body["data"] = secretData(data)
                existing.body["stringData"] = nil
                if existing.body["type"]?.stringValue != "kubernetes.io/tls" {
                    throw OperatorError(
                        "secret/\(request.secretName) is of type \(existing.body["type"]?.stringValue ?? "Opaque"), not kubernetes.io/tls; "
                            + "delete it (a backup is kept) so the operator can recreate it")
                }
                _ = try await client.update(existing, in: .secrets)
            } else {
                try await createSecret(request.secretName, data, type: "kubernetes.io/tls")
            }
        case .restart(let annotations):
            let patch: JSONValue = ["spec": ["template": ["metadata": ["annotations": Render.strings(annotations)]]]]
            _ = try await client.patch(
                GenericResource.self, name: DesiredResources.name, namespace: namespace, .strategicMerge(patch), in: .deployments)
        }
    }

    private func createSecret(_ name: String, _ data: [String: String], type: String) async throws {
        var secret = GenericResource(
            apiVersion: "v1", kind: "Secret",
            metadata: ObjectMeta(name: name, namespace: namespace, labels: ["app.kubernetes.io/managed-by": "jitsudo-operator"]))
        secret.body["type"] = .string(type)
        secret.body["data"] = secretData(data)
        do {
            _ = try await client.create(secret, in: .secrets)
        } catch let error as KubernetesError where error.code == .alreadyExists {
            // Never overwritten: the next pass reads what is there.
        }
    }
}

/// An executor failure, with what to do.
public struct OperatorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
