import Foundation
import NIOHTTP1

/// Options of list and watch calls.
public struct ListOptions: Sendable, Hashable {
    /// `app=web,tier!=db`, `env in (a,b)`.
    public var labelSelector: String?
    /// `metadata.name=x`, `spec.nodeName=`, `status.phase!=Running`.
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?

    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
        resourceVersion: String? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
    }

    /// A label selector matching every pair of `labels`.
    public static func labels(_ labels: [String: String]) -> ListOptions {
        ListOptions(labelSelector: labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
    }

    var query: [(String, String)] {
        var query: [(String, String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        if let limit { query.append(("limit", String(limit))) }
        if let continueToken { query.append(("continue", continueToken)) }
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        return query
    }
}

/// A patch and its content type.
public enum Patch: Sendable, Hashable {
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`).
    case merge(JSONValue)
    /// RFC 6902 JSON patch (`application/json-patch+json`); a failing `test` operation fails the whole patch.
    case json([JSONPatchOperation])
    /// Kubernetes strategic merge patch (built-in kinds only), what `kubectl rollout restart` sends.
    case strategicMerge(JSONValue)
    /// Server-side apply of a full intent: the fields `fieldManager` owns; `force` takes over conflicting fields.
    case apply(JSONValue, fieldManager: String, force: Bool)

    var contentType: String {
        switch self {
        case .merge: "application/merge-patch+json"
        case .json: "application/json-patch+json"
        case .strategicMerge: "application/strategic-merge-patch+json"
        case .apply: "application/apply-patch+yaml"
        }
    }
}

/// One RFC 6902 operation.
public struct JSONPatchOperation: Codable, Sendable, Hashable {
    public var op: String
    public var path: String
    public var value: JSONValue?
    public var from: String?

    public static func add(_ path: String, _ value: JSONValue) -> Self { Self(op: "add", path: path, value: value) }
    public static func replace(_ path: String, _ value: JSONValue) -> Self { Self(op: "replace", path: path, value: value) }
    public static func remove(_ path: String) -> Self { Self(op: "remove", path: path) }
    public static func test(_ path: String, _ value: JSONValue) -> Self { Self(op: "test", path: path, value: value) }
}

/// How a delete proceeds.
public struct DeleteOptions: Codable, Sendable, Hashable {
    public struct Preconditions: Codable, Sendable, Hashable {
        public var uid: String?
        public var resourceVersion: String?
        public init(uid: String? = nil, resourceVersion: String? = nil) {
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }
    public var apiVersion = "v1"
    public var kind = "DeleteOptions"
    /// 0 deletes at once (what `--grace-period=0 --force` does).
    public var gracePeriodSeconds: Int64?
    /// `Foreground`, `Background` or `Orphan`.
    public var propagationPolicy: String?
    public var preconditions: Preconditions?

    public init(gracePeriodSeconds: Int64? = nil, propagationPolicy: String? = nil, preconditions: Preconditions? = nil) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.propagationPolicy = propagationPolicy
        self.preconditions = preconditions
    }
}

extension KubernetesClient {
    // MARK: typed kinds

    /// Reads `name` (in `namespace`, default the configuration's, for namespaced kinds).
    public func get<R: KubernetesResource>(_ type: R.Type, name: String, namespace: String? = nil) async throws -> R {
        try await get(type, name: name, namespace: namespace, in: R.resourceType)
    }

    /// Lists objects (across all namespaces when `allNamespaces`).
    public func list<R: KubernetesResource>(
        _ type: R.Type, namespace: String? = nil, allNamespaces: Bool = false,
        options: ListOptions = ListOptions()
    ) async throws -> ObjectList<R> {
        try await list(type, namespace: namespace, allNamespaces: allNamespaces, options: options, in: R.resourceType)
    }

    /// Creates `object` in its `metadata.namespace` (or the configuration's). 409 → `alreadyExists`.
    public func create<R: KubernetesResource>(_ object: R) async throws -> R { try await create(object, in: R.resourceType) }

    /// Replaces `object`; its `metadata.resourceVersion` is a precondition (stale → `conflict`).
    public func update<R: KubernetesResource>(_ object: R) async throws -> R { try await update(object, in: R.resourceType) }

    /// Patches `name` (or its `subresource`, e.g. `status`).
    public func patch<R: KubernetesResource>(
        _ type: R.Type, name: String, namespace: String? = nil, subresource: String? = nil,
        _ patch: Patch
    ) async throws -> R {
        try await self.patch(type, name: name, namespace: namespace, subresource: subresource, patch, in: R.resourceType)
    }

    /// Deletes `name`; a missing object is `notFound` (see ``deleteIfPresent(_:name:namespace:options:)``).
    public func delete<R: KubernetesResource>(
        _ type: R.Type, name: String, namespace: String? = nil,
        options: DeleteOptions = DeleteOptions()
    ) async throws {
        try await delete(name: name, namespace: namespace, options: options, in: R.resourceType)
    }

    /// Deletes `name`; returns false when it was already gone.
    @discardableResult
    public func deleteIfPresent<R: KubernetesResource>(
        _ type: R.Type, name: String, namespace: String? = nil,
        options: DeleteOptions = DeleteOptions()
    ) async throws -> Bool {
        do {
            try await delete(name: name, namespace: namespace, options: options, in: R.resourceType)
            return true
        } catch let error as KubernetesError where error.code == .notFound {
            return false
        }
    }

    // MARK: any kind (custom resources)

    public func get<R: KubernetesObject>(_ type: R.Type, name: String, namespace: String? = nil, in resource: ResourceType) async throws -> R {
        let call = Call(method: .GET, verb: "get", resource: resource, namespace: self.namespace(namespace, for: resource), name: name)
        return try decode(R.self, from: try await send(call), call: call)
    }

    public func list<R: KubernetesObject>(
        _ type: R.Type, namespace: String? = nil, allNamespaces: Bool = false, options: ListOptions = ListOptions(),
        in resource: ResourceType
    ) async throws -> ObjectList<R> {
        let call = Call(
            method: .GET, verb: "list", resource: resource, namespace: allNamespaces ? nil : self.namespace(namespace, for: resource),
            query: options.query)
        return try decode(ObjectList<R>.self, from: try await send(call), call: call)
    }

    public func create<R: KubernetesObject>(_ object: R, in resource: ResourceType) async throws -> R {
        let call = Call(
            method: .POST, verb: "create", resource: resource, namespace: namespace(object.metadata.namespace, for: resource),
            body: try encode(object, as: resource))
        return try decode(R.self, from: try await send(call), call: call)
    }

    public func update<R: KubernetesObject>(_ object: R, in resource: ResourceType, subresource: String? = nil) async throws -> R {
        let call = Call(
            method: .PUT, verb: "update", resource: resource, namespace: namespace(object.metadata.namespace, for: resource),
            name: try requireName(object, "update"), subresource: subresource, body: try encode(object, as: resource))
        return try decode(R.self, from: try await send(call), call: call)
    }

    public func patch<R: KubernetesObject>(
        _ type: R.Type, name: String, namespace: String? = nil, subresource: String? = nil, _ patch: Patch,
        in resource: ResourceType
    ) async throws -> R {
        let body: Data
        var query: [(String, String)] = []
        do {
            switch patch {
            case .merge(let value), .strategicMerge(let value): body = try JSONEncoder.kubernetes.encode(value)
            case .json(let operations): body = try JSONEncoder.kubernetes.encode(operations)
            case .apply(var value, let fieldManager, let force):
                if value["apiVersion"] == nil { value["apiVersion"] = .string(resource.apiVersion) }
                if value["kind"] == nil { value["kind"] = .string(resource.kind) }
                body = try JSONEncoder.kubernetes.encode(value)
                query = [("fieldManager", fieldManager)] + (force ? [("force", "true")] : [])
            }
        } catch {
            throw KubernetesError(.decoding, "cannot encode the patch: \(error)")
        }
        let call = Call(
            method: .PATCH, verb: "patch", resource: resource, namespace: self.namespace(namespace, for: resource), name: name,
            subresource: subresource, query: query, body: body, contentType: patch.contentType)
        return try decode(R.self, from: try await send(call), call: call)
    }

    public func delete(name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions(), in resource: ResourceType) async throws {
        let body: Data
        do { body = try JSONEncoder.kubernetes.encode(options) } catch { throw KubernetesError(.decoding, "cannot encode DeleteOptions: \(error)") }
        let call = Call(
            method: .DELETE, verb: "delete", resource: resource, namespace: self.namespace(namespace, for: resource), name: name,
            body: body)
        _ = try await send(call)
    }

    // MARK: subresources

    /// Reads the `scale` subresource of a Deployment (or another scalable kind).
    public func scale(of resource: ResourceType = .deployments, name: String, namespace: String? = nil) async throws -> Scale {
        let call = Call(
            method: .GET, verb: "get", resource: resource, namespace: self.namespace(namespace, for: resource), name: name,
            subresource: "scale")
        return try decode(Scale.self, from: try await send(call), call: call)
    }

    /// Sets the replicas through the `scale` subresource; `resourceVersion` (when given) is a precondition.
    @discardableResult
    public func setReplicas(
        _ replicas: Int32, of resource: ResourceType = .deployments, name: String, namespace: String? = nil,
        resourceVersion: String? = nil
    ) async throws -> Scale {
        var scale = Scale(metadata: ObjectMeta(name: name, namespace: self.namespace(namespace, for: resource)), spec: .init(replicas: replicas))
        scale.metadata.resourceVersion = resourceVersion
        let call = Call(
            method: .PUT, verb: "update", resource: resource, namespace: self.namespace(namespace, for: resource), name: name,
            subresource: "scale", body: try encode(scale, as: Self.scaleType))
        return try decode(Scale.self, from: try await send(call), call: call)
    }

    private static let scaleType = ResourceType(group: "autoscaling", version: "v1", plural: "scale", kind: "Scale", namespaced: true)

    /// Binds a pending pod to `node` (what a scheduler does).
    public func bind(pod: String, namespace: String, to node: String) async throws {
        let call = Call(
            method: .POST, verb: "create", resource: .pods, namespace: namespace, name: pod, subresource: "binding",
            body: try encode(PodBinding(pod: pod, node: node), as: .pods))
        _ = try await send(call)
    }
}
