import Foundation
import JitsudoCore
import OperatorCore
import Testing

/// One RBAC permission: (apiGroup, resource, verb, resourceName or "").
private struct Grant: Hashable, CustomStringConvertible {
    var group: String, resource: String, verb: String, name: String
    var description: String { "\(group.isEmpty ? "core" : group)/\(resource) \(verb)\(name.isEmpty ? "" : " [\(name)]")" }
}

/// Exactly what docs/operator.md ("RBAC") documents; the rendered Role must grant this and nothing else.
private let documentedGrants: Set<Grant> = {
    var grants = Set<Grant>()
    func add(_ groups: [String], _ resources: [String], _ verbs: [String], names: [String] = [""]) {
        for g in groups { for r in resources { for v in verbs { for n in names { grants.insert(Grant(group: g, resource: r, verb: v, name: n)) } } } }
    }
    let read = ["get", "list", "watch"], write = ["create", "update", "patch"]
    add(["jitsudo.dev"], ["jitsudoclusters", "jitsudorestores"], read)
    add(["jitsudo.dev"], ["jitsudoclusters/status", "jitsudorestores/status"], ["get", "update", "patch"])
    add(["jitsudo.dev"], ["jitsudoclusters/finalizers", "jitsudorestores/finalizers"], ["update"])
    add(["apps"], ["deployments"], read + write)
    add(["apps"], ["deployments/scale"], ["get", "update", "patch"])
    add([""], ["services", "configmaps", "secrets"], read + write)
    add([""], ["pods"], read)
    add([""], ["serviceaccounts"], ["get"])
    add(["policy"], ["poddisruptionbudgets"], read + write)
    add(["batch"], ["jobs"], read + ["create"])
    add(["", "events.k8s.io"], ["events"], ["create", "patch"])
    add(["coordination.k8s.io"], ["leases"], ["create"])
    add(["coordination.k8s.io"], ["leases"], ["get", "update"], names: ["jitsudo-operator"])
    return grants
}()

@Suite(.serialized) struct HelmChartTests {
    @Test func theChartLintsStrictly() throws {
        let result = try Helm.run(["lint", "--strict", Helm.chart])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("0 chart(s) failed"))
    }

    @Test func defaultValuesRenderTheOperatorAndTheJitsudoCluster() throws {
        let docs = try Helm.template()
        let objects = Set(docs.map { "\($0.kind)/\($0.name)" })
        #expect(
            objects == [
                "ServiceAccount/jitsudo-operator", "Role/jitsudo-operator", "RoleBinding/jitsudo-operator", "Deployment/jitsudo-operator",
                "JitsudoCluster/jitsudod",
            ])
        for doc in docs {
            #expect(doc.at("metadata.namespace") as? String == "jitsudo", "\(doc.kind) not in the release namespace")
            let labels = doc.at("metadata.labels") as? [String: Any]
            #expect(labels?["app.kubernetes.io/part-of"] as? String == "jitsudo", "\(doc.kind) lacks the chart's labels")
            #expect(labels?["app.kubernetes.io/managed-by"] as? String == "Helm")
        }
        let operatorDeployment = try #require(docs.first { $0.kind == "Deployment" })
        #expect(operatorDeployment.at("spec.replicas") as? Int == 2)
        #expect(operatorDeployment.at("spec.template.spec.serviceAccountName") as? String == "jitsudo-operator")
        let container = try #require((operatorDeployment.at("spec.template.spec.containers") as? [[String: Any]])?.first)
        #expect(container.at("livenessProbe.httpGet.path") as? String == "/healthz")
        #expect(container.at("readinessProbe.httpGet.path") as? String == "/readyz")
        #expect(container.at("securityContext.allowPrivilegeEscalation") as? Bool == false)
        #expect((container["args"] as? [String])?.contains("--lease=jitsudo-operator") == true)
    }

    /// `make images` tags ghcr.io/jitsudo/<product>:<JitsudoVersion.current> with the user 65532
    /// (scripts/build-image.sh; ImageTests check the built images against this chart).
    @Test func theDefaultImagesAreWhatMakeImagesBuildsRunAsItsUserOnAReadOnlyRoot() throws {
        let docs = try Helm.template()
        let operatorDeployment = try #require(docs.first { $0.kind == "Deployment" })
        let pod = try #require(operatorDeployment.at("spec.template.spec") as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect(container["image"] as? String == "ghcr.io/jitsudo/jitsudo-operator:\(JitsudoVersion.current)")
        #expect(pod.at("securityContext.runAsUser") as? Int == DesiredResources.imageUserID)
        #expect(pod.at("securityContext.runAsGroup") as? Int == DesiredResources.imageUserID)
        #expect(pod.at("securityContext.runAsNonRoot") as? Bool == true)
        #expect(container.at("securityContext.readOnlyRootFilesystem") as? Bool == true)
        #expect((container["volumeMounts"] as? [[String: Any]])?.contains { $0["mountPath"] as? String == "/tmp" } == true)
        let cluster = try #require(docs.first { $0.kind == "JitsudoCluster" })
        #expect(cluster.at("spec.image") as? String == "ghcr.io/jitsudo/jitsudod:\(JitsudoVersion.current)")
        let specJSON = try JSONSerialization.data(withJSONObject: try #require(cluster["spec"]))
        let spec = try JSONDecoder().decode(ClusterSpec.self, from: specJSON).resolved(namespace: Helm.namespace)
        let deployment = DesiredResources.deployment(spec, configData: [:], replicas: spec.replicas, carriedAnnotations: [:])
        #expect(deployment.runAsUser == DesiredResources.imageUserID && deployment.runAsUser != 0)
    }

    @Test func theJitsudoClusterYieldsTheRunbookNamesThroughTheOperatorCore() throws {
        let cluster = try #require(try Helm.template().first { $0.kind == "JitsudoCluster" })
        #expect(cluster["apiVersion"] as? String == "jitsudo.dev/v1alpha1")
        let specJSON = try JSONSerialization.data(withJSONObject: try #require(cluster["spec"]))
        let spec = try JSONDecoder().decode(ClusterSpec.self, from: specJSON).resolved(namespace: Helm.namespace)
        #expect(spec.replicas >= 2)
        #expect(spec.tls.secretName == "jitsudo-tls" && spec.tls.renewBefore == 30 * 86400)
        #expect(spec.tls.dnsNames.contains("jitsudod.jitsudo.svc"))
        #expect(spec.antiAffinity == .preferred && spec.disruptionBudgetEnabled)
        let deployment = DesiredResources.deployment(spec, configData: [:], replicas: spec.replicas, carriedAnnotations: [:])
        #expect(deployment.name == "jitsudod" && deployment.selector == ["app": "jitsudod"] && deployment.tlsSecretName == "jitsudo-tls")
    }

    @Test func theCRDsAreStructuralWithStatusAndPrinterColumns() throws {
        let crds = try Helm.template(includeCRDs: true).filter { $0.kind == "CustomResourceDefinition" }
        #expect(Set(crds.map(\.name)) == ["jitsudoclusters.jitsudo.dev", "jitsudorestores.jitsudo.dev"])
        for crd in crds {
            #expect(crd["apiVersion"] as? String == "apiextensions.k8s.io/v1")
            #expect(crd.at("spec.group") as? String == "jitsudo.dev")
            let version = try #require((crd.at("spec.versions") as? [[String: Any]])?.first)
            #expect(version.at("subresources.status") != nil, "\(crd.name) lacks the status subresource")
            #expect(((version["additionalPrinterColumns"] as? [[String: Any]])?.count ?? 0) >= 3)
            let schema = try #require(version.at("schema.openAPIV3Schema") as? [String: Any])
            let problems = structuralProblems(schema, path: crd.name)
            #expect(problems.isEmpty, "\(problems)")
            let conditions = try #require(schema.at("properties.status.properties.conditions.items.properties.type.enum") as? [String])
            #expect(conditions == ["Ready", "Progressing", "Degraded"])
            #expect(schema.at("properties.status.properties.observedGeneration") != nil)
        }
        let cluster = try #require(crds.first { $0.name == "jitsudoclusters.jitsudo.dev" })
        let tls =
            try #require(cluster.at("spec.versions") as? [[String: Any]]).first?.at(
                "schema.openAPIV3Schema.properties.spec.properties.tls.properties") as? [String: Any]
        #expect(tls?.at("secretName.default") as? String == "jitsudo-tls")
        #expect(tls?.at("renewBefore.default") as? String == "720h")
        let restore = try #require(crds.first { $0.name == "jitsudorestores.jitsudo.dev" })
        let phases =
            try #require(restore.at("spec.versions") as? [[String: Any]]).first?.at("schema.openAPIV3Schema.properties.status.properties.phase.enum")
            as? [String]
        #expect(phases == RestoreStateMachine.Phase.allCases.map(\.rawValue))
    }

    @Test func rbacGrantsExactlyTheDocumentedPermissions() throws {
        let docs = try Helm.template()
        #expect(!docs.contains { $0.kind == "ClusterRole" || $0.kind == "ClusterRoleBinding" })
        let role = try #require(docs.first { $0.kind == "Role" })
        var granted = Set<Grant>()
        for rule in try #require(role["rules"] as? [[String: Any]]) {
            let groups = rule["apiGroups"] as? [String] ?? [], resources = rule["resources"] as? [String] ?? []
            let verbs = rule["verbs"] as? [String] ?? [], names = rule["resourceNames"] as? [String] ?? [""]
            #expect(!(groups + resources + verbs + names).contains("*"), "wildcard in \(rule)")
            #expect(rule["nonResourceURLs"] == nil)
            for g in groups {
                for r in resources { for v in verbs { for n in names { granted.insert(Grant(group: g, resource: r, verb: v, name: n)) } } }
            }
        }
        #expect(
            granted.subtracting(documentedGrants).isEmpty,
            "not documented: \(granted.subtracting(documentedGrants).sorted { $0.description < $1.description })")
        #expect(
            documentedGrants.subtracting(granted).isEmpty,
            "missing: \(documentedGrants.subtracting(granted).sorted { $0.description < $1.description })")
        #expect(!granted.contains { $0.verb == "delete" || $0.verb == "deletecollection" || $0.verb == "escalate" || $0.verb == "bind" })

        let binding = try #require(docs.first { $0.kind == "RoleBinding" })
        #expect(binding.at("roleRef.kind") as? String == "Role" && binding.at("roleRef.name") as? String == "jitsudo-operator")
        let subject = try #require((binding["subjects"] as? [[String: Any]])?.first)
        #expect(subject["name"] as? String == "jitsudo-operator" && subject["namespace"] as? String == "jitsudo")
    }

    @Test func haValuesRenderAnHPAOnDeploymentJitsudod() throws {
        let docs = try Helm.template(["jitsudod.autoscaling.enabled=true", "jitsudod.autoscaling.maxReplicas=7"])
        let hpa = try #require(docs.first { $0.kind == "HorizontalPodAutoscaler" })
        #expect(hpa.name == "jitsudod" && hpa.at("spec.scaleTargetRef.name") as? String == "jitsudod")
        #expect(hpa.at("spec.scaleTargetRef.kind") as? String == "Deployment" && hpa.at("spec.maxReplicas") as? Int == 7)
        let cluster = try #require(docs.first { $0.kind == "JitsudoCluster" })
        #expect(cluster.at("spec.autoscaling.enabled") as? Bool == true)
        #expect(!(try Helm.template()).contains { $0.kind == "HorizontalPodAutoscaler" })
    }

    /// With backup enabled, an upgrade backs up with the CronJob's claim, image and owner Secret, which also migrates;
    /// without it no backup is taken and the migration uses jitsudod's database Secret.
    @Test func backupValuesBecomeTheJitsudoClustersUpgradeSettings() throws {
        func upgrade(_ sets: [String]) throws -> UpgradeSettings {
            let cluster = try #require(try Helm.template(sets).first { $0.kind == "JitsudoCluster" })
            let specJSON = try JSONSerialization.data(withJSONObject: try #require(cluster["spec"]))
            return try JSONDecoder().decode(ClusterSpec.self, from: specJSON).resolved(namespace: Helm.namespace).upgrade
        }
        let backedUp = try upgrade([
            "backup.enabled=true", "backup.persistentVolumeClaimName=jitsudo-backups", "backup.databaseSecretName=jitsudo-owner",
            "backup.image=postgres:16",
        ])
        #expect(backedUp.backup == UpgradeSettings.Backup(claimName: "jitsudo-backups", image: "postgres:16"))
        #expect(backedUp.databaseSecretName == "jitsudo-owner" && backedUp.databaseSecretKey == "url")
        let plain = try upgrade([])
        #expect(plain.backup == nil && plain.databaseSecretName == "jitsudo-database")
    }

    @Test func theDatabaseSecretIsCreatedOnlyWhenAsked() throws {
        let docs = try Helm.template(["database.createSecret=true", "database.url=postgres://jitsudo_app:pw@db:5432/jitsudo"])
        let secret = try #require(docs.first { $0.kind == "Secret" })
        #expect(secret.name == "jitsudo-database" && secret.at("stringData.url") as? String == "postgres://jitsudo_app:pw@db:5432/jitsudo")
        #expect(!(try Helm.template()).contains { $0.kind == "Secret" })
        let external = try Helm.template(["tls.issuer=CA", "tls.caSecretName=corp-ca", "tls.dnsNames={jitsudo.internal}"])
        let cluster = try #require(external.first { $0.kind == "JitsudoCluster" })
        #expect(cluster.at("spec.tls.caSecretName") as? String == "corp-ca")
        #expect((cluster.at("spec.tls.dnsNames") as? [String])?.last == "jitsudo.internal")
    }

    @Test(arguments: [
        ("jitsudod.replicas=0", "jitsudod.replicas"),
        ("operator.replicas=0", "operator.replicas"),
        ("tls.issuer=CA", "caSecretName"),
        ("tls.issuer=Vault", "tls.issuer"),
        ("tls.renewBefore=30d", "tls.renewBefore"),
        ("tls.dnsNames={Not_A_Name}", "tls.dnsNames"),
        ("database.createSecret=true", "database.url"),
        ("database.url=mysql://x", "database.url"),
        ("jitsudod.podAntiAffinity=Sometimes", "jitsudod.podAntiAffinity"),
        ("jitsudod.replica=3", "replica"),
        ("jitsudod.autoscaling.targetCPUUtilizationPercentage=0", "targetCPUUtilizationPercentage"),
    ])
    func invalidValuesAreRejectedNamingTheField(set: String, field: String) throws {
        let result = try Helm.run(["template", "jitsudo", Helm.chart, "--set", set])
        #expect(result.status != 0, "accepted --set \(set)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(field), "\(result.stderr)")
    }

    @Test func inconsistentAutoscalingBoundsAreRejected() throws {
        let result = try Helm.run([
            "template", "jitsudo", Helm.chart, "--set", "jitsudod.autoscaling.enabled=true", "--set", "jitsudod.autoscaling.minReplicas=9",
        ])
        #expect(result.status != 0 && result.stderr.contains("minReplicas must not exceed maxReplicas"))
    }

    @Test func theWholeReleaseRendersForTheAPIServerHook() throws {
        let release = try Helm.renderedRelease()
        let kinds = try Helm.documents(release).map(\.kind)
        #expect(kinds.prefix(2) == ["CustomResourceDefinition", "CustomResourceDefinition"])
        #expect(kinds.contains("JitsudoCluster"))
    }

    /// The rendered release against the real kube-apiserver of scripts/kube-testenv.sh (JITSUDO_TEST_KUBECONFIG; the
    /// test fails, never skips, without it): server-side dry-run of everything, then applied for real in a fresh
    /// namespace, and the names the runbooks use exist.
    @Test func theRenderedReleaseIsAcceptedByTheRealAPIServer() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let kubeconfig = environment["JITSUDO_TEST_KUBECONFIG"], !kubeconfig.isEmpty else {
            Issue.record("JITSUDO_TEST_KUBECONFIG is not set (\(environment["JITSUDO_TEST_KUBE_UNAVAILABLE"] ?? "run through make test")")
            return
        }
        let namespace = "helm-\(UInt32.random(in: 0...UInt32.max))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("helm-apply-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = directory.appendingPathComponent("release.yaml")
        // With a workload-identity preset, so the JitsudoCluster's identity fields meet the real CRD schema too.
        let sets = [
            "database.createSecret=true", "database.url=postgres://jitsudo_app:x@127.0.0.1:5432/jitsudo", "serviceAccount.create=true",
            "cloudIdentity.aws.irsa.roleArn=arn:aws:iam::123456789012:role/jitsudod", "jitsudod.podLabels.team=platform",
        ]
        #expect(try Helm.renderedRelease(sets, namespace: namespace).contains("kind: CustomResourceDefinition"))
        // The templates without the CRDs (those are applied from crds/ first, as helm install does).
        let templates = try Helm.run(["template", "jitsudo", Helm.chart, "--namespace", namespace] + sets.flatMap { ["--set", $0] })
        #expect(templates.status == 0, "\(templates.stderr)")
        try templates.stdout.write(to: manifest, atomically: true, encoding: .utf8)
        func kubectl(_ arguments: [String]) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["timeout", "120", "kubectl"] + arguments
            process.environment = [
                "KUBECONFIG": kubeconfig, "KUBECACHEDIR": directory.path + "/cache", "PATH": environment["PATH"] ?? "/usr/bin:/bin",
                "HOME": directory.path,
            ]
            let output = directory.appendingPathComponent("out-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            process.waitUntilExit()
            try handle.close()
            return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
        }
        #expect(try kubectl(["create", "namespace", namespace]).0 == 0)
        defer { _ = try? kubectl(["delete", "namespace", namespace, "--wait=false"]) }
        // The CRDs must exist before objects of their kinds can be dry-run; they are cluster-wide and applied for real.
        // The test API server is Kubernetes 1.20, older than CEL rules (x-kubernetes-validations, 1.25+): kubectl's
        // client-side schema check would refuse those fields, so the CRDs go without it (the server drops them; the
        // rules themselves are checked by the structural tests above, not here).
        let crds = try kubectl(["apply", "--validate=false", "-f", chart("crds")])
        #expect(crds.0 == 0, "\(crds.1)")
        #expect(
            try kubectl([
                "wait", "--for=condition=Established", "crd/jitsudoclusters.jitsudo.dev", "crd/jitsudorestores.jitsudo.dev",
                "--timeout=60s",
            ]).0 == 0)
        let dryRun = try kubectl(["apply", "--dry-run=server", "-n", namespace, "-f", manifest.path])
        #expect(dryRun.0 == 0, "\(dryRun.1)")
        #expect(dryRun.1.contains("deployment.apps/jitsudo-operator created (server dry run)"), "\(dryRun.1)")
        let applied = try kubectl(["apply", "-n", namespace, "-f", manifest.path])
        #expect(applied.0 == 0, "\(applied.1)")
        let names = try kubectl([
            "get", "-n", namespace, "jitsudocluster/jitsudod", "deployment/jitsudo-operator", "role/jitsudo-operator", "rolebinding/jitsudo-operator",
            "serviceaccount/jitsudo-operator", "serviceaccount/jitsudod",
            "secret/jitsudo-database", "-o", "name",
        ])
        #expect(names.0 == 0, "\(names.1)")
        #expect(names.1.contains("jitsudocluster.jitsudo.dev/jitsudod"))
        let fields = try kubectl([
            "get", "-n", namespace, "jitsudocluster/jitsudod", "-o",
            "jsonpath={.spec.serviceAccountName} {.spec.extraVolumes[0].projected.sources[0].serviceAccountToken.audience}",
        ])
        #expect(fields.1 == "jitsudod sts.amazonaws.com", "\(fields.1)")
    }

    private func chart(_ path: String) -> String { Helm.chart + "/" + path }
}

/// Violations of the structural-schema rules the API server enforces for apiextensions/v1: every node has a type
/// (unless it preserves unknown fields or is int-or-string), and a node's type is never mixed.
private func structuralProblems(_ schema: [String: Any], path: String) -> [String] {
    var problems: [String] = []
    let special = schema["x-kubernetes-int-or-string"] as? Bool == true || schema["x-kubernetes-preserve-unknown-fields"] as? Bool == true
    if schema["type"] == nil && !special { problems.append("\(path): no type") }
    for (name, child) in schema["properties"] as? [String: Any] ?? [:] {
        if let child = child as? [String: Any] { problems += structuralProblems(child, path: "\(path).\(name)") }
    }
    if let items = schema["items"] as? [String: Any] { problems += structuralProblems(items, path: "\(path)[]") }
    if let additional = schema["additionalProperties"] as? [String: Any] { problems += structuralProblems(additional, path: "\(path).*") }
    return problems
}
