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
            let watcher = ResourceWatcher<ConfigMap>(client: client, resource: .configMaps, namespace: namespace, watchTimeoutSeconds: 1,
                                                     retryDelay: .milliseconds(100))
            let recorder = Recorder()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watcher.run { recorder.record($0) } }
                try await TestEnvironment.eventually("the first list is reported") { recorder.relists == 1 }
                for index in 0..<5 {
                    _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "m\(index)", namespace: namespace)))
                    try await Task.sleep(for: .milliseconds(700))
                }
                _ = try await client.patch(ConfigMap.self, name: "m0", namespace: namespace, .merge(["data": ["v": "2"]]))
                try await client.delete(ConfigMap.self, name: "m1", namespace: namespace)
                try await TestEnvironment.eventually("every change is seen") { recorder.events.count >= 7 }
                try await Task.sleep(for: .seconds(2))
                group.cancelAll()
            }
            #expect(recorder.events == ["added m0", "added m1", "added m2", "added m3", "added m4", "modified m0 2", "deleted m1"])
            #expect(recorder.relists == 1)
        }
    }

    @Test func aResourceVersionTooOldToWatchLeadsToARelist() async throws {
        try await TestEnvironment.withNamespace("gone") { client, namespace in
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "before", namespace: namespace)))
            // Version 1 predates the API server's watch cache: the server answers 410 Expired.
            var tooOld = ListOptions()
            tooOld.resourceVersion = "1"
            let error = await #expect(throws: KubernetesError.self) {
                try await client.watch(ConfigMap.self, namespace: namespace, options: tooOld, timeoutSeconds: 5) { _ in }
            }
            #expect(error?.code == .gone)
            let watcher = ResourceWatcher<ConfigMap>(client: client, resource: .configMaps, namespace: namespace, watchTimeoutSeconds: 5)
            let recorder = Recorder()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watcher.run(resumingFrom: "1") { recorder.record($0) } }
                try await TestEnvironment.eventually("the watcher relists") { recorder.relists == 1 }
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "after", namespace: namespace)))
                try await TestEnvironment.eventually("the watch continues after the relist") { recorder.events.contains("added after") }
                group.cancelAll()
            }
            #expect(recorder.events.filter { $0.hasSuffix("before") } == ["listed before"])
        }
    }

    @Test func theInformerCacheFollowsTheServer() async throws {
        try await TestEnvironment.withNamespace("informer") { client, namespace in
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "one", namespace: namespace), data: ["v": "1"]))
            let informer = Informer(watcher: ResourceWatcher<ConfigMap>(client: client, resource: .configMaps, namespace: namespace))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await informer.run() }
                await informer.waitUntilSynced()
                #expect(await informer.object(forKey: "\(namespace)/one")?.data == ["v": "1"])
                _ = try await client.patch(ConfigMap.self, name: "one", namespace: namespace, .merge(["data": ["v": "2"]]))
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "two", namespace: namespace)))
                try await TestEnvironment.eventually("the cache sees the changes") {
                    let one = await informer.object(forKey: "\(namespace)/one")
                    let count = await informer.list().count
                    return one?.data == ["v": "2"] && count == 2
                }
                try await client.delete(ConfigMap.self, name: "two", namespace: namespace)
                try await TestEnvironment.eventually("the cache drops the deleted object") { await informer.object(forKey: "\(namespace)/two") == nil }
                group.cancelAll()
            }
        }
    }
}
