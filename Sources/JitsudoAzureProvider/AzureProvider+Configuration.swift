public import AzureClient
import Foundation
public import JitsudoProviders

extension AzureProvider {
    /// How grants are issued in Azure.
    public enum Mode: String, Sendable, Hashable {
        /// PIM schedule requests: Azure itself ends the access at expiry, even if every jitsudod is down.
        case pim
        /// Plain role assignments, deleted by jitsudo at expiry.
        case roleAssignment = "role_assignment"
    }

    /// The provider's settings (`providers.azure.*`).
    public struct Configuration: Sendable {
        /// The keys read from ``ProviderSettings`` (relative to `providers.azure.`).
        public static let settingKeys = [
            "enabled", "tenant_id", "client_id", "client_secret", "client_certificate_file", "federated_token_file", "authority_url",
            "arm_url", "graph_url", "ca_file", "mode", "allowed_roles", "allowed_scopes", "max_duration", "principal_mapping", "instance",
            "reconcile_interval",
        ]

        /// Entra identity and endpoints of jitsudod itself.
        public var client: AzureClient.Configuration
        /// Extra PEM trust roots for the Entra/ARM/Graph endpoints (a TLS-inspecting proxy, a test CA); nil trusts the system roots.
        public var caFile: String?
        public var mode: Mode = .pim
        /// Role names (`Reader`, `Contributor`) requests may name. Empty refuses every request.
        public var allowedRoles: Set<String>
        /// Scopes requests may name (or name a resource group inside); empty allows any. Drift cleanup looks here.
        public var allowedScopes: [AzureScope] = []
        /// The longest grant; longer requests are shortened to this.
        public var maximumDurationSeconds: Int64 = 8 * 3600
        /// Requester identity → Entra object id (`<uuid>` for a user, `group:<uuid>` for a group), instead of Graph.
        public var principalMapping: [String: Principal] = [:]
        /// Names this installation in markers: drift cleanup touches only its own objects.
        public var instance = "jitsudo"
        /// Seconds between drift cleanup rounds (leader only).
        public var reconcileIntervalSeconds: Int64 = 60

        public init(client: AzureClient.Configuration, allowedRoles: Set<String>) {
            self.client = client
            self.allowedRoles = allowedRoles
        }

        /// Reads `providers.azure.*`; exactly one of `client_secret`, `client_certificate_file`, `federated_token_file`.
        ///
        /// - Throws: ``ProviderSettingsError`` naming the key and the fix.
        public init(settings: ProviderSettings) throws(ProviderSettingsError) {
            func required(_ key: String) throws(ProviderSettingsError) -> String {
                let value = settings.string(key)
                guard !value.isEmpty else {
                    throw ProviderSettingsError(key: settings.fullKey(key), "is required when the azure provider is enabled")
                }
                return value
            }
            let tenant = try required("tenant_id"), clientID = try required("client_id")
            let secret = settings.string("client_secret"), certificateFile = settings.string("client_certificate_file")
            let federatedFile = settings.string("federated_token_file")
            let credential: AzureCredential
            switch (secret.isEmpty, certificateFile.isEmpty, federatedFile.isEmpty) {
            case (false, true, true):
                credential = .secret(secret)
            case (true, false, true):
                guard let pem = try? String(contentsOfFile: certificateFile, encoding: .utf8) else {
                    throw ProviderSettingsError(key: settings.fullKey("client_certificate_file"), "cannot be read: \(certificateFile)")
                }
                do { credential = .certificate(try ClientCertificate(pem: pem)) } catch {
                    throw ProviderSettingsError(key: settings.fullKey("client_certificate_file"), error.message)
                }
            case (true, true, false):
                credential = .federatedTokenFile(federatedFile)
            default:
                throw ProviderSettingsError(
                    key: settings.fullKey("client_secret"),
                    "set exactly one of client_secret, client_certificate_file, federated_token_file")
            }
            var client = AzureClient.Configuration(tenantID: tenant, clientID: clientID, credential: credential)
            for (key, path) in [("authority_url", \AzureClient.Configuration.authorityURL), ("arm_url", \.armURL), ("graph_url", \.graphURL)] {
                let value = settings.string(key)
                guard !value.isEmpty else { continue }
                guard let url = URL(string: value), url.scheme == "https", url.host != nil else {
                    throw ProviderSettingsError(key: settings.fullKey(key), "must be an https URL, got '\(value)'")
                }
                client[keyPath: path] = value
            }
            self.init(client: client, allowedRoles: Set(settings.list("allowed_roles")))
            caFile = settings.string("ca_file").isEmpty ? nil : settings.string("ca_file")
            mode = Mode(rawValue: try settings.choice("mode", default: "pim", ["pim", "role_assignment"])) ?? .pim
            for text in settings.list("allowed_scopes") {
                do { allowedScopes.append(try AzureScope(parsing: text)) } catch {
                    throw ProviderSettingsError(key: settings.fullKey("allowed_scopes"), error.message)
                }
            }
            maximumDurationSeconds = try settings.durationSeconds("max_duration", default: 8 * 3600)
            for (identity, value) in try settings.pairs("principal_mapping") {
                let isGroup = value.hasPrefix("group:")
                let id = isGroup ? String(value.dropFirst(6)) : value
                guard AzureScope.isUUID(Substring(id)) else {
                    throw ProviderSettingsError(
                        key: settings.fullKey("principal_mapping"), "values are object ids (<uuid> or group:<uuid>), got '\(value)'")
                }
                principalMapping[identity] = Principal(objectID: id.lowercased(), type: isGroup ? "Group" : "User")
            }
            instance = settings.string("instance", default: "jitsudo")
            guard !instance.isEmpty, instance.count <= 63, instance.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else {
                throw ProviderSettingsError(key: settings.fullKey("instance"), "must be 1-63 letters, digits, '-', '_' or '.'")
            }
            reconcileIntervalSeconds = try settings.durationSeconds("reconcile_interval", default: 60)
        }
    }
}
