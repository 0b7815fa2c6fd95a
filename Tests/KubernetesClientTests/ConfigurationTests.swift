import Foundation
import KubernetesClient
import Testing

@Suite struct ConfigurationTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "kubeconfig-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: local
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: \(Data("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n".utf8).base64EncodedString())
        - name: insecure
          cluster:
            server: https://127.0.0.1:7443
            insecure-skip-tls-verify: true
        users:
        - name: token-user
          user:
            token: abc123
        - name: file-user
          user:
            tokenFile: token.txt
        - name: cert-user
          user:
            client-certificate: client.crt
            client-key: client.key
        - name: exec-user
          user:
            exec:
              command: aws
        contexts:
        - name: dev
          context: {cluster: local, user: token-user, namespace: team-a}
        - name: files
          context: {cluster: insecure, user: file-user}
        - name: certs
          context: {cluster: insecure, user: cert-user}
        - name: exec
          context: {cluster: local, user: exec-user}
        """

    @Test func theCurrentContextGivesServerTokenCAAndNamespace() throws {
        let configuration = try KubernetesConfiguration.fromKubeconfig(text: Self.kubeconfig, directory: "/nonexistent")
        #expect(configuration.server.absoluteString == "https://127.0.0.1:6443")
        #expect(configuration.credentials == .token("abc123"))
        #expect(configuration.certificateAuthorityPEM?.contains("BEGIN CERTIFICATE") == true)
        #expect(configuration.insecureSkipTLSVerify == false)
        #expect(configuration.namespace == "team-a")
    }

    @Test func fileReferencesResolveAgainstTheKubeconfigDirectory() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "file-token\n".write(toFile: directory + "/token.txt", atomically: true, encoding: .utf8)
        try "CERT".write(toFile: directory + "/client.crt", atomically: true, encoding: .utf8)
        try "KEY".write(toFile: directory + "/client.key", atomically: true, encoding: .utf8)
        let files = try KubernetesConfiguration.fromKubeconfig(text: Self.kubeconfig, directory: directory, context: "files")
        #expect(files.credentials == .token("file-token"))
        #expect(files.insecureSkipTLSVerify && files.namespace == "default")
        let certs = try KubernetesConfiguration.fromKubeconfig(text: Self.kubeconfig, directory: directory, context: "certs")
        #expect(certs.credentials == .clientCertificate(certificatePEM: "CERT", keyPEM: "KEY"))
    }

    @Test func unusableKubeconfigsAreConfigurationErrorsThatSayWhy() {
        let cases: [(String, String?, String)] = [
            (Self.kubeconfig, "missing", "no contexts entry named 'missing'"),
            (Self.kubeconfig, "exec", "exec/auth-provider plugin"),
            (Self.kubeconfig, "files", "cannot read"),
            ("- not a mapping", nil, "not a YAML mapping"),
            ("apiVersion: v1", nil, "no current-context"),
        ]
        for (text, context, words) in cases {
            let error = #expect(throws: KubernetesError.self) {
                try KubernetesConfiguration.fromKubeconfig(text: text, directory: "/nonexistent", context: context)
            }
            #expect(error?.code == .configuration)
            #expect(error?.message.contains(words) == true, "\(error?.message ?? "") should say \(words)")
        }
    }

    @Test func inClusterReadsTheServiceAccountAndTheServiceEnvironment() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "sa-token\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try "CA".write(toFile: directory + "/ca.crt", atomically: true, encoding: .utf8)
        try "jitsudo".write(toFile: directory + "/namespace", atomically: true, encoding: .utf8)
        let configuration = try KubernetesConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], serviceAccountDirectory: directory)
        #expect(configuration.server.absoluteString == "https://10.96.0.1:443")
        #expect(configuration.credentials == .token("sa-token"))
        #expect(configuration.certificateAuthorityPEM == "CA" && configuration.namespace == "jitsudo")
        let ipv6 = try KubernetesConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"], serviceAccountDirectory: directory)
        #expect(ipv6.server.absoluteString == "https://[fd00::1]:443")
        let outside = #expect(throws: KubernetesError.self) {
            try KubernetesConfiguration.inCluster(environment: [:], serviceAccountDirectory: directory)
        }
        #expect(outside?.message.contains("KUBERNETES_SERVICE_HOST") == true)
    }
}
