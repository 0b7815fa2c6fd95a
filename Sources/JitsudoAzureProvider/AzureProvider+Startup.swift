import AsyncHTTPClient
import AzureClient
import Foundation
public import JitsudoProviders
public import Logging
import NIOSSL
import Synchronization

extension AzureProvider {
    /// One HTTP client per CA file for the life of the process (never shut down, like `HTTPClient.shared`).
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The provider from `providers.azure.*`, over `HTTPClient.shared`, or a client trusting `ca_file` when set.
    ///
    /// - Throws: ``ProviderSettingsError`` naming the setting and the fix.
    public static func make(settings: ProviderSettings, logger: Logger) throws(ProviderSettingsError) -> AzureProvider {
        let configuration = try Configuration(settings: settings)
        var http = HTTPClient.shared
        if let caFile = configuration.caFile {
            guard let roots = try? NIOSSLCertificate.fromPEMFile(caFile), !roots.isEmpty else {
                throw ProviderSettingsError(key: settings.fullKey("ca_file"), "is not a readable PEM certificate file: \(caFile)")
            }
            http = Self.clients.withLock { clients in
                if let existing = clients[caFile] { return existing }
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.additionalTrustRoots = [.certificates(roots)]
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                clients[caFile] = client
                return client
            }
        }
        let client = AzureClient(configuration: configuration.client, http: http, logger: logger)
        return AzureProvider(client: client, configuration: configuration, logger: logger)
    }
}
