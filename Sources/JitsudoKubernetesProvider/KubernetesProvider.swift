public import Foundation
public import JitsudoProviders
public import KubernetesClient

/// The `kubernetes` provider: a grant is a RoleBinding (namespace scope) or ClusterRoleBinding (`*` scope) from
/// the requester (or the group their identity maps to) to an allowed ClusterRole, labelled with the request id and
/// annotated with its expiry. Revoke deletes it; deleting what is already gone is success.
public struct KubernetesProvider: CredentialProvider {
    /// What may be granted, and to whom bindings are written.
    public struct Configuration: Sendable, Hashable {
        /// ClusterRoles requests may name (`view`, `edit`, …). Empty refuses every request.
        public var allowedRoles: Set<String>
        /// Namespaces requests may name; empty allows any namespace.
        public var namespaces: Set<String> = []
        /// Whether the `*` scope (a ClusterRoleBinding) may be requested.
        public var allowClusterScope = false
        /// Prefix of the Kubernetes user name (the API server's `--oidc-username-prefix`, e.g. `oidc:`).
        public var userPrefix = ""
        /// Requester identity → Kubernetes group to bind instead of the user.
        public var groupMapping: [String: String] = [:]
        /// The longest grant; longer requests are shortened to this.
        public var maximumDurationSeconds: Int64 = 12 * 3600
        /// Label value naming this installation: revoke and drift cleanup touch only bindings carrying it, so two
        /// jitsudo installations can share a cluster.
        public var instance = "jitsudo"

        public init(allowedRoles: Set<String>, namespaces: Set<String> = [], allowClusterScope: Bool = false) {
            self.allowedRoles = allowedRoles
            self.namespaces = namespaces
            self.allowClusterScope = allowClusterScope
        }
    }

    public static let managedByLabel = "app.kubernetes.io/managed-by"
    public static let managedByValue = "jitsudo"
    public static let requestIDLabel = "jitsudo.dev/request-id"
    public static let instanceLabel = "jitsudo.dev/instance"
    public static let expiresAtAnnotation = "jitsudo.dev/expires-at"
    public static let requesterAnnotation = "jitsudo.dev/requester"

    public let name = "kubernetes"
    public let client: KubernetesClient
    public let configuration: Configuration
    /// The current time (a parameter so tests can move it).
    let now: @Sendable () -> Date

    public init(client: KubernetesClient, configuration: Configuration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.configuration = configuration
        self.now = now
    }

    public var summary: String {
        "kubernetes provider (\(client.configuration.server.absoluteString); roles \(configuration.allowedRoles.sorted().joined(separator: ", ")))"
    }

    public func validate(_ request: GrantRequest) throws(ProviderError) {
        guard !configuration.allowedRoles.isEmpty else {
            throw ProviderError(.invalidRequest, "the kubernetes provider allows no roles: set providers.kubernetes.allowed_roles")
        }
        guard configuration.allowedRoles.contains(request.role) else {
            throw ProviderError(
                .invalidRequest,
                "role '\(request.role)' is not allowed for kubernetes; allowed: "
                    + configuration.allowedRoles.sorted().joined(separator: ", "))
        }
        guard !request.requesterIdentity.isEmpty else { throw ProviderError(.invalidRequest, "the requester identity is empty") }
        if request.resourceScope == "*" {
            guard configuration.allowClusterScope else {
                throw ProviderError(.invalidRequest, "resource_scope '*' (cluster-wide) is not allowed; name a namespace")
            }
            return
        }
        guard Self.isNamespaceName(request.resourceScope) else {
            throw ProviderError(
                .invalidRequest,
                "resource_scope must be a namespace name (lower-case DNS label) or '*', got '\(request.resourceScope.prefix(64))'")
        }
        if !configuration.namespaces.isEmpty, !configuration.namespaces.contains(request.resourceScope) {
            throw ProviderError(
                .invalidRequest,
                "namespace '\(request.resourceScope)' is not allowed; allowed: "
                    + configuration.namespaces.sorted().joined(separator: ", "))
        }
    }

    public func grant(_ request: GrantRequest) async throws(ProviderError) -> IssuedGrant {
        try validate(request)
        let duration = min(request.durationSeconds, configuration.maximumDurationSeconds)
        let bindingName = Self.bindingName(for: request.requestID)
        let metadata = ObjectMeta(
            name: bindingName, namespace: request.resourceScope == "*" ? nil : request.resourceScope,
            labels: [
                Self.managedByLabel: Self.managedByValue, Self.instanceLabel: configuration.instance,
                Self.requestIDLabel: Self.labelValue(request.requestID),
            ],
            annotations: [
                Self.expiresAtAnnotation: KubernetesTime.format(now().addingTimeInterval(TimeInterval(duration))),
                Self.requesterAnnotation: request.requesterIdentity,
                "jitsudo.dev/request": request.requestID,
            ]
        )
        let subject = subject(for: request.requesterIdentity)
        let revokeToken: String
        do {
            try await requireClusterRole(request.role)
            if request.resourceScope == "*" {
                let binding = ClusterRoleBinding(metadata: metadata, subjects: [subject], roleRef: .clusterRole(request.role))
                try await createOrAdopt(binding, requestID: request.requestID)
                revokeToken = "clusterrolebinding/\(bindingName)"
            } else {
                let binding = RoleBinding(metadata: metadata, subjects: [subject], roleRef: .clusterRole(request.role))
                try await createOrAdopt(binding, requestID: request.requestID)
                revokeToken = "rolebinding/\(request.resourceScope)/\(bindingName)"
            }
        } catch let error as ProviderError {
            throw error
        } catch {
            throw Self.providerError(error, doing: "grant")
        }
        return IssuedGrant(
            credentials: ["JITSUDO_K8S_ROLE": request.role, "JITSUDO_K8S_NAMESPACE": request.resourceScope],
            durationSeconds: duration, revokeToken: revokeToken
        )
    }

    public func revoke(requestID: String, revokeToken: String?) async throws(ProviderError) {
        do {
            let parts = revokeToken?.split(separator: "/").map(String.init) ?? []
            switch (parts.first, parts.count) {
            case ("rolebinding", 3):
                try await client.deleteIfPresent(RoleBinding.self, name: parts[2], namespace: parts[1])
            case ("clusterrolebinding", 2):
                try await client.deleteIfPresent(ClusterRoleBinding.self, name: parts[1])
            default:
                break
            }
            // Also whatever else carries the request's label (a lost token, a copy made by hand).
            let selector = ListOptions.labels([
                Self.managedByLabel: Self.managedByValue, Self.instanceLabel: configuration.instance,
                Self.requestIDLabel: Self.labelValue(requestID),
            ])
            for binding in try await client.list(RoleBinding.self, allNamespaces: true, options: selector).items {
                try await client.deleteIfPresent(RoleBinding.self, name: binding.metadata.name ?? "", namespace: binding.metadata.namespace)
            }
            for binding in try await client.list(ClusterRoleBinding.self, options: selector).items {
                try await client.deleteIfPresent(ClusterRoleBinding.self, name: binding.metadata.name ?? "")
            }
        } catch {
            throw Self.providerError(error, doing: "revoke")
        }
    }

    /// The subject a binding names for `identity`.
    public func subject(for identity: String) -> Subject {
        if let group = configuration.groupMapping[identity] { return .group(group) }
        return .user(configuration.userPrefix + identity)
    }

    /// `jitsudo-<request id>` in the lower-case form object names need.
    public static func bindingName(for requestID: String) -> String {
        let cleaned = requestID.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return String(("jitsudo-" + String(cleaned)).prefix(253))
    }

    /// The request id as a label value (63 characters of `[A-Za-z0-9_.-]`).
    static func labelValue(_ requestID: String) -> String {
        String(requestID.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "-" }.prefix(63))
    }

    static func isNamespaceName(_ text: String) -> Bool {
        guard (1...63).contains(text.count), let first = text.first, let last = text.last,
            first.isLowercaseAlphanumeric, last.isLowercaseAlphanumeric
        else { return false }
        return text.allSatisfy { $0.isLowercaseAlphanumeric || $0 == "-" }
    }

    private func requireClusterRole(_ role: String) async throws {
        do {
            _ = try await client.get(ClusterRole.self, name: role)
        } catch let error as KubernetesError where error.code == .notFound {
            throw ProviderError(.invalidRequest, "ClusterRole '\(role)' does not exist in the cluster; create it or remove it from allowed_roles")
        }
    }

    private func createOrAdopt<B: KubernetesResource>(_ binding: B, requestID: String) async throws {
        do {
            _ = try await client.create(binding)
        } catch let error as KubernetesError where error.code == .alreadyExists {
            // Granting twice is granting once, but never adopt a binding that is not this request's.
            let existing = try await client.get(B.self, name: binding.metadata.name ?? "", namespace: binding.metadata.namespace)
            guard existing.metadata.labels?[Self.requestIDLabel] == Self.labelValue(requestID) else {
                throw ProviderError(
                    .refused,
                    "a binding named \(binding.metadata.name ?? "") exists and is not jitsudo's for this request; remove it")
            }
            // Granting again extends: move the (informational) expiry annotation forward, never back.
            let old = existing.metadata.annotations?[Self.expiresAtAnnotation].flatMap(KubernetesTime.parse) ?? .distantPast
            if let wanted = binding.metadata.annotations?[Self.expiresAtAnnotation], let new = KubernetesTime.parse(wanted), new > old {
                _ = try await client.patch(
                    B.self, name: binding.metadata.name ?? "", namespace: binding.metadata.namespace,
                    .merge(["metadata": ["annotations": [Self.expiresAtAnnotation: .string(wanted)]]]))
            }
        }
    }

    static func providerError(_ error: any Error, doing operation: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        guard let error = error as? KubernetesError else { return ProviderError(.unavailable, "kubernetes \(operation) failed: \(error)") }
        switch error.code {
        case .forbidden, .unauthorized:
            return ProviderError(.refused, "kubernetes \(operation) refused: \(error.message)")
        case .invalid, .badRequest:
            return ProviderError(.invalidRequest, "kubernetes \(operation) rejected: \(error.message)")
        default:
            return ProviderError(.unavailable, "kubernetes \(operation) failed: \(error.message)")
        }
    }
}

extension Character {
    fileprivate var isLowercaseAlphanumeric: Bool { ("a"..."z").contains(self) || ("0"..."9").contains(self) }
}
