import Logging

/// A watch that does not miss changes: it lists, then watches from the list's resourceVersion, resumes from the
/// last resourceVersion it saw whenever the stream ends, and relists when the server answers 410 Gone.
public struct ResourceWatcher<R: KubernetesObject>: Sendable {
    /// What the handler is told.
    public enum Change: Sendable {
        /// The full current state (after the first list and after every relist): replace what you hold.
        case relisted([R], resourceVersion: String)
        case added(R)
        case modified(R)
        case deleted(R)
    }

    public let client: KubernetesClient
    public let resource: ResourceType
    /// nil with `allNamespaces` false means the client's namespace.
    public let namespace: String?
    public let allNamespaces: Bool
    public let labelSelector: String?
    public let fieldSelector: String?
    /// How long each watch request lasts before the server ends it (the watcher then resumes).
    public let watchTimeoutSeconds: Int
    /// Pause after a failed watch or list before trying again.
    public let retryDelay: Duration

    public init(
        client: KubernetesClient, resource: ResourceType, namespace: String? = nil, allNamespaces: Bool = false,
        labelSelector: String? = nil, fieldSelector: String? = nil, watchTimeoutSeconds: Int = 300, retryDelay: Duration = .seconds(1)
    ) {
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.allNamespaces = allNamespaces
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.retryDelay = retryDelay
    }

    /// Runs until cancelled (or `handler` throws). With `resourceVersion` it resumes from there instead of listing
    /// first; a version the server no longer has leads to a relist. `onWatch` is told each time a watch request
    /// starts, with the resourceVersion it starts from (a test's way to know a change falls into a resumed watch).
    ///
    /// - Throws: `unauthorized`/`forbidden` (retrying cannot help), or what `handler` throws.
    public func run(
        resumingFrom resourceVersion: String? = nil, onWatch: (_ resourceVersion: String) -> Void = { _ in },
        handler: (Change) async throws -> Void
    ) async throws {
        var version = resourceVersion
        while !Task.isCancelled {
            do {
                if version == nil {
                    let list = try await client.list(
                        R.self, namespace: namespace, allNamespaces: allNamespaces,
                        options: ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector), in: resource)
                    let listVersion = list.metadata.resourceVersion ?? ""
                    try await handler(.relisted(list.items, resourceVersion: listVersion))
                    version = listVersion
                }
                var options = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector)
                options.resourceVersion = version
                onWatch(version ?? "")
                try await client.watch(
                    R.self, namespace: namespace, allNamespaces: allNamespaces, options: options,
                    timeoutSeconds: watchTimeoutSeconds, in: resource
                ) { event in
                    if let seen = event.resourceVersion, !seen.isEmpty { version = seen }
                    switch event {
                    case .added(let object): try await handler(.added(object))
                    case .modified(let object): try await handler(.modified(object))
                    case .deleted(let object): try await handler(.deleted(object))
                    case .bookmark: break
                    }
                }
            } catch let error as KubernetesError where error.code == .gone {
                client.logger.debug("kubernetes watch expired, relisting", metadata: ["resource": "\(resource.plural)"])
                version = nil
            } catch let error as KubernetesError where error.code == .unauthorized || error.code == .forbidden {
                throw error
            } catch let error as KubernetesError {
                client.logger.debug("kubernetes watch failed, retrying", metadata: ["resource": "\(resource.plural)", "error": "\(error)"])
                try await Task.sleep(for: retryDelay)
            }
        }
        throw CancellationError()
    }
}
