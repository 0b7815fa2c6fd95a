import Foundation
import JitsudoOperator
import JitsudoTLS
import JitsudoTesting
import KubernetesClient
import OperatorCore
import Testing
import X509

/// A JitsudoCluster against the real API server + controller-manager + fakelet, with the operator running in process.
@Suite(.serialized) struct ClusterTests {
    @Test func aClusterYieldsTheJitsudodDeploymentThatRollsOutAndTheRunbookCommandsWork() async throws {
        try await Env.withNamespace("opcluster") { client, namespace in
            try await Env.createCluster(client, namespace)
            var operatorTask = Env.startOperator(client, namespace: namespace)
            let kubectl = try Kubectl()
            defer {
                operatorTask.cancel()
                kubectl.cleanUp()
            }
            func ok(_ arguments: [String]) async throws -> String {
                let result = try await kubectl.run(arguments + ["-n", namespace])
                #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result.stderr)")
                return result.stdout
            }
            try await Env.eventually("the JitsudoCluster is Ready") {
                try await Env.cluster(client, namespace).status?["phase"]?.stringValue == "Ready"
            }
            let cluster = try await Env.cluster(client, namespace)
            #expect(cluster.status?["observedGeneration"]?.intValue == Int(cluster.metadata.generation ?? -1))
            let conditions = cluster.status?["conditions"]?.arrayValue ?? []
            #expect(conditions.contains { $0["type"] == "Ready" && $0["status"] == "True" }, "\(conditions)")
            #expect(conditions.contains { $0["type"] == "Degraded" && $0["status"] == "False" })
            let deployment = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
            #expect(deployment.spec.replicas == 2)
            #expect(deployment.spec.selector.matchLabels == ["app": "jitsudod"])
            #expect(deployment.metadata.ownerReferences?.first?.kind == "JitsudoCluster")
            // The pods run as the image's non-root user (scripts/build-image.sh) on a read-only root filesystem.
            let pod = try await client.get(GenericResource.self, name: "jitsudod", namespace: namespace, in: .deployments)
                .body["spec"]?["template"]?["spec"]
            #expect(pod?["securityContext"]?["runAsUser"]?.intValue == DesiredResources.imageUserID)
            #expect(pod?["securityContext"]?["runAsNonRoot"] == true)
            let container = pod?["containers"]?.arrayValue?.first
            #expect(container?["securityContext"]?["readOnlyRootFilesystem"] == true)
            #expect(container?["securityContext"]?["allowPrivilegeEscalation"] == false)
            #expect(container?["volumeMounts"]?.arrayValue?.contains { $0["mountPath"] == "/tmp" } == true)
            let tls = try await client.get(Secret.self, name: "jitsudo-tls", namespace: namespace)
            #expect(tls.type == "kubernetes.io/tls")
            #expect(Set(tls.decodedData.keys) == ["tls.crt", "tls.key", "ca.crt"])
            _ = try await client.get(GenericResource.self, name: "jitsudod", namespace: namespace, in: .services)
            _ = try await client.get(ConfigMap.self, name: "jitsudod-config", namespace: namespace)
            let reasons = Set(try await Env.events(client, namespace).compactMap(\.reason))
            #expect(
                reasons.isSuperset(of: ["CACreated", "CertificateIssued", "ConfigMapApplied", "ServiceApplied", "DeploymentCreated"]), "\(reasons)")

            // Runbook 6 / 2: the names the humans use.
            _ = try await ok(["rollout", "status", "deployment/jitsudod", "--timeout=90s"])
            let pods = try await ok(["get", "pods", "-l", "app=jitsudod"])
            #expect(pods.split(separator: "\n").filter { $0.contains("Running") && $0.contains("1/1") }.count == 2, "\(pods)")
            _ = try await ok(["rollout", "restart", "deployment/jitsudod"])
            _ = try await ok(["rollout", "status", "deployment/jitsudod", "--timeout=90s"])

            // Runbook 2's manual rotation: a self-signed certificate piped into kubectl apply. The operator keeps it
            // (it is valid) and gets it served by a rolling restart once the grace period passed.
            let openssl = try await kubectl.shell(
                """
                set -e
                openssl req -x509 -newkey rsa:2048 -keyout new-server.key -out new-server.crt -days 90 -nodes -subj "/CN=jitsudo.internal" 2>/dev/null
                kubectl -n \(namespace) create secret tls jitsudo-tls --cert=new-server.crt --key=new-server.key --dry-run=client -o yaml | kubectl -n \(namespace) apply -f -
                openssl x509 -in new-server.crt -noout -serial
                """)
            #expect(openssl.status == 0, "\(openssl.stderr)")
            let serial = openssl.stdout.split(separator: "\n").last.map { String($0.dropFirst("serial=".count)).lowercased() } ?? "?"
            try await Env.eventually("the hand-rotated certificate is rolled out") {
                let d = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
                return d.spec.template.metadata?.annotations?["jitsudo.dev/tls-serial"]?.trimmingPrefixZeros == serial.trimmingPrefixZeros
            }
            try await Env.eventually("the status says the certificate was served by a RollingRestart") {
                let tls = try await Env.cluster(client, namespace).status?["tls"]
                return tls?["reloadMethod"] == "RollingRestart"
                    && tls?["servingSerial"]?.stringValue?.trimmingPrefixZeros == serial.trimmingPrefixZeros
            }

            // Runbook 3's manual stop with the operator running: it leaves a person's count alone and says so.
            #expect(
                try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
                    .metadata.annotations?["jitsudo.dev/cluster-replicas"] == "2")
            _ = try await ok(["scale", "deployment", "jitsudod", "--replicas=0"])
            _ = try await ok(["wait", "--for=delete", "pod", "-l", "app=jitsudod", "--timeout=60s"])
            try await Env.eventually("the JitsudoCluster reports the stop by hand") {
                let status = try await Env.cluster(client, namespace).status
                let degraded = status?["conditions"]?.arrayValue?.first { $0["type"] == "Degraded" }
                return status?["phase"] == "ScaledByHand" && status?["replicas"]?.intValue == 0 && degraded?["status"] == "True"
                    && degraded?["message"]?.stringValue?.contains("--replicas=2") == true
            }
            // That status was written after the operator's decision on the stopped Deployment: nothing was scaled back.
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 0)
            #expect(try await client.list(Pod.self, namespace: namespace, options: .labels(["app": "jitsudod"])).items.isEmpty)
            // A restarted operator reads the same: the count is on the Deployment, not in memory. (The status is reset
            // while no operator runs, so what is seen next is the new one's decision.)
            operatorTask.cancel()
            await operatorTask.value
            var reset = try await Env.cluster(client, namespace)
            reset.status = ["phase": "Pending"]
            _ = try await client.update(reset, in: .jitsudoClusters, subresource: "status")
            operatorTask = Env.startOperator(client, namespace: namespace)
            try await Env.eventually("the restarted operator reports the stop by hand again") {
                let cluster = try await Env.cluster(client, namespace)
                return cluster.status?["phase"] == "ScaledByHand"
                    && cluster.status?["conditions"]?.arrayValue?.contains { $0["type"] == "Degraded" && $0["status"] == "True" } == true
            }
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 0)
            // Runbook 3 step 7 and 8.
            _ = try await ok(["scale", "deployment", "jitsudod", "--replicas=2"])
            _ = try await ok(["rollout", "status", "deployment/jitsudod", "--timeout=90s"])
            try await Env.eventually("the JitsudoCluster is Ready again") {
                try await Env.cluster(client, namespace).status?["phase"]?.stringValue == "Ready"
            }
            let running = try await ok(["get", "pods", "-l", "app=jitsudod"])
            #expect(running.split(separator: "\n").filter { $0.contains("Running") && $0.contains("1/1") }.count == 2, "\(running)")
        }
    }

    /// The CRD's CEL rules are not enforced by API servers older than 1.25 (the test bed runs 1.20): the operator
    /// checks the same rules, reports the spec Degraded with the fix, and creates nothing until it is corrected.
    @Test func aSpecBreakingTheCRDsCrossFieldRulesIsRefusedByTheOperatorAndNothingIsCreated() async throws {
        try await Env.withNamespace("opinvalid") { client, namespace in
            try await Env.createCluster(client, namespace, replicas: 1)
            let both: JSONValue = ["spec": ["config": ["configMapRef": ["name": "elsewhere", "key": "jitsudod.yaml"]]]]
            _ = try await client.patch(GenericResource.self, name: "jitsudod", namespace: namespace, .merge(both), in: .jitsudoClusters)
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Env.eventually("the JitsudoCluster is Degraded with InvalidSpec") {
                let status = try await Env.cluster(client, namespace).status
                let degraded = status?["conditions"]?.arrayValue?.first { $0["type"] == "Degraded" }
                return status?["phase"] == "Degraded" && degraded?["status"] == "True" && degraded?["reason"] == "InvalidSpec"
                    && degraded?["message"]?.stringValue?.contains("spec.config.inline or spec.config.configMapRef, not both") == true
            }
            #expect(try await Env.events(client, namespace).contains { $0.reason == "InvalidSpec" && $0.type == "Warning" })
            #expect(try await client.list(Deployment.self, namespace: namespace).items.isEmpty)
            #expect(try await client.list(GenericResource.self, namespace: namespace, in: .services).items.isEmpty)
            let secrets = try await client.list(GenericResource.self, namespace: namespace, in: .secrets).items.compactMap(\.metadata.name)
            #expect(!secrets.contains { $0.hasPrefix("jitsudo-tls") }, "\(secrets)")

            // Corrected: the operator carries on from there.
            let fixed: JSONValue = ["spec": ["config": ["configMapRef": nil]]]
            _ = try await client.patch(GenericResource.self, name: "jitsudod", namespace: namespace, .merge(fixed), in: .jitsudoClusters)
            try await Env.eventually("the corrected JitsudoCluster becomes Ready") {
                try await Env.cluster(client, namespace).status?["phase"] == "Ready"
            }
            #expect(try await client.get(Deployment.self, name: "jitsudod", namespace: namespace).spec.replicas == 1)
        }
    }

    @Test func anExpiringCertificateIsRenewedBeforeExpiryWithARollingRestartAndAnEvent() async throws {
        try await Env.withNamespace("optls") { client, namespace in
            try await Env.createCluster(client, namespace, replicas: 1)
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }
            try await Env.eventually("the JitsudoCluster is Ready") {
                try await Env.cluster(client, namespace).status?["phase"]?.stringValue == "Ready"
            }
            // A certificate from the operator's own CA that expires in 10 days: inside renewBefore (720h).
            let caSecret = try await client.get(Secret.self, name: "jitsudo-tls-ca", namespace: namespace)
            let ca = try PrivateCA(
                certificatePEM: String(decoding: caSecret.decodedData["tls.crt"] ?? Data(), as: UTF8.self),
                privateKeyPEM: String(decoding: caSecret.decodedData["tls.key"] ?? Data(), as: UTF8.self))
            let names = ["jitsudod", "jitsudod.\(namespace)", "jitsudod.\(namespace).svc", "jitsudod.\(namespace).svc.cluster.local"]
            let expiring = try ca.issue(dnsNames: names, validity: 10 * 86400)
            let expiringSerial = expiring.certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
            var secret = try await client.get(Secret.self, name: "jitsudo-tls", namespace: namespace)
            secret.data = [
                "tls.crt": Data(expiring.certificatePEM.utf8).base64EncodedString(),
                "tls.key": Data(expiring.privateKeyPEM.utf8).base64EncodedString(),
                "ca.crt": Data(ca.certificatePEM.utf8).base64EncodedString(),
            ]
            let restartedBefore = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
                .spec.template.metadata?.annotations?["kubectl.kubernetes.io/restartedAt"]
            _ = try await client.update(secret)

            try await Env.eventually("a new certificate replaces the expiring one") {
                let status = try await Env.cluster(client, namespace).status?["tls"]
                return status?["serial"]?.stringValue.map { $0 != expiringSerial } == true && status?["lastRotationReason"] == "WithinRenewalWindow"
            }
            let renewed = try await client.get(Secret.self, name: "jitsudo-tls", namespace: namespace)
            let pem = String(decoding: renewed.decodedData["tls.crt"] ?? Data(), as: UTF8.self)
            let inspection = try CertificateCheck.notAfter(pem)
            #expect(inspection > Date().addingTimeInterval(80 * 86400), "renewed for the full duration (2160h)")
            let newSerial = try #require(try await Env.cluster(client, namespace).status?["tls"]?["serial"]?.stringValue)
            try await Env.eventually("jitsudod is restarted for the new certificate") {
                let d = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
                let annotations = d.spec.template.metadata?.annotations ?? [:]
                return annotations["jitsudo.dev/tls-serial"] == newSerial && annotations["kubectl.kubernetes.io/restartedAt"] != restartedBefore
            }
            let events = try await Env.events(client, namespace)
            #expect(events.contains { $0.reason == "CertificateIssued" && ($0.note ?? "").contains("within renewBefore") })
            #expect(events.contains { $0.reason == "RollingRestart" && ($0.note ?? "").contains(newSerial) })
            let kubectl = try Kubectl()
            defer { kubectl.cleanUp() }
            let status = try await kubectl.run(["rollout", "status", "deployment/jitsudod", "-n", namespace, "--timeout=90s"])
            #expect(status.status == 0, "\(status.stderr)")
            try await Env.eventually("the status says RollingRestart") {
                try await Env.cluster(client, namespace).status?["tls"]?["reloadMethod"] == "RollingRestart"
            }
        }
    }
}

extension String {
    /// openssl prints serials in upper-case hex with leading zeros as needed; the operator in lower-case bytes.
    var trimmingPrefixZeros: String { String(drop { $0 == "0" }).lowercased() }
}
