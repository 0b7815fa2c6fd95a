import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import BoundedJSON

/// One change seen by a watch.
public enum WatchEvent<R: KubernetesObject>: Sendable {
    case added(R)
    case modified(R)
    case deleted(R)
    /// The server's progress mark: nothing changed up to this resourceVersion.
    case bookmark(resourceVersion: String)

    /// The object's (or the bookmark's) resourceVersion.
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object.metadata.resourceVersion
        case .bookmark(let version): version
        }
    }
}

extension KubernetesClient {
    /// Watches changes after `options.resourceVersion` until the server ends the stream (after about
    /// `timeoutSeconds`), calling `handler` for each event in order.
    ///
    /// - Throws: ``KubernetesError`` `gone` when the resourceVersion is too old (relist and watch again from the
    ///   list's resourceVersion); any error `handler` throws.
    public func watch<R: KubernetesObject>(
        _ type: R.Type, namespace: String? = nil, allNamespaces: Bool = false, options: ListOptions = ListOptions(), timeoutSeconds: Int = 300,
        in resource: ResourceType, handler: (WatchEvent<R>) async throws -> Void
    ) async throws {
        var query = options.query
        query += [("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(timeoutSeconds))]
        let call = Call(
            method: .GET, verb: "watch", resource: resource, namespace: allNamespaces ? nil : self.namespace(namespace, for: resource),
            query: query)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request(for: call), timeout: .seconds(Int64(timeoutSeconds) + 30))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw KubernetesError(.transport, "no answer from the API server to watch \(resource.plural): \(error)")
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let body = (try? await response.body.collect(upTo: 1024 * 1024)).map { Array(buffer: $0) } ?? []
            throw KubernetesError.from(status: status, body: body, verb: "watch", resource: resource, namespace: call.namespace, name: nil)
        }
        var pending: [UInt8] = []
        do {
            for try await chunk in response.body {
                pending.append(contentsOf: chunk.readableBytesView)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                    try await handler(try decodeWatchLine(line, as: R.self, resource: resource))
                }
            }
        } catch let error as KubernetesError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            // The connection ended mid-stream: like a server timeout, the caller resumes from the last version.
            logger.debug("kubernetes watch stream ended", metadata: ["error": "\(error)"])
        }
    }

    /// The typed-kind form of ``watch(_:namespace:allNamespaces:options:timeoutSeconds:in:handler:)``.
    public func watch<R: KubernetesResource>(
        _ type: R.Type, namespace: String? = nil, allNamespaces: Bool = false, options: ListOptions = ListOptions(), timeoutSeconds: Int = 300,
        handler: (WatchEvent<R>) async throws -> Void
    ) async throws {
        try await watch(
            type, namespace: namespace, allNamespaces: allNamespaces, options: options, timeoutSeconds: timeoutSeconds,
            in: R.resourceType, handler: handler)
    }

    private struct Envelope: Decodable {
        var type: String
        var object: JSONValue
    }

    func decodeWatchLine<R: KubernetesObject>(_ line: [UInt8], as type: R.Type, resource: ResourceType) throws -> WatchEvent<R> {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder.kubernetes.decodeBounded(Envelope.self, from: Data(line))
        } catch {
            throw KubernetesError(.decoding, "a watch event of \(resource.plural) is not JSON: \(error)")
        }
        switch envelope.type {
        case "BOOKMARK":
            return .bookmark(resourceVersion: envelope.object["metadata"]?["resourceVersion"]?.stringValue ?? "")
        case "ERROR":
            let status = (try? envelope.object.decode(as: StatusObject.self)) ?? StatusObject()
            let code = status.code ?? 500
            let body = (try? JSONEncoder.kubernetes.encode(envelope.object)).map { Array($0) } ?? []
            throw KubernetesError.from(status: code, body: body, verb: "watch", resource: resource, namespace: nil, name: nil)
        case "ADDED", "MODIFIED", "DELETED":
            let object: R
            do { object = try envelope.object.decode(as: R.self) } catch {
                throw KubernetesError(.decoding, "a watch event of \(resource.plural) is not a \(R.self): \(error)")
            }
            switch envelope.type {
            case "ADDED": return .added(object)
            case "MODIFIED": return .modified(object)
            default: return .deleted(object)
            }
        default:
            throw KubernetesError(.decoding, "unknown watch event type '\(envelope.type)' for \(resource.plural)")
        }
    }
}
