import Foundation
import OperatorCore
import Testing

/// The chart's `serviceAccount` and `cloudIdentity` values, rendered by the real helm: the ServiceAccount it creates
/// and the JitsudoCluster fields the operator turns into jitsudod's pod template.
@Suite struct CloudIdentityTests {
    struct Rendered {
        var serviceAccount: [String: Any]?
        var cluster: [String: Any]
        /// The cluster's spec through OperatorCore: what the operator renders (and so also checked by its validation).
        var deployment: DesiredResources.Deployment

        var env: [String: String] {
            Dictionary(uniqueKeysWithValues: (deployment.extraEnv ?? []).map { ($0.name, $0.value ?? "") })
        }

        /// The token file an env variable names, as the pod would see it: (audience, expirationSeconds) of the projected
        /// token mounted at that path, or nil when no extra volume provides the file.
        func token(at file: String) -> (audience: String?, seconds: Int?)? {
            for mount in deployment.extraVolumeMounts ?? [] where file.hasPrefix(mount.mountPath + "/") {
                let relative = String(file.dropFirst(mount.mountPath.count + 1))
                let volume = deployment.extraVolumes?.first { $0.name == mount.name }
                if let token = volume?.projected?.sources.compactMap(\.serviceAccountToken).first(where: { $0.path == relative }) {
                    return (token.audience, token.expirationSeconds)
                }
            }
            return nil
        }
    }

    func render(_ sets: [String]) throws -> Rendered {
        let docs = try Helm.template(sets)
        let cluster = try #require(docs.first { $0.kind == "JitsudoCluster" })
        let specJSON = try JSONSerialization.data(withJSONObject: try #require(cluster["spec"]))
        let spec = try JSONDecoder().decode(ClusterSpec.self, from: specJSON).resolved(namespace: Helm.namespace)
        return Rendered(
            serviceAccount: docs.first { $0.kind == "ServiceAccount" && $0.name != "jitsudo-operator" }, cluster: cluster,
            deployment: DesiredResources.deployment(spec, configData: [:], replicas: spec.replicas, carriedAnnotations: [:]))
    }

    @Test func byDefaultJitsudodRunsAsTheNamespacesDefaultServiceAccountWithNothingAdded() throws {
        let r = try render([])
        #expect(r.serviceAccount == nil)
        for field in ["serviceAccountName", "podLabels", "podAnnotations", "env", "extraVolumes", "extraVolumeMounts"] {
            #expect(r.cluster.at("spec.\(field)") == nil, "spec.\(field) is set")
        }
        #expect(r.deployment.serviceAccountName == nil && r.deployment.templateLabels == ["app": "jitsudod"])
    }

    @Test func theChartCreatesJitsudodsOwnServiceAccountOnlyWhenAsked() throws {
        let created = try render(["serviceAccount.create=true", "serviceAccount.annotations.example\\.com/owner=security"])
        let account = try #require(created.serviceAccount)
        #expect(account.name == "jitsudod" && account.at("metadata.namespace") as? String == "jitsudo")
        #expect(account.at("metadata.annotations") as? [String: String] == ["example.com/owner": "security"])
        #expect(created.cluster.at("spec.serviceAccountName") as? String == "jitsudod")

        let named = try render(["serviceAccount.create=true", "serviceAccount.name=jitsudo-control"])
        #expect(named.serviceAccount?.name == "jitsudo-control" && named.deployment.serviceAccountName == "jitsudo-control")

        let existing = try render(["serviceAccount.name=platform-owned"])
        #expect(existing.serviceAccount == nil, "an existing service account is used, not created")
        #expect(existing.deployment.serviceAccountName == "platform-owned")
        // The operator's own account is untouched by all of this.
        let operatorDeployment = try #require(try Helm.template(["serviceAccount.create=true"]).first { $0.kind == "Deployment" })
        #expect(operatorDeployment.at("spec.template.spec.serviceAccountName") as? String == "jitsudo-operator")
    }

    @Test func awsIRSAAnnotatesTheServiceAccountAndProjectsTheWebIdentityToken() throws {
        let arn = "arn:aws:iam::123456789012:role/jitsudod"
        let r = try render(["serviceAccount.create=true", "cloudIdentity.aws.irsa.roleArn=\(arn)"])
        #expect(r.serviceAccount?.at("metadata.annotations") as? [String: String] == ["eks.amazonaws.com/role-arn": arn])
        #expect(r.deployment.serviceAccountName == "jitsudod")
        #expect(r.env["AWS_ROLE_ARN"] == arn)
        let file = try #require(r.env["AWS_WEB_IDENTITY_TOKEN_FILE"])
        #expect(file == "/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
        let token = try #require(r.token(at: file), "no projected token at \(file)")
        #expect(token.audience == "sts.amazonaws.com" && token.seconds == 86400)
        #expect(r.deployment.extraVolumes?.map(\.name) == ["aws-iam-token"], "the EKS webhook's own volume name, so it adds no second one")
    }

    @Test func eksPodIdentityPointsTheContainerCredentialsAtTheAgentWithItsToken() throws {
        let r = try render(["cloudIdentity.aws.podIdentity.enabled=true"])
        #expect(r.serviceAccount == nil, "Pod Identity associates the role with a service account in EKS; no annotation needed")
        #expect(r.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == "http://169.254.170.23/v1/credentials")
        let file = try #require(r.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"])
        #expect(file == "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token")
        let token = try #require(r.token(at: file), "no projected token at \(file)")
        #expect(token.audience == "pods.eks.amazonaws.com" && token.seconds == 86400)
        #expect(r.env["AWS_ROLE_ARN"] == nil)
        let ipv6 = try render([
            "cloudIdentity.aws.podIdentity.enabled=true", "cloudIdentity.aws.podIdentity.credentialsURI=http://[fd00:ec2::23]/v1/credentials",
        ])
        #expect(ipv6.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == "http://[fd00:ec2::23]/v1/credentials")
    }

    @Test func gkeWorkloadIdentityIsTheServiceAccountAnnotationAlone() throws {
        let google = "jitsudod@control-project.iam.gserviceaccount.com"
        let r = try render(["serviceAccount.create=true", "cloudIdentity.gcp.workloadIdentity.serviceAccount=\(google)"])
        #expect(r.serviceAccount?.at("metadata.annotations") as? [String: String] == ["iam.gke.io/gcp-service-account": google])
        #expect(r.deployment.serviceAccountName == "jitsudod")
        #expect(r.deployment.extraEnv == nil && r.deployment.extraVolumes == nil, "GKE's metadata server needs no token file")
    }

    @Test func aksWorkloadIdentityLabelsThePodsAndPointsTheAzureProviderAtTheWebhooksToken() throws {
        let client = "00000000-1111-2222-3333-444444444444", tenant = "aaaaaaaa-1111-2222-3333-444444444444"
        let r = try render([
            "serviceAccount.create=true", "cloudIdentity.azure.workloadIdentity.clientId=\(client)",
            "cloudIdentity.azure.workloadIdentity.tenantId=\(tenant)",
        ])
        #expect(
            r.serviceAccount?.at("metadata.annotations") as? [String: String]
                == ["azure.workload.identity/client-id": client, "azure.workload.identity/tenant-id": tenant])
        #expect(r.cluster.at("spec.podLabels") as? [String: String] == ["azure.workload.identity/use": "true"])
        #expect(r.deployment.templateLabels == ["app": "jitsudod", "azure.workload.identity/use": "true"])
        #expect(r.env["JITSUDOD_PROVIDERS_AZURE_CLIENT_ID"] == client && r.env["JITSUDOD_PROVIDERS_AZURE_TENANT_ID"] == tenant)
        #expect(r.env["JITSUDOD_PROVIDERS_AZURE_FEDERATED_TOKEN_FILE"] == "/var/run/secrets/azure/tokens/azure-identity-token")
        // The token volume is the webhook's (it injects azure-identity-token for labelled pods); the chart adds none.
        #expect(r.deployment.extraVolumes == nil)
    }

    @Test func ownValuesAndPresetsCombine() throws {
        let r = try render([
            "serviceAccount.create=true", "cloudIdentity.aws.irsa.roleArn=arn:aws:iam::123456789012:role/jitsudod",
            "jitsudod.podLabels.team=platform", "jitsudod.podAnnotations.example\\.com/owner=security",
            "jitsudod.env[0].name=AWS_REGION", "jitsudod.env[0].value=eu-west-1",
        ])
        #expect(r.deployment.templateLabels == ["app": "jitsudod", "team": "platform"])
        #expect(r.deployment.templateAnnotations["example.com/owner"] == "security")
        #expect(r.deployment.extraEnv?.map(\.name) == ["AWS_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"])
    }

    @Test(arguments: [
        (["cloudIdentity.aws.irsa.roleArn=arn:aws:iam::123456789012:role/x"], "set serviceAccount.create=true"),
        (["cloudIdentity.gcp.workloadIdentity.serviceAccount=jitsudod@ctl.iam.gserviceaccount.com"], "set serviceAccount.create=true"),
        (
            ["serviceAccount.create=true", "cloudIdentity.gcp.workloadIdentity.serviceAccount=a@p.iam.gserviceaccount.com"],
            "is not a Google service account email"
        ),
        (["serviceAccount.annotations.a=b"], "set serviceAccount.create=true"),
        (
            [
                "serviceAccount.create=true", "cloudIdentity.aws.irsa.roleArn=arn:aws:iam::123456789012:role/x",
                "cloudIdentity.aws.podIdentity.enabled=true",
            ],
            "not both"
        ),
        (["cloudIdentity.aws.irsa.roleArn=role/jitsudod"], "cloudIdentity.aws.irsa.roleArn"),
        (
            ["serviceAccount.create=true", "cloudIdentity.azure.workloadIdentity.clientId=not-a-uuid"],
            "cloudIdentity.azure.workloadIdentity.clientId"
        ),
        (["serviceAccount.create=true", "cloudIdentity.azure.workloadIdentity.tenantId=aaaaaaaa-1111-2222-3333-444444444444"], "without clientId"),
        (["serviceAccount.name=jitsudo-operator"], "serviceAccount.name"),
        (["jitsudod.podLabels.app=other"], "jitsudod.podLabels"),
        (["jitsudod.podAnnotations.jitsudo\\.dev/spec-hash=x"], "jitsudod.podAnnotations"),
        (["jitsudod.env[0].name=DATABASE_URL", "jitsudod.env[0].value=x"], "jitsudod.env.0.name"),
        (["jitsudod.env[0].name=JITSUDOD_DATABASE_URL", "jitsudod.env[0].value=x"], "jitsudod.env.0.name"),
        (
            [
                "serviceAccount.create=true", "cloudIdentity.aws.irsa.roleArn=arn:aws:iam::123456789012:role/x", "jitsudod.env[0].name=AWS_ROLE_ARN",
                "jitsudod.env[0].value=y",
            ],
            "AWS_ROLE_ARN is set twice"
        ),
        (["jitsudod.extraVolumes[0].name=x", "jitsudod.extraVolumes[0].secret.secretName=s"], "jitsudod.extraVolumes.0"),
    ])
    func invalidIdentityValuesAreRejectedNamingTheField(sets: [String], message: String) throws {
        let result = try Helm.run(["template", "jitsudo", Helm.chart] + sets.flatMap { ["--set", $0] })
        #expect(result.status != 0, "accepted \(sets)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
