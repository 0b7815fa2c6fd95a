public import Foundation
import CheckedYAML

/// Where the API server is and how to authenticate to it.
///
/// Built from a kubeconfig (``fromKubeconfig(at:context:)``) or from a pod's service account
/// (``inCluster(environment:serviceAccountDirectory:)``). Libraries never read the environment themselves: the
/// executable passes it in.
public struct KubernetesConfiguration: Sendable, Hashable {
    /// How requests prove who they are.
    public enum Credentials: Sendable, Hashable {
        case none
        /// A bearer token (token files are read once, when the configuration is built).
        case token(String)
        /// A TLS client certificate and its private key, both PEM.
        case clientCertificate(certificatePEM: String, keyPEM: String)
    }

    /// The API server, e.g. `https://127.0.0.1:6443`.
    public var server: URL
    public var credentials: Credentials
    /// PEM of the CA that signed the API server's certificate; nil uses the system trust roots.
    public var certificateAuthorityPEM: String?
    /// Skips verification of the server certificate (`insecure-skip-tls-verify`). Only for tests.
    public var insecureSkipTLSVerify: Bool
    /// The namespace of the kubeconfig context or of the pod; `default` when none is given.
    public var namespace: String
    /// Attempts for a request answered 429 or 5xx (or not answered), with exponential backoff; 1 disables retries.
    public var maximumAttempts: Int = 5
    /// The first backoff; it doubles per attempt up to ``maximumBackoff`` (a `Retry-After` header wins).
    public var initialBackoff: Duration = .milliseconds(200)
    public var maximumBackoff: Duration = .seconds(5)
    /// Acts as this user (`Impersonate-User`, what `kubectl --as` does); needs the `impersonate` verb.
    public var impersonateUser: String?
    /// Deadline for one non-watch request.
    public var requestTimeout: Duration = .seconds(30)

    public init(
        server: URL, credentials: Credentials, certificateAuthorityPEM: String? = nil, insecureSkipTLSVerify: Bool = false,
        namespace: String = "default"
    ) {
        self.server = server
        self.credentials = credentials
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.namespace = namespace
    }

    /// Reads a kubeconfig file (YAML or JSON) and picks `context` (default: its `current-context`).
    ///
    /// Supports `token`, `tokenFile`, `client-certificate(-data)`/`client-key(-data)`, `certificate-authority(-data)`
    /// and `insecure-skip-tls-verify`; relative file paths are relative to the kubeconfig's directory.
    /// - Throws: ``KubernetesError`` `configuration` naming the missing or unsupported entry.
    public static func fromKubeconfig(at path: String, context: String? = nil) throws -> KubernetesConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KubernetesError(.configuration, "cannot read the kubeconfig \(path): \(error.localizedDescription)")
        }
        return try fromKubeconfig(text: text, directory: (path as NSString).deletingLastPathComponent, context: context)
    }

    /// Parses kubeconfig `text`; relative file references resolve against `directory`.
    public static func fromKubeconfig(text: String, directory: String, context: String? = nil) throws -> KubernetesConfiguration {
        let root: [String: Any]
        do {
            guard let loaded = try YAMLText.load(text) as? [String: Any] else {
                throw KubernetesError(.configuration, "the kubeconfig is not a YAML mapping")
            }
            root = loaded
        } catch let error as KubernetesError {
            throw error
        } catch {
            throw KubernetesError(.configuration, "the kubeconfig is not valid YAML: \(error)")
        }
        func named(_ list: String, _ name: String) throws -> [String: Any] {
            let entries = root[list] as? [[String: Any]] ?? []
            guard let entry = entries.first(where: { $0["name"] as? String == name }) else {
                throw KubernetesError(.configuration, "the kubeconfig has no \(list) entry named '\(name)'")
            }
            let key = String(list.dropLast())
            return entry[key] as? [String: Any] ?? [:]
        }
        func file(_ reference: String) throws -> String {
            let path = reference.hasPrefix("/") ? reference : (directory as NSString).appendingPathComponent(reference)
            do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw KubernetesError(.configuration, "cannot read \(path) named in the kubeconfig")
            }
        }
        func data(_ map: [String: Any], _ key: String) throws -> String? {
            if let inline = map["\(key)-data"] as? String {
                guard let decoded = Data(base64Encoded: inline), let text = String(data: decoded, encoding: .utf8) else {
                    throw KubernetesError(.configuration, "the kubeconfig's \(key)-data is not base64 PEM")
                }
                return text
            }
            if let path = map[key] as? String { return try file(path) }
            return nil
        }
        guard let contextName = context ?? root["current-context"] as? String, !contextName.isEmpty else {
            throw KubernetesError(.configuration, "the kubeconfig has no current-context: name a context")
        }
        let contextEntry = try named("contexts", contextName)
        guard let clusterName = contextEntry["cluster"] as? String else {
            throw KubernetesError(.configuration, "the kubeconfig context '\(contextName)' names no cluster")
        }
        let cluster = try named("clusters", clusterName)
        guard let serverText = cluster["server"] as? String, let server = URL(string: serverText), server.scheme != nil else {
            throw KubernetesError(.configuration, "the kubeconfig cluster '\(clusterName)' has no valid server URL")
        }
        var credentials = Credentials.none
        if let userName = contextEntry["user"] as? String {
            let user = try named("users", userName)
            if let token = user["token"] as? String {
                credentials = .token(token)
            } else if let tokenFile = user["tokenFile"] as? String {
                credentials = .token(try file(tokenFile).trimmingCharacters(in: .whitespacesAndNewlines))
            } else if let certificate = try data(user, "client-certificate") {
                guard let key = try data(user, "client-key") else {
                    throw KubernetesError(.configuration, "the kubeconfig user '\(userName)' has a client certificate but no client key")
                }
                credentials = .clientCertificate(certificatePEM: certificate, keyPEM: key)
            } else if user["exec"] != nil || user["auth-provider"] != nil {
                throw KubernetesError(
                    .configuration,
                    "the kubeconfig user '\(userName)' uses an exec/auth-provider plugin, which is not supported: "
                        + "use a token or a client certificate")
            }
        }
        var configuration = KubernetesConfiguration(
            server: server, credentials: credentials, certificateAuthorityPEM: try data(cluster, "certificate-authority"),
            insecureSkipTLSVerify: (cluster["insecure-skip-tls-verify"] as? Bool) ?? false,
            namespace: (contextEntry["namespace"] as? String) ?? "default"
        )
        if configuration.insecureSkipTLSVerify { configuration.certificateAuthorityPEM = nil }
        return configuration
    }

    /// The configuration of a pod: `KUBERNETES_SERVICE_HOST`/`_PORT` from `environment`, and the service account's
    /// `token`, `ca.crt` and `namespace` from `serviceAccountDirectory`.
    ///
    /// - Throws: ``KubernetesError`` `configuration` when not running in a pod.
    public static func inCluster(
        environment: [String: String],
        serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws -> KubernetesConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubernetesError(
                .configuration,
                "not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set "
                    + "(configure a kubeconfig instead)")
        }
        func read(_ name: String) throws -> String {
            let path = (serviceAccountDirectory as NSString).appendingPathComponent(name)
            do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw KubernetesError(.configuration, "cannot read the service account's \(path): is a service account token mounted?")
            }
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        guard let server = URL(string: "https://\(hostPart):\(port)") else {
            throw KubernetesError(.configuration, "KUBERNETES_SERVICE_HOST/PORT do not form a URL")
        }
        let namespace = (try? read("namespace"))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return KubernetesConfiguration(
            server: server, credentials: .token(try read("token").trimmingCharacters(in: .whitespacesAndNewlines)),
            certificateAuthorityPEM: try read("ca.crt"), namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        )
    }
}
