import JitsudoAWSProvider
import JitsudoAzureProvider
import JitsudoGCPProvider

/// The cloud providers jitsudod can run beside `mock` and `kubernetes`, each with the setting keys (relative to
/// `providers.<name>.`) its own `Configuration` reads from ``ProviderSettings``. A key listed here is accepted in
/// `jitsudod.yaml` and as `JITSUDOD_PROVIDERS_<NAME>_<KEY>` (dots become underscores).
enum ProviderCatalog {
    static let settingKeys: [String: [String]] = [
        "aws": AWSProvider.Configuration.settingKeys,
        "azure": AzureProvider.Configuration.settingKeys,
        "gcp": GCPProvider.Configuration.settingKeys,
    ]
}
