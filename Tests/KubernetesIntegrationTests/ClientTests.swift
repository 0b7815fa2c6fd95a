import Foundation
import KubernetesClient
import Testing

@Suite struct ClientTests {
    @Test func createGetUpdateListAndDeleteRoundTrip() async throws {
        try await TestEnvironment.withNamespace("crud") { client, namespace in
            let created = try await client.create(
                ConfigMap(
                    metadata: ObjectMeta(name: "settings", namespace: namespace, labels: ["app": "web"]),
                    data: ["mode": "a"]))
            #expect(created.metadata.uid != nil && created.metadata.resourceVersion != nil)
            var read = try await client.get(ConfigMap.self, name: "settings", namespace: namespace)
            #expect(read.data == ["mode": "a"])
            read.data = ["mode": "b"]
            let updated = try await client.update(read)
            #expect(updated.data == ["mode": "b"])
            #expect(updated.metadata.resourceVersion != read.metadata.resourceVersion)
            let listed = try await client.list(ConfigMap.self, namespace: namespace, options: .labels(["app": "web"]))
            #expect(listed.items.map(\.metadata.name) == ["settings"])
            try await client.delete(ConfigMap.self, name: "settings", namespace: namespace)
            await #expect(throws: KubernetesError(.notFound, "")) { try await client.get(ConfigMap.self, name: "settings", namespace: namespace) }
            #expect(try await client.deleteIfPresent(ConfigMap.self, name: "settings", namespace: namespace) == false)
        }
    }

    @Test func aStaleResourceVersionIsATypedConflictAndADuplicateNameIsAlreadyExists() async throws {
        try await TestEnvironment.withNamespace("conflict") { client, namespace in
            let original = try await client.create(ConfigMap(metadata: ObjectMeta(name: "c", namespace: namespace), data: ["v": "1"]))
            var first = original
            first.data = ["v": "2"]
            _ = try await client.update(first)
            var stale = original
            stale.data = ["v": "3"]
            let error = await #expect(throws: KubernetesError.self) { try await client.update(stale) }
            #expect(error?.code == .conflict)
            #expect(error?.status == 409)
            #expect(try await client.get(ConfigMap.self, name: "c", namespace: namespace).data == ["v": "2"])
            let duplicate = await #expect(throws: KubernetesError.self) {
                try await client.create(ConfigMap(metadata: ObjectMeta(name: "c", namespace: namespace)))
            }
            #expect(duplicate?.code == .alreadyExists)
        }
    }

    @Test func labelAndFieldSelectorsFilterOnTheServer() async throws {
        try await TestEnvironment.withNamespace("selectors") { client, namespace in
            for (name, tier) in [("a", "web"), ("b", "web"), ("c", "db")] {
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: name, namespace: namespace, labels: ["tier": tier, "env": "test"])))
            }
            func names(_ options: ListOptions) async throws -> [String] {
                try await client.list(ConfigMap.self, namespace: namespace, options: options).items.compactMap(\.metadata.name).sorted()
            }
            #expect(try await names(ListOptions(labelSelector: "tier=web")) == ["a", "b"])
            #expect(try await names(ListOptions(labelSelector: "tier!=web,env=test")) == ["c"])
            #expect(try await names(ListOptions(labelSelector: "tier in (db,cache)")) == ["c"])
            #expect(try await names(ListOptions(fieldSelector: "metadata.name=b")) == ["b"])
            #expect(try await names(ListOptions(labelSelector: "tier=web", fieldSelector: "metadata.name!=a")) == ["b"])
            let firstPage = try await client.list(ConfigMap.self, namespace: namespace, options: ListOptions(labelSelector: "env=test", limit: 2))
            #expect(firstPage.items.count == 2 && firstPage.metadata.continue != nil)
        }
    }

    @Test func mergeJSONAndServerSideApplyPatches() async throws {
        try await TestEnvironment.withNamespace("patch") { client, namespace in
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "p", namespace: namespace), data: ["a": "1", "b": "2"]))
            let merged = try await client.patch(ConfigMap.self, name: "p", namespace: namespace, .merge(["data": ["b": nil, "c": "3"]]))
            #expect(merged.data == ["a": "1", "c": "3"])
            let patched = try await client.patch(
                ConfigMap.self, name: "p", namespace: namespace,
                .json([.test("/data/a", "1"), .replace("/data/a", "10")]))
            #expect(patched.data?["a"] == "10")
            let failed = await #expect(throws: KubernetesError.self) {
                try await client.patch(ConfigMap.self, name: "p", namespace: namespace, .json([.test("/data/a", "1"), .replace("/data/a", "11")]))
            }
            #expect(failed?.code == .invalid, "a failed JSON-patch test operation is refused as invalid: \(String(describing: failed))")
            #expect(try await client.get(ConfigMap.self, name: "p", namespace: namespace).data?["a"] == "10")
            let applied = try await client.patch(
                ConfigMap.self, name: "applied", namespace: namespace,
                .apply(
                    ["metadata": ["name": "applied", "namespace": .string(namespace)], "data": ["k": "v"]],
                    fieldManager: "jitsudo-tests", force: true))
            #expect(applied.data == ["k": "v"])
        }
    }

    @Test func forbiddenNamesTheMissingVerbAndResource() async throws {
        try await TestEnvironment.withClient(impersonating: "nobody@example.com") { client in
            let error = await #expect(throws: KubernetesError.self) { try await client.list(Secret.self, namespace: "kube-system") }
            #expect(error?.code == .forbidden)
            #expect(error?.message.contains("verb 'list' on resource 'secrets'") == true)
            #expect(error?.message.contains("namespace 'kube-system'") == true)
        }
    }

    @Test func deploymentScaleSubresourceAndSecretData() async throws {
        try await TestEnvironment.withNamespace("scale") { client, namespace in
            let deployment = Deployment(
                metadata: ObjectMeta(name: "web", namespace: namespace),
                spec: .init(
                    replicas: 1, selector: LabelSelector(matchLabels: ["app": "web"]),
                    template: PodTemplateSpec(
                        metadata: ObjectMeta(labels: ["app": "web"]), spec: PodSpec(containers: [Container(name: "web", image: "nginx")])))
            )
            _ = try await client.create(deployment)
            try await client.setReplicas(3, name: "web", namespace: namespace)
            #expect(try await client.scale(name: "web", namespace: namespace).spec.replicas == 3)
            #expect(try await client.get(Deployment.self, name: "web", namespace: namespace).spec.replicas == 3)
            let secret = try await client.create(
                Secret(
                    metadata: ObjectMeta(name: "s", namespace: namespace), type: "Opaque",
                    data: ["token": Data("hunter2".utf8)]))
            #expect(secret.decodedData["token"] == Data("hunter2".utf8))
        }
    }

    @Test func eventsCarryMicrosecondTimesAndReferenceTheirObject() async throws {
        try await TestEnvironment.withNamespace("events") { client, namespace in
            let map = try await client.create(ConfigMap(metadata: ObjectMeta(name: "target", namespace: namespace)))
            let time = Date(timeIntervalSince1970: 1_800_000_000.654321)
            let event = Event(
                metadata: ObjectMeta(name: "target.1", namespace: namespace), eventTime: time, type: "Normal", reason: "Restored",
                action: "Restore", note: "backup applied",
                regarding: ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "target", namespace: namespace, uid: map.metadata.uid),
                reportingController: "jitsudo.dev/operator", reportingInstance: "operator-0"
            )
            _ = try await client.create(event)
            let read = try await client.get(Event.self, name: "target.1", namespace: namespace)
            #expect(read.reason == "Restored" && read.regarding?.uid == map.metadata.uid)
            #expect(abs((read.eventTime ?? .distantPast).timeIntervalSince(time)) < 0.000_01)
        }
    }

    @Test func anUnreachableServerIsATransportErrorAfterTheRetries() async throws {
        var configuration = try TestEnvironment.configuration()
        configuration.server = URL(string: "https://127.0.0.1:1")!
        configuration.maximumAttempts = 3
        configuration.initialBackoff = .milliseconds(10)
        configuration.requestTimeout = .seconds(2)
        let client = try KubernetesClient(configuration: configuration)
        let error = await #expect(throws: KubernetesError.self) { try await client.get(ConfigMap.self, name: "x", namespace: "default") }
        #expect(error?.code == .transport)
        #expect(error?.message.contains("127.0.0.1:1") == true)
        try await client.shutdown()
    }

    @Test func customResourceDefinitionsAndGenericCustomResources() async throws {
        try await TestEnvironment.withNamespace("crd") { client, namespace in
            let group = "t\(UInt32.random(in: 0...UInt32.max)).jitsudo.dev"
            let schema: JSONValue = [
                "openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": ["type": "object", "properties": ["size": ["type": "integer"]]],
                        "status": ["type": "object", "properties": ["phase": ["type": "string"]]],
                    ],
                ]
            ]
            let crd = CustomResourceDefinition(
                metadata: ObjectMeta(name: "widgets.\(group)"),
                spec: .init(
                    group: group, names: .init(plural: "widgets", kind: "Widget"), scope: "Namespaced",
                    versions: [.init(name: "v1", served: true, storage: true, schema: schema, subresources: ["status": [:]])])
            )
            _ = try await client.create(crd)
            try await TestEnvironment.eventually("the CRD is established") {
                try await client.get(CustomResourceDefinition.self, name: "widgets.\(group)").isEstablished
            }
            let type = crd.resourceType()
            let widget = GenericResource(
                apiVersion: "\(group)/v1", kind: "Widget", metadata: ObjectMeta(name: "w", namespace: namespace),
                body: ["spec": ["size": 3]])
            var created: GenericResource?
            try await TestEnvironment.eventually("the custom resource can be created") {
                created = try? await client.create(widget, in: type)
                return created != nil
            }
            #expect(created?.spec?["size"]?.intValue == 3)
            let generation = created?.metadata.generation
            var withStatus = try #require(created)
            withStatus.status = ["phase": "Ready"]
            let statusUpdated = try await client.update(withStatus, in: type, subresource: "status")
            #expect(statusUpdated.status?["phase"]?.stringValue == "Ready")
            #expect(statusUpdated.metadata.generation == generation)
            let listed = try await client.list(GenericResource.self, namespace: namespace, in: type)
            #expect(listed.items.count == 1)
            try await client.delete(CustomResourceDefinition.self, name: "widgets.\(group)")
        }
    }
}
