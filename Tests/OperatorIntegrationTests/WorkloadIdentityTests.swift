import Foundation
import JitsudoOperator
import JitsudoTesting
import KubernetesClient
import Testing

/// A JitsudoCluster with the workload-identity fields (serviceAccountName, podLabels, podAnnotations, env, a projected
/// token volume) against the real API server + controller-manager, with the operator running in process.
@Suite(.serialized) struct WorkloadIdentityTests {
    @Test func theIdentityFieldsReachThePodTemplateAndAChangeRollsIt() async throws {
        try await Env.withNamespace("opidentity") { client, namespace in
            var secret = GenericResource(apiVersion: "v1", kind: "Secret", metadata: ObjectMeta(name: "jitsudo-database", namespace: namespace))
            secret.body["stringData"] = ["url": "postgres://jitsudo_app:secret@127.0.0.1:5432/jitsudo"]
            _ = try await client.create(secret, in: .secrets)
            var cluster = GenericResource(
                apiVersion: "jitsudo.dev/v1alpha1", kind: "JitsudoCluster", metadata: ObjectMeta(name: "jitsudod", namespace: namespace))
            cluster.spec = [
                "replicas": 1, "image": "ghcr.io/jitsudo/jitsudod:test", "config": ["inline": "log_level: info\n"],
                "database": ["secretRef": ["name": "jitsudo-database"]],
                "serviceAccountName": "jitsudod",
                "podLabels": ["azure.workload.identity/use": "true"],
                "podAnnotations": ["example.com/owner": "security"],
                "env": [
                    ["name": "AWS_ROLE_ARN", "value": "arn:aws:iam::123456789012:role/jitsudod"],
                    ["name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"],
                ],
                // expirationSeconds left out: the CRD's default (3600) is what the operator renders.
                "extraVolumes": [
                    [
                        "name": "aws-iam-token",
                        "projected": ["sources": [["serviceAccountToken": ["audience": "sts.amazonaws.com", "path": "token"]]]],
                    ]
                ],
                "extraVolumeMounts": [["name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount"]],
            ]
            _ = try await client.create(cluster, in: .jitsudoClusters)
            let operatorTask = Env.startOperator(client, namespace: namespace)
            defer { operatorTask.cancel() }

            // The service account does not exist yet: reported, and no Deployment whose pods could not be created.
            try await Env.eventually("the JitsudoCluster is Degraded with ServiceAccountMissing") {
                let degraded = try await Env.cluster(client, namespace).status?["conditions"]?.arrayValue?.first { $0["type"] == "Degraded" }
                return degraded?["status"] == "True" && degraded?["reason"] == "ServiceAccountMissing"
                    && degraded?["message"]?.stringValue?.contains("serviceaccount/jitsudod") == true
            }
            #expect(try await client.list(Deployment.self, namespace: namespace).items.isEmpty)

            let account = GenericResource(
                apiVersion: "v1", kind: "ServiceAccount",
                metadata: ObjectMeta(
                    name: "jitsudod", namespace: namespace, annotations: ["eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/jitsudod"]))
            _ = try await client.create(account, in: .serviceAccounts)

            var observed: JSONValue?
            try await Env.eventually("deployment/jitsudod exists") {
                let deployment = try await client.get(GenericResource.self, name: "jitsudod", namespace: namespace, in: .deployments)
                observed = deployment.body["spec"]?["template"]
                return observed != nil
            }
            let template = try #require(observed)
            let pod = template["spec"]
            #expect(pod?["serviceAccountName"] == "jitsudod")
            #expect(template["metadata"]?["labels"] == ["app": "jitsudod", "azure.workload.identity/use": "true"])
            #expect(template["metadata"]?["annotations"]?["example.com/owner"] == "security")
            #expect(template["metadata"]?["annotations"]?["jitsudo.dev/config-checksum"] != nil, "the operator's own annotation stays")
            let container = try #require(pod?["containers"]?.arrayValue?.first)
            let env = container["env"]?.arrayValue ?? []
            #expect(env.map { $0["name"]?.stringValue ?? "" } == ["DATABASE_URL", "JITSUDOD_CONFIG", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"])
            #expect(env.first { $0["name"] == "AWS_ROLE_ARN" }?["value"] == "arn:aws:iam::123456789012:role/jitsudod")
            let volumes = pod?["volumes"]?.arrayValue ?? []
            #expect(volumes.compactMap { $0["name"]?.stringValue } == ["config", "tls", "tmp", "aws-iam-token"])
            let token = volumes.last?["projected"]?["sources"]?.arrayValue?.first?["serviceAccountToken"]
            #expect(token == ["audience": "sts.amazonaws.com", "expirationSeconds": 3600, "path": "token"], "\(String(describing: token))")
            let mounts = container["volumeMounts"]?.arrayValue ?? []
            #expect(
                mounts.last == ["name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "readOnly": true],
                "\(mounts)")
            // The selector is the operator's alone (the Service and the runbooks select app=jitsudod).
            let deployment = try await client.get(Deployment.self, name: "jitsudod", namespace: namespace)
            #expect(deployment.spec.selector.matchLabels == ["app": "jitsudod"])

            // The API server admits the pods the ReplicaSet makes from that template: the service account, the label and
            // the projected token volume are on them.
            try await Env.eventually("an app=jitsudod pod runs as serviceaccount/jitsudod with the token volume") {
                let pods = try await client.list(GenericResource.self, namespace: namespace, options: .labels(["app": "jitsudod"]), in: .pods).items
                return pods.contains { pod in
                    pod.body["spec"]?["serviceAccountName"] == "jitsudod" && pod.metadata.labels?["azure.workload.identity/use"] == "true"
                        && pod.body["spec"]?["volumes"]?.arrayValue?.contains { $0["name"] == "aws-iam-token" } == true
                }
            }

            // A change of an identity field is a template change: the operator updates the Deployment (a rolling update).
            let generation = deployment.metadata.generation ?? 0
            let patch: JSONValue = [
                "spec": [
                    "env": [["name": "AWS_ROLE_ARN", "value": "arn:aws:iam::123456789012:role/jitsudod-v2"]],
                    "podLabels": ["azure.workload.identity/use": nil, "team": "platform"],
                ]
            ]
            _ = try await client.patch(GenericResource.self, name: "jitsudod", namespace: namespace, .merge(patch), in: .jitsudoClusters)
            try await Env.eventually("the Deployment carries the new role and label") {
                let d = try await client.get(GenericResource.self, name: "jitsudod", namespace: namespace, in: .deployments)
                let template = d.body["spec"]?["template"]
                let env = template?["spec"]?["containers"]?.arrayValue?.first?["env"]?.arrayValue ?? []
                return env.map { $0["name"]?.stringValue ?? "" } == ["DATABASE_URL", "JITSUDOD_CONFIG", "AWS_ROLE_ARN"]
                    && env.last?["value"] == "arn:aws:iam::123456789012:role/jitsudod-v2"
                    && template?["metadata"]?["labels"] == ["app": "jitsudod", "team": "platform"]
                    && (d.metadata.generation ?? 0) > generation
            }
            #expect(try await Env.events(client, namespace).contains { $0.reason == "DeploymentUpdated" })
        }
    }
}
