/// An informer-style cache: a ``ResourceWatcher`` keeps an in-memory copy of every matching object, and each
/// change is announced on ``changes`` as the object's key (`namespace/name`), for level-triggered reconcilers.
public actor Informer<R: KubernetesObject> {
    public let watcher: ResourceWatcher<R>
    private var objects: [String: R] = [:]
    private var synced = false
    private var syncWaiters: [CheckedContinuation<Void, Never>] = []
    private let continuation: AsyncStream<String>.Continuation
    /// Keys of changed objects (deleted ones included); coalesce them in the reconciler.
    public nonisolated let changes: AsyncStream<String>

    public init(watcher: ResourceWatcher<R>) {
        self.watcher = watcher
        (changes, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// The key of an object: `namespace/name`, or `name` for cluster-scoped kinds.
    public static func key(of object: R) -> String {
        let name = object.metadata.name ?? ""
        if let namespace = object.metadata.namespace, !namespace.isEmpty { return "\(namespace)/\(name)" }
        return name
    }

    /// Fills and maintains the cache until cancelled.
    public nonisolated func run() async throws {
        defer { continuation.finish() }
        try await watcher.run { change in await self.apply(change) }
    }

    private func apply(_ change: ResourceWatcher<R>.Change) {
        switch change {
        case .relisted(let items, _):
            let fresh = Dictionary(items.map { (Self.key(of: $0), $0) }, uniquingKeysWith: { _, last in last })
            for key in Set(objects.keys).union(fresh.keys)
            where objects[key]?.metadata.resourceVersion != fresh[key]?.metadata.resourceVersion || (objects[key] == nil) != (fresh[key] == nil) {
                continuation.yield(key)
            }
            objects = fresh
            if !synced {
                synced = true
                for waiter in syncWaiters { waiter.resume() }
                syncWaiters = []
            }
        case .added(let object), .modified(let object):
            objects[Self.key(of: object)] = object
            continuation.yield(Self.key(of: object))
        case .deleted(let object):
            objects[Self.key(of: object)] = nil
            continuation.yield(Self.key(of: object))
        }
    }

    /// True once the first list has been stored.
    public var hasSynced: Bool { synced }

    /// Returns once the first list has been stored.
    public func waitUntilSynced() async {
        if synced { return }
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    /// The cached object of `key`.
    public func object(forKey key: String) -> R? { objects[key] }

    /// Every cached object.
    public func list() -> [R] { Array(objects.values) }
}
