import Foundation
import KubernetesClient
import Synchronization
import Testing

/// Changes a watcher reported, in order.
final class Recorder: Sendable {
    private let state = Mutex<(events: [String], relists: Int)>(([], 0))

    func record(_ change: ResourceWatcher<ConfigMap>.Change) {
        state.withLock { state in
            switch change {
            case .relisted(let items, _):
                state.relists += 1
                state.events.append(contentsOf: items.map { "listed \($0.metadata.name ?? "")" })
            case .added(let object): state.events.append("added \(object.metadata.name ?? "")")
            case .modified(let object): state.events.append("modified \(object.metadata.name ?? "") \(object.data?["v"] ?? "")")
            case .deleted(let object): state.events.append("deleted \(object.metadata.name ?? "")")
            }
        }
    }

    var events: [String] { state.withLock { $0.events } }
    var relists: Int { state.withLock { $0.relists } }
}

@Suite struct WatchTests {
    @Test func theWatcherResumesFromTheLastResourceVersionWithoutLosingOrRepeatingEvents() async throws {
        try await TestEnvironment.withNamespace("watch") { client, namespace in
            // The server ends each watch after 1 s, so the changes below span several resumed watches.
            let watcher = ResourceWatcher<ConfigMap>(
                client: client, resource: .configMaps, namespace: namespace, labelSelector: "test=watch",
                watchTimeoutSeconds: 1, retryDelay: .milliseconds(100))
            let recorder = Recorder()
            let watches = Locked(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watcher.run(onWatch: { _ in watches.withLock { $0 += 1 } }) { recorder.record($0) } }
                try await TestEnvironment.eventually("the first list is reported") { recorder.relists == 1 }
                // Each change goes into a watch the watcher resumed after the previous change.
                for index in 0..<5 {
                    let started = watches.withLock { $0 }
                    try await TestEnvironment.eventually("a watch is resumed") { watches.withLock { $0 } > started }
                    _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "m\(index)", namespace: namespace, labels: ["test": "watch"])))
                }
                _ = try await client.patch(ConfigMap.self, name: "m0", namespace: namespace, .merge(["data": ["v": "2"]]))
                try await client.delete(ConfigMap.self, name: "m1", namespace: namespace)
                try await TestEnvironment.eventually("every change is seen") { recorder.events.count >= 7 }
                // A resume from a stale version would repeat events in the next watches: two more resumes replay none.
                let seenAll = watches.withLock { $0 }
                try await TestEnvironment.eventually("the watch is resumed twice more") { watches.withLock { $0 } >= seenAll + 2 }
                group.cancelAll()
            }
            #expect(recorder.events == ["added m0", "added m1", "added m2", "added m3", "added m4", "modified m0 2", "deleted m1"])
            #expect(recorder.relists == 1)
        }
    }

    @Test func aResourceVersionTooOldToWatchLeadsToARelist() async throws {
        try await TestEnvironment.withNamespace("gone") { client, namespace in
            // PodTemplates bypass the API server's watch cache in the test environment, so once etcd is compacted
            // past a version, watching from it answers 410 Expired (as after a long disconnect in a real cluster).
            let type = ResourceType(group: "", version: "v1", plural: "podtemplates", kind: "PodTemplate", namespaced: true)
            func template(_ name: String) -> GenericResource {
                GenericResource(
                    apiVersion: "v1", kind: "PodTemplate", metadata: ObjectMeta(name: name, namespace: namespace),
                    body: ["template": ["spec": ["containers": [["name": "c", "image": "busybox"]]]]])
            }
            let before = try await client.create(template("before"), in: type)
            let stale = try #require(before.metadata.resourceVersion)
            _ = try await client.create(template("later"), in: type)
            let latest = try await client.list(GenericResource.self, namespace: namespace, in: type).metadata.resourceVersion ?? ""
            try await TestEnvironment.compactEtcd(atRevision: latest)
            var tooOld = ListOptions()
            tooOld.resourceVersion = stale
            let error = await #expect(throws: KubernetesError.self) {
                try await client.watch(GenericResource.self, namespace: namespace, options: tooOld, timeoutSeconds: 5, in: type) { _ in }
            }
            #expect(error?.code == .gone)

            let watcher = ResourceWatcher<GenericResource>(client: client, resource: type, namespace: namespace, watchTimeoutSeconds: 5)
            let seen = Locked<(relists: Int, events: [String])>((0, []))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await watcher.run(resumingFrom: stale) { change in
                        seen.withLock { seen in
                            switch change {
                            case .relisted(let items, _):
                                seen.relists += 1
                                seen.events += items.compactMap(\.metadata.name).sorted().map { "listed \($0)" }
                            case .added(let object): seen.events.append("added \(object.metadata.name ?? "")")
                            case .modified(let object): seen.events.append("modified \(object.metadata.name ?? "")")
                            case .deleted(let object): seen.events.append("deleted \(object.metadata.name ?? "")")
                            }
                        }
                    }
                }
                try await TestEnvironment.eventually("the watcher relists") { seen.withLock { $0.relists } == 1 }
                _ = try await client.create(template("after"), in: type)
                try await TestEnvironment.eventually("the watch continues after the relist") { seen.withLock { $0.events }.contains("added after") }
                group.cancelAll()
            }
            #expect(seen.withLock { $0.events } == ["listed before", "listed later", "added after"])
        }
    }

    @Test func theInformerCacheFollowsTheServer() async throws {
        try await TestEnvironment.withNamespace("informer") { client, namespace in
            _ = try await client.create(
                ConfigMap(metadata: ObjectMeta(name: "one", namespace: namespace, labels: ["test": "informer"]), data: ["v": "1"]))
            let informer = Informer(
                watcher: ResourceWatcher<ConfigMap>(
                    client: client, resource: .configMaps, namespace: namespace,
                    labelSelector: "test=informer"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await informer.run() }
                await informer.waitUntilSynced()
                #expect(await informer.object(forKey: "\(namespace)/one")?.data == ["v": "1"])
                _ = try await client.patch(ConfigMap.self, name: "one", namespace: namespace, .merge(["data": ["v": "2"]]))
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "two", namespace: namespace, labels: ["test": "informer"])))
                try await TestEnvironment.eventually("the cache sees the changes") {
                    let one = await informer.object(forKey: "\(namespace)/one")
                    let count = await informer.list().count
                    return one?.data == ["v": "2"] && count == 2
                }
                try await client.delete(ConfigMap.self, name: "two", namespace: namespace)
                try await TestEnvironment.eventually("the cache drops the deleted object") {
                    await informer.object(forKey: "\(namespace)/two") == nil
                }
                group.cancelAll()
            }
        }
    }
}
