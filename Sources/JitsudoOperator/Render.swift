import Foundation
import KubernetesClient
import OperatorCore

/// Renders OperatorCore's desired values as Kubernetes objects (JSON, for server-side apply), each carrying its
/// `jitsudo.dev/spec-hash` and a controller owner reference to the JitsudoCluster.
enum Render {
    static let fieldManager = "jitsudo-operator"

    static func metadata(
        name: String, namespace: String, labels: [String: String], hash: String, owner: OwnerReference, annotations: [String: String] = [:]
    ) -> JSONValue {
        [
            "name": .string(name), "namespace": .string(namespace),
            "labels": .object(labels.mapValues { .string($0) }),
            "annotations": strings(annotations.merging([DesiredResources.Annotation.specHash: hash]) { _, hash in hash }),
            "ownerReferences": [
                [
                    "apiVersion": .string(owner.apiVersion), "kind": .string(owner.kind), "name": .string(owner.name), "uid": .string(owner.uid),
                    "controller": true, "blockOwnerDeletion": true,
                ]
            ],
        ]
    }

    static func strings(_ map: [String: String]) -> JSONValue { .object(map.mapValues { .string($0) }) }

    /// OperatorCore's pod-template extras (env entries, volumes, mounts) in their Kubernetes shape: their Codable
    /// encoding is that shape. Encoding these plain values cannot fail; a failure would be a broken invariant.
    static func encoded<T: Encodable>(_ values: [T]?) -> [JSONValue] {
        guard let values else { return [] }
        guard let json = try? JSONValue(encoding: values), case .array(let items) = json else {
            preconditionFailure("pod-template extras not encodable")
        }
        return items
    }

    static func configMap(_ c: DesiredResources.ConfigMap, hash: String, owner: OwnerReference) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": metadata(name: c.name, namespace: c.namespace, labels: DesiredResources.podLabels, hash: hash, owner: owner),
            "data": strings(c.data),
        ]
    }

    static func service(_ s: DesiredResources.Service, hash: String, owner: OwnerReference) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Service",
            "metadata": metadata(name: s.name, namespace: s.namespace, labels: DesiredResources.podLabels, hash: hash, owner: owner),
            "spec": [
                "type": .string(s.type), "selector": strings(s.selector),
                "ports": [["name": "https", "port": .number(Double(s.port)), "targetPort": .number(Double(s.targetPort)), "protocol": "TCP"]],
            ],
        ]
    }

    static func podDisruptionBudget(_ p: DesiredResources.PodDisruptionBudget, hash: String, owner: OwnerReference, apiVersion: String) -> JSONValue {
        [
            "apiVersion": .string(apiVersion), "kind": "PodDisruptionBudget",
            "metadata": metadata(name: p.name, namespace: p.namespace, labels: DesiredResources.podLabels, hash: hash, owner: owner),
            "spec": ["minAvailable": .number(Double(p.minAvailable)), "selector": ["matchLabels": strings(p.selector)]],
        ]
    }

    /// The Deployment; `replicas` is left out when an HPA owns it (and the observed count is kept).
    static func deployment(_ d: DesiredResources.Deployment, hash: String, owner: OwnerReference, includeReplicas: Bool) -> JSONValue {
        let probe: (String) -> JSONValue = { path in
            ["httpGet": ["path": .string(path), "port": "https", "scheme": "HTTPS"], "periodSeconds": 10]
        }
        // The operator's own entries first, then the JitsudoCluster's extras (which can never name these).
        let env: [JSONValue] = [
            ["name": "DATABASE_URL", "valueFrom": ["secretKeyRef": ["name": .string(d.databaseSecretName), "key": .string(d.databaseSecretKey)]]],
            ["name": "JITSUDOD_CONFIG", "value": .string("\(DesiredResources.configMountPath)/\(d.configMapKey)")],
        ]
        let mounts: [JSONValue] = [
            ["name": "config", "mountPath": .string(DesiredResources.configMountPath), "readOnly": true],
            ["name": "tls", "mountPath": .string(DesiredResources.tlsMountPath), "readOnly": true],
            ["name": "tmp", "mountPath": .string(DesiredResources.scratchMountPath)],
        ]
        let volumes: [JSONValue] = [
            ["name": "config", "configMap": ["name": .string(d.configMapName)]],
            ["name": "tls", "secret": ["secretName": .string(d.tlsSecretName)]],
            ["name": "tmp", "emptyDir": ["sizeLimit": "64Mi"]],
        ]
        var container: JSONValue = [
            "name": "jitsudod", "image": .string(d.image), "imagePullPolicy": .string(d.imagePullPolicy),
            "ports": [["name": "https", "containerPort": .number(Double(d.containerPort)), "protocol": "TCP"]],
            "env": .array(env + encoded(d.extraEnv)),
            "volumeMounts": .array(mounts + encoded(d.extraVolumeMounts)),
            "livenessProbe": probe(d.livenessPath), "readinessProbe": probe(d.readinessPath),
            "securityContext": [
                "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": ["drop": ["ALL"]],
            ],
        ]
        if !d.resourceRequests.isEmpty || !d.resourceLimits.isEmpty {
            var resources: JSONValue = [:]
            if !d.resourceRequests.isEmpty { resources["requests"] = strings(d.resourceRequests) }
            if !d.resourceLimits.isEmpty { resources["limits"] = strings(d.resourceLimits) }
            container["resources"] = resources
        }
        var podSpec: JSONValue = [
            "containers": [container],
            "volumes": .array(volumes + encoded(d.extraVolumes)),
            "securityContext": [
                "runAsNonRoot": true, "runAsUser": .number(Double(d.runAsUser)), "runAsGroup": .number(Double(d.runAsUser)),
                "seccompProfile": ["type": "RuntimeDefault"],
            ],
        ]
        if let account = d.serviceAccountName { podSpec["serviceAccountName"] = .string(account) }
        let term: JSONValue = ["topologyKey": "kubernetes.io/hostname", "labelSelector": ["matchLabels": strings(d.selector)]]
        switch d.antiAffinity {
        case .none: break
        case .preferred:
            podSpec["affinity"] = [
                "podAntiAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [["weight": 100, "podAffinityTerm": term]]]
            ]
        case .required:
            podSpec["affinity"] = ["podAntiAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [term]]]
        }
        var spec: JSONValue = [
            "selector": ["matchLabels": strings(d.selector)],
            "template": ["metadata": ["labels": strings(d.templateLabels), "annotations": strings(d.templateAnnotations)], "spec": podSpec],
        ]
        if includeReplicas { spec["replicas"] = .number(Double(d.replicas)) }
        // Upgrades (spec.image) and configuration changes surge one new pod at a time and stop no old pod before a new
        // one is ready: new pods that never become ready hold the rollout with the old replicas serving, and after the
        // deadline the operator reports Degraded/RolloutStuck.
        spec["strategy"] = ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 0, "maxSurge": 1]]
        spec["progressDeadlineSeconds"] = .number(Double(d.progressDeadlineSeconds ?? DesiredResources.progressDeadlineSeconds))
        return [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": metadata(
                name: d.name, namespace: d.namespace, labels: d.labels, hash: hash, owner: owner,
                annotations: d.clusterReplicas.map { [DesiredResources.Annotation.clusterReplicas: String($0)] } ?? [:]),
            "spec": spec,
        ]
    }
}
