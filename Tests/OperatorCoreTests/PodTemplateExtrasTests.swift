import Foundation
import OperatorCore
import Testing

/// A spec as the chart's IRSA preset writes it, plus a label, an annotation and env from a Secret and a field.
private func workloadIdentitySpec() -> ClusterSpec {
    var spec = Fixtures.clusterSpec()
    spec.serviceAccountName = "jitsudod"
    spec.podLabels = ["azure.workload.identity/use": "true", "team": "platform"]
    spec.podAnnotations = ["example.com/owner": "security"]
    spec.env = [
        .init(name: "AWS_ROLE_ARN", value: "arn:aws:iam::123456789012:role/jitsudod"),
        .init(name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"),
        .init(name: "SLACK_TOKEN", valueFrom: .init(secretKeyRef: .init(name: "slack", key: "token"))),
        .init(name: "POD_NAME", valueFrom: .init(fieldRef: .init(fieldPath: "metadata.name"))),
    ]
    spec.extraVolumes = [
        .init(
            name: "aws-iam-token",
            projected: .init(sources: [.init(serviceAccountToken: .init(audience: "sts.amazonaws.com", expirationSeconds: 86400, path: "token"))])),
        .init(name: "default-audience", projected: .init(sources: [.init(serviceAccountToken: .init(path: "tokens/api"))])),
    ]
    spec.extraVolumeMounts = [
        .init(name: "aws-iam-token", mountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount"),
        .init(name: "default-audience", mountPath: "/var/run/secrets/api", readOnly: true),
    ]
    return spec
}

private func deployment(_ spec: ClusterSpec) throws -> DesiredResources.Deployment {
    let resolved = try spec.resolved(namespace: Fixtures.namespace)
    return DesiredResources.deployment(resolved, configData: ["jitsudod.yaml": "a: 1"], replicas: resolved.replicas, carriedAnnotations: [:])
}

/// The JSON of an Encodable value as Foundation objects.
private func json(_ value: some Encodable) throws -> Any {
    try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
}

/// The JSON text of a value with sorted keys, for comparing with the Kubernetes shape written out.
private func canonical(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

@Suite struct PodTemplateExtrasTests {
    @Test func theExtrasAreRenderedIntoThePodTemplateBesideTheOperatorsOwnParts() throws {
        let d = try deployment(workloadIdentitySpec())
        #expect(d.serviceAccountName == "jitsudod")
        #expect(d.templateLabels == ["app": "jitsudod", "azure.workload.identity/use": "true", "team": "platform"])
        #expect(d.selector == ["app": "jitsudod"] && d.labels == ["app": "jitsudod"], "the selector never changes (it is immutable)")
        #expect(d.templateAnnotations["example.com/owner"] == "security")
        #expect(d.templateAnnotations[DesiredResources.Annotation.configChecksum] == DesiredResources.configChecksum(["jitsudod.yaml": "a: 1"]))
        #expect(d.extraEnv?.map(\.name) == ["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "SLACK_TOKEN", "POD_NAME"])
        #expect(d.extraVolumes?.map(\.name) == ["aws-iam-token", "default-audience"])
        // The operator's own variables and volumes stay what they were.
        #expect(d.databaseSecretName == "jitsudo-database" && d.configMapName == "jitsudod-config" && d.tlsSecretName == "jitsudo-tls")
    }

    @Test func theExtrasEncodeAsKubernetesPodSpecFieldsWithDefaultsFilledIn() throws {
        let d = try deployment(workloadIdentitySpec())
        let volumes = try #require(d.extraVolumes)
        #expect(
            try canonical(volumes[0])
                == #"{"name":"aws-iam-token","projected":{"sources":[{"serviceAccountToken":"#
                + #"{"audience":"sts.amazonaws.com","expirationSeconds":86400,"path":"token"}}]}}"#)
        // expirationSeconds defaults to 3600; no audience means the API server's own.
        #expect(
            try canonical(volumes[1])
                == #"{"name":"default-audience","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3600,"path":"tokens/api"}}]}}"#)
        #expect(
            try canonical(try #require(d.extraVolumeMounts))
                == #"[{"mountPath":"/var/run/secrets/eks.amazonaws.com/serviceaccount","name":"aws-iam-token","readOnly":true},"#
                + #"{"mountPath":"/var/run/secrets/api","name":"default-audience","readOnly":true}]"#)
        let env = try #require(d.extraEnv)
        #expect(try canonical(env[2]) == #"{"name":"SLACK_TOKEN","valueFrom":{"secretKeyRef":{"key":"token","name":"slack"}}}"#)
        #expect(try canonical(env[3]) == #"{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}"#)
    }

    @Test func aSpecWithoutExtrasRendersExactlyThePreviousDeployment() throws {
        let d = try deployment(Fixtures.clusterSpec())
        let object = try #require(try json(d) as? [String: Any])
        // Absent (not empty) in the hashed value: a Deployment made by an older operator keeps its hash and its pods.
        for key in ["serviceAccountName", "extraPodLabels", "extraEnv", "extraVolumes", "extraVolumeMounts"] {
            #expect(object[key] == nil, "\(key) is encoded")
        }
        #expect(d.templateLabels == ["app": "jitsudod"])
        #expect(Set(d.templateAnnotations.keys) == [DesiredResources.Annotation.configChecksum])
    }

    @Test func eachExtraChangesTheDeploymentHash() throws {
        let base = DesiredResources.deploymentHash(try deployment(Fixtures.clusterSpec()))
        var changes: [(String, ClusterSpec)] = []
        var spec = Fixtures.clusterSpec()
        spec.serviceAccountName = "jitsudod"
        changes.append(("serviceAccountName", spec))
        spec = Fixtures.clusterSpec()
        spec.podLabels = ["team": "a"]
        changes.append(("podLabels", spec))
        spec = Fixtures.clusterSpec()
        spec.podAnnotations = ["example.com/a": "b"]
        changes.append(("podAnnotations", spec))
        spec = Fixtures.clusterSpec()
        spec.env = [.init(name: "A", value: "1")]
        changes.append(("env", spec))
        changes.append(("volumes", workloadIdentitySpec()))
        var hashes = Set([base])
        for (field, spec) in changes {
            #expect(hashes.insert(DesiredResources.deploymentHash(try deployment(spec))).inserted, "\(field) does not change the hash")
        }
    }

    @Test func theCRDShapeDecodes() throws {
        let json = """
            {"image":"img:1","database":{"secretRef":{"name":"db"}},"serviceAccountName":"jitsudod",
             "podLabels":{"azure.workload.identity/use":"true"},"podAnnotations":{"a.example/b":"c"},
             "env":[{"name":"X","value":"1"},{"name":"Y","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k","optional":true}}}],
             "extraVolumes":[{"name":"t","projected":{"sources":[{"serviceAccountToken":{"audience":"api://AzureADTokenExchange","path":"token"}}]}}],
             "extraVolumeMounts":[{"name":"t","mountPath":"/var/run/secrets/azure/tokens","readOnly":true}]}
            """
        let spec = try JSONDecoder().decode(ClusterSpec.self, from: Data(json.utf8)).resolved(namespace: "ns").podTemplate
        #expect(spec.serviceAccountName == "jitsudod")
        #expect(spec.labels == ["azure.workload.identity/use": "true"] && spec.annotations == ["a.example/b": "c"])
        #expect(spec.env[1].valueFrom?.configMapKeyRef == .init(name: "cm", key: "k", optional: true))
        #expect(spec.volumes.first?.projected?.sources.first?.serviceAccountToken?.expirationSeconds == 3600)
        #expect(spec.volumeMounts == [.init(name: "t", mountPath: "/var/run/secrets/azure/tokens", readOnly: true)])
    }

    @Test func anEmptyServiceAccountNameMeansTheDefaultOne() throws {
        var spec = Fixtures.clusterSpec()
        spec.serviceAccountName = ""
        #expect(try deployment(spec).serviceAccountName == nil)
    }

    /// Each spec breaks one rule; the message names the field (and so what to change).
    @Test(arguments: [
        (ClusterSpecChange.labels(["app": "other"]), "spec.podLabels sets 'app'"),
        (.labels(["pod-template-hash": "x"]), "spec.podLabels sets 'pod-template-hash'"),
        (.labels(["team": "has space"]), "spec.podLabels['team']"),
        (.labels(["-bad": "x"]), "spec.podLabels key '-bad'"),
        (.annotations(["jitsudo.dev/config-checksum": "x"]), "spec.podAnnotations sets 'jitsudo.dev/config-checksum'"),
        (.annotations(["kubectl.kubernetes.io/restartedAt": "x"]), "kubectl.kubernetes.io/restartedAt"),
        (.env([.init(name: "DATABASE_URL", value: "postgres://elsewhere")]), "spec.env[0] sets DATABASE_URL"),
        (.env([.init(name: "JITSUDOD_CONFIG", value: "/tmp/x")]), "spec.env[0] sets JITSUDOD_CONFIG"),
        (.env([.init(name: "A", value: "1"), .init(name: "JITSUDOD_DATABASE_URL", value: "x")]), "spec.env[1] sets JITSUDOD_DATABASE_URL"),
        (.env([.init(name: "A", value: "1"), .init(name: "A", value: "2")]), "spec.env[1] sets A a second time"),
        (.env([.init(name: "1A", value: "1")]), "spec.env[0].name '1A'"),
        (.env([.init(name: "A", value: "1", valueFrom: .init(fieldRef: .init(fieldPath: "metadata.name")))]), "both value and valueFrom"),
        (.env([.init(name: "A", valueFrom: .init())]), "exactly one of secretKeyRef"),
        (
            .env([.init(name: "A", valueFrom: .init(secretKeyRef: .init(name: "s", key: "k"), fieldRef: .init(fieldPath: "metadata.name")))]),
            "exactly one of secretKeyRef"
        ),
        (.env([.init(name: "A", valueFrom: .init(secretKeyRef: .init(name: "s", key: "")))]), "spec.env[0].valueFrom.secretKeyRef"),
        (.env([.init(name: "A", valueFrom: .init(fieldRef: .init(fieldPath: "spec.containers")))]), "fieldRef.fieldPath 'spec.containers'"),
        (.volume(.init(name: "secret-volume", projected: nil)), "must be a projected volume"),
        (.volume(.init(name: "tls", projected: .init(sources: [.init(serviceAccountToken: .init(path: "token"))]))), "'tls' is a volume"),
        (.volume(.init(name: "t", projected: .init(sources: [.init(serviceAccountToken: nil)]))), "is not a serviceAccountToken"),
        (.volume(.init(name: "t", projected: .init(sources: [.init(serviceAccountToken: .init(path: "../etc/passwd"))]))), "path '../etc/passwd'"),
        (.volume(.init(name: "t", projected: .init(sources: [.init(serviceAccountToken: .init(path: "/token"))]))), "path '/token'"),
        (
            .volume(.init(name: "t", projected: .init(sources: [.init(serviceAccountToken: .init(expirationSeconds: 60, path: "token"))]))),
            "expirationSeconds is 60"
        ),
        (.mount(.init(name: "t", mountPath: "relative/path")), "mountPath 'relative/path'"),
        (.mount(.init(name: "t", mountPath: "/etc/jitsudo/tls/token")), "overlaps /etc/jitsudo/tls"),
        (.mount(.init(name: "t", mountPath: "/etc/jitsudo")), "overlaps /etc/jitsudo/config"),
        (.mount(.init(name: "t", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount")), "overlaps /var/run/secrets/kubernetes.io"),
        (.mount(.init(name: "t", mountPath: "/var/run/../etc")), "mountPath '/var/run/../etc'"),
        (.mount(.init(name: "t", mountPath: "/var/run/t", readOnly: false)), "readOnly false"),
        (.mount(.init(name: "other", mountPath: "/var/run/t")), "mounts 'other', which is not in spec.extraVolumes"),
        (.unmountedVolume, "is mounted nowhere"),
        (.serviceAccount("Jitsudod_SA"), "spec.serviceAccountName 'Jitsudod_SA'"),
    ])
    func invalidExtrasAreRefusedNamingTheField(change: ClusterSpecChange, message: String) {
        let spec = change.applied(to: Fixtures.clusterSpec())
        #expect {
            try spec.resolved(namespace: Fixtures.namespace)
        } throws: { error in
            guard let error = error as? OperatorCoreError, error.code == .invalidSpec else { return false }
            return error.message.contains(message)
        }
        // The reconciler reports it like the CRD's cross-field rules: Degraded, InvalidSpec, a warning, no step.
        let decision = DeploymentReconciler.decide(
            .init(namespace: Fixtures.namespace, generation: 3, spec: spec, configData: nil, databaseSecretPresent: true), now: Fixtures.now)
        let degraded = decision.status.conditions.first { $0.type == .degraded }
        #expect(decision.step == nil && decision.status.phase == "Degraded")
        #expect(degraded?.status == .true && degraded?.reason == "InvalidSpec" && degraded?.message.contains(message) == true)
        #expect(decision.event?.type == .warning && decision.event?.reason == "InvalidSpec")
    }
}

/// One change to a valid spec, for the refusal table.
enum ClusterSpecChange: Sendable, CustomTestStringConvertible {
    case labels([String: String])
    case annotations([String: String])
    case env([ClusterSpec.EnvVar])
    /// This volume, mounted at /var/run/t.
    case volume(ClusterSpec.Volume)
    /// A valid volume `t`, with this mount.
    case mount(ClusterSpec.VolumeMount)
    case unmountedVolume
    case serviceAccount(String)

    func applied(to base: ClusterSpec) -> ClusterSpec {
        var spec = base
        let token = ClusterSpec.Volume(name: "t", projected: .init(sources: [.init(serviceAccountToken: .init(path: "token"))]))
        switch self {
        case .labels(let labels): spec.podLabels = labels
        case .annotations(let annotations): spec.podAnnotations = annotations
        case .env(let env): spec.env = env
        case .volume(let volume):
            spec.extraVolumes = [volume]
            spec.extraVolumeMounts = [.init(name: volume.name, mountPath: "/var/run/t")]
        case .mount(let mount):
            spec.extraVolumes = [token]
            spec.extraVolumeMounts = [mount]
        case .unmountedVolume: spec.extraVolumes = [token]
        case .serviceAccount(let name): spec.serviceAccountName = name
        }
        return spec
    }

    var testDescription: String { "\(self)".prefix(100).description }
}
