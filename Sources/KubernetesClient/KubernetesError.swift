import Foundation
import BoundedJSON

/// A failed Kubernetes API call. Compare errors by ``code``; ``message`` says what happened and what to do.
public struct KubernetesError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case configuration, badRequest, unauthorized, forbidden, notFound, conflict, alreadyExists, gone, invalid
            case tooManyRequests, server, transport, decoding
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// The client configuration (kubeconfig, in-cluster files) is unusable.
        public static let configuration = Code(.configuration)
        public static let badRequest = Code(.badRequest)
        /// 401: the credentials were not accepted.
        public static let unauthorized = Code(.unauthorized)
        /// 403: RBAC does not allow the verb on the resource; the message names both.
        public static let forbidden = Code(.forbidden)
        public static let notFound = Code(.notFound)
        /// 409 on a stale `resourceVersion` precondition: read again, reapply, retry.
        public static let conflict = Code(.conflict)
        /// 409 on create of an existing name.
        public static let alreadyExists = Code(.alreadyExists)
        /// 410: the resourceVersion is too old to watch from; relist.
        public static let gone = Code(.gone)
        /// 422: the object failed validation.
        public static let invalid = Code(.invalid)
        public static let tooManyRequests = Code(.tooManyRequests)
        public static let server = Code(.server)
        /// No HTTP answer (connection refused, TLS failure, timeout).
        public static let transport = Code(.transport)
        /// The answer was not the JSON expected.
        public static let decoding = Code(.decoding)
        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String
    /// The HTTP status, when there was one.
    public let status: Int?
    /// The `reason` of the API server's `Status` (e.g. `Conflict`, `AlreadyExists`, `Expired`).
    public let reason: String?

    public init(_ code: Code, _ message: String, status: Int? = nil, reason: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.reason = reason
    }

    public var description: String { "kubernetes: \(message)" }

    /// Maps an error answer to a typed error. `verb` and `resource` describe the call, for 401/403 messages.
    static func from(status: Int, body: [UInt8], verb: String, resource: ResourceType, namespace: String?, name: String?) -> KubernetesError {
        let decoded = try? JSONDecoder.kubernetes.decodeBounded(StatusObject.self, from: Data(body))
        let serverMessage = decoded?.message ?? String(decoding: body.prefix(300), as: UTF8.self)
        let reason = decoded?.reason
        let target = resource.describe(namespace: namespace, name: name)
        switch status {
        case 400: return KubernetesError(.badRequest, "bad request for \(target): \(serverMessage)", status: status, reason: reason)
        case 401:
            return KubernetesError(
                .unauthorized,
                "the API server did not accept the credentials (401) to \(verb) \(target): check the token or client certificate",
                status: status, reason: reason)
        case 403:
            return KubernetesError(
                .forbidden,
                "forbidden: RBAC does not allow verb '\(verb)' on resource '\(resource.rbacResource)' (API group '\(resource.group)')"
                    + (namespace.map { " in namespace '\($0)'" } ?? " at cluster scope")
                    + "; grant it in a Role/ClusterRole bound to this identity (server said: \(serverMessage))",
                status: status, reason: reason)
        case 404: return KubernetesError(.notFound, "\(target) not found", status: status, reason: reason)
        case 409:
            if reason == "AlreadyExists" {
                return KubernetesError(.alreadyExists, "\(target) already exists", status: status, reason: reason)
            }
            return KubernetesError(.conflict, "conflict on \(target): \(serverMessage); read it again and retry", status: status, reason: reason)
        case 410: return KubernetesError(.gone, "resourceVersion too old for \(target): \(serverMessage); relist", status: status, reason: reason)
        case 422: return KubernetesError(.invalid, "\(target) is invalid: \(serverMessage)", status: status, reason: reason)
        case 429: return KubernetesError(.tooManyRequests, "the API server is throttling (429) \(verb) \(target)", status: status, reason: reason)
        default:
            return KubernetesError(
                .server, "the API server answered \(status) to \(verb) \(target): \(serverMessage)", status: status, reason: reason)
        }
    }
}

extension KubernetesError: Equatable {
    public static func == (lhs: KubernetesError, rhs: KubernetesError) -> Bool { lhs.code == rhs.code }
}

/// The API server's `Status` object (error bodies and watch ERROR events).
struct StatusObject: Codable, Sendable {
    var message: String?
    var reason: String?
    var code: Int?
}
