import Foundation
import GoogleCloudClient
public import JitsudoProviders
public import Logging

extension GCPProvider {
    /// The provider as `jitsudod` builds it from `providers.gcp.*` and its environment: jitsudod's own Google identity
    /// is the key file of `providers.gcp.credentials_file` or `GOOGLE_APPLICATION_CREDENTIALS` when one is named, else
    /// the metadata server (`providers.gcp.metadata_host`, `GCE_METADATA_HOST`, or `metadata.google.internal`).
    ///
    /// - Throws: ``ProviderSettingsError`` naming the key (a missing or unreadable key file, a bad setting).
    public init(settings: ProviderSettings, environment: [String: String], logger: Logger) throws(ProviderSettingsError) {
        let configuration = try Configuration(settings: settings)
        let credentials = try Self.credentials(settings: settings, environment: environment, tokenURL: configuration.tokenURL)
        var clientConfiguration = GoogleCloudClient.Configuration(credentials: credentials)
        if !configuration.resourceManagerURL.isEmpty { clientConfiguration.resourceManagerURL = configuration.resourceManagerURL }
        if !configuration.iamCredentialsURL.isEmpty { clientConfiguration.iamCredentialsURL = configuration.iamCredentialsURL }
        self.init(configuration: configuration, client: GoogleCloudClient(configuration: clientConfiguration, logger: logger), logger: logger)
    }

    /// Google's OAuth token endpoint.
    public static let defaultTokenURL = "https://oauth2.googleapis.com/token"

    /// Which identity jitsudod uses (the only place that reads the key file).
    static func credentials(settings: ProviderSettings, environment: [String: String], tokenURL: String) throws(ProviderSettingsError)
        -> AccessTokenSource.Credentials
    {
        let file = settings.string("credentials_file", default: environment["GOOGLE_APPLICATION_CREDENTIALS"] ?? "")
        guard !file.isEmpty else {
            let host = settings.string("metadata_host", default: environment["GCE_METADATA_HOST"] ?? "metadata.google.internal")
            return .metadataServer(host: host)
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ProviderSettingsError(key: settings.fullKey("credentials_file"), "cannot read the service-account key file \(file)")
        }
        do {
            let key = try ServiceAccountKey(json: Array(data))
            return .serviceAccountKey(key, tokenURL: tokenURL.isEmpty ? (key.tokenURI.isEmpty ? defaultTokenURL : key.tokenURI) : tokenURL)
        } catch {
            throw ProviderSettingsError(key: settings.fullKey("credentials_file"), "\(file): \(error.message)")
        }
    }
}
