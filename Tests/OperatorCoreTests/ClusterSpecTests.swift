import Foundation
import OperatorCore
import Testing

@Suite struct ClusterSpecTests {
    @Test func defaultsMatchTheRunbookNames() throws {
        let spec = try Fixtures.clusterSpec(replicas: nil).resolved(namespace: "prod")
        #expect(spec.replicas == 2)
        #expect(spec.tls.secretName == "jitsudo-tls")
        #expect(spec.tls.renewBefore == 30 * Fixtures.day)
        #expect(spec.tls.validity == 90 * Fixtures.day)
        #expect(spec.tls.issuer == .selfSigned(caSecretName: "jitsudo-tls-ca"))
        #expect(spec.tls.dnsNames == ["jitsudod", "jitsudod.prod", "jitsudod.prod.svc", "jitsudod.prod.svc.cluster.local"])
        #expect(spec.configMapName == "jitsudod-config")
        #expect(spec.databaseSecretKey == "url")
    }

    @Test func extraDNSNamesAreAddedOnceAndLowercased() throws {
        let tls = ClusterSpec.TLS(dnsNames: ["Jitsudo.Internal", "jitsudod", "jitsudo.internal"])
        let spec = try Fixtures.clusterSpec(tls: tls).resolved(namespace: "prod")
        #expect(spec.tls.dnsNames.filter { $0 == "jitsudo.internal" }.count == 1)
        #expect(spec.tls.dnsNames.filter { $0 == "jitsudod" }.count == 1)
    }

    @Test(arguments: [
        (Fixtures.clusterSpec(replicas: 0), "spec.replicas"),
        (Fixtures.clusterSpec(tls: .init(issuer: "CA")), "caSecretName"),
        (Fixtures.clusterSpec(tls: .init(issuer: "Vault")), "spec.tls.issuer"),
        (Fixtures.clusterSpec(tls: .init(duration: "720h", renewBefore: "720h")), "must be longer"),
        (Fixtures.clusterSpec(tls: .init(renewBefore: "30d")), "spec.tls.renewBefore"),
        (Fixtures.clusterSpec(tls: .init(reloadGracePeriod: "0s")), "spec.tls.reloadGracePeriod"),
    ])
    func invalidSpecsAreRefusedNamingTheField(spec: ClusterSpec, field: String) {
        #expect {
            try spec.resolved(namespace: "prod")
        } throws: { error in
            guard let error = error as? OperatorCoreError else { return false }
            return error.message.contains(field)
        }
    }

    /// Unset keeps the Deployment as before the field existed (the default deadline, the same hash); 10…3600 is taken.
    @Test func progressDeadlineIsOptionalAndBounded() throws {
        var spec = Fixtures.clusterSpec()
        let unset = DesiredResources.deployment(try spec.resolved(namespace: "prod"), configData: [:], replicas: 2, carriedAnnotations: [:])
        #expect(unset.progressDeadlineSeconds == nil)
        spec.progressDeadlineSeconds = 10
        let set = DesiredResources.deployment(try spec.resolved(namespace: "prod"), configData: [:], replicas: 2, carriedAnnotations: [:])
        #expect(set.progressDeadlineSeconds == 10)
        #expect(DesiredResources.deploymentHash(set) != DesiredResources.deploymentHash(unset))
        for bad in [0, 9, 3601] {
            spec.progressDeadlineSeconds = bad
            #expect(throws: OperatorCoreError.self) { try spec.resolved(namespace: "prod") }
        }
    }

    @Test func bothInlineAndReferencedConfigIsRefused() {
        var spec = Fixtures.clusterSpec()
        spec.config = ClusterSpec.Config(inline: "a: 1", configMapRef: .init(name: "mine"))
        #expect(throws: OperatorCoreError(.invalidSpec, "")) { try spec.resolved(namespace: "prod") }
    }

    @Test func goDurationsParseHoursMinutesSeconds() throws {
        #expect(try GoDuration.seconds("720h", field: "f") == 2_592_000)
        #expect(try GoDuration.seconds("90m", field: "f") == 5400)
        #expect(try GoDuration.seconds("60s", field: "f") == 60)
        for bad in ["", "h", "-1h", "1.5h", "10", "10d", "+5m"] {
            #expect(throws: OperatorCoreError(.invalidDuration, "")) { try GoDuration.seconds(bad, field: "f") }
        }
    }

    @Test func clusterSpecDecodesFromTheCRDShape() throws {
        let json = """
            {"replicas":3,"image":"img:1","database":{"secretRef":{"name":"db","key":"dsn"}},
             "config":{"configMapRef":{"name":"cfg"}},"tls":{"issuer":"CA","caSecretName":"corp-ca","dnsNames":["jitsudo.internal"]},
             "podAntiAffinity":"Required","autoscaling":{"enabled":true},"resources":{"requests":{"cpu":2,"memory":"128Mi"},"limits":{"cpu":0.5}}}
            """
        let spec = try JSONDecoder().decode(ClusterSpec.self, from: Data(json.utf8)).resolved(namespace: "ns")
        #expect(spec.replicas == 3)
        #expect(spec.databaseSecretName == "db" && spec.databaseSecretKey == "dsn")
        #expect(spec.inlineConfig == nil && spec.configMapName == "cfg" && spec.configMapKey == "jitsudod.yaml")
        #expect(spec.tls.issuer == .ca(secretName: "corp-ca"))
        #expect(spec.tls.dnsNames.last == "jitsudo.internal")
        #expect(spec.antiAffinity == .required && spec.autoscaling)
        #expect(spec.resourceRequests == ["cpu": "2", "memory": "128Mi"] && spec.resourceLimits == ["cpu": "0.5"])
    }
}
