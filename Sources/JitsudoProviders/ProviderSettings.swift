import Foundation
import JitsudoCore

/// The settings of one provider as configured under `providers.<provider>.` in `jitsudod.yaml` (or the
/// `JITSUDOD_PROVIDERS_<PROVIDER>_*` environment), read by the provider's own `Configuration`. Keys are relative
/// (`region`, `identity_center.instance_arn`); every accessor's error names the full key and the fix.
public struct ProviderSettings: Sendable, Hashable {
    /// The provider's name (`aws`, `gcp`, `azure`).
    public let provider: String
    /// Relative key → value as written (lists comma-separated).
    public let values: [String: String]

    public init(provider: String, values: [String: String]) {
        self.provider = provider
        self.values = values
    }

    /// The full name of `key`, for messages.
    public func fullKey(_ key: String) -> String { "providers.\(provider).\(key)" }

    /// The value of `key`, or `defaultValue` when it is not set.
    public func string(_ key: String, default defaultValue: String = "") -> String { values[key] ?? defaultValue }

    /// `providers.<provider>.enabled`.
    public var isEnabled: Bool { (try? bool("enabled", default: false)) ?? false }

    /// A boolean (`true`/`false`, `yes`/`no`, `1`/`0`).
    public func bool(_ key: String, default defaultValue: Bool) throws(ProviderSettingsError) -> Bool {
        guard let value = values[key] else { return defaultValue }
        switch value.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw ProviderSettingsError(key: fullKey(key), "must be true or false, got '\(value)'")
        }
    }

    /// A comma-separated list; empty entries are dropped.
    public func list(_ key: String) -> [String] {
        (values[key] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `name=value` pairs, comma-separated (`roles.admin=AdministratorAccess,…`).
    public func pairs(_ key: String) throws(ProviderSettingsError) -> [String: String] {
        var result: [String: String] = [:]
        for entry in list(key) {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ProviderSettingsError(key: fullKey(key), "must be name=value pairs separated by commas, got '\(entry)'")
            }
            result[parts[0]] = parts[1]
        }
        return result
    }

    /// A duration (`90s`, `15m`, `12h`, `1h30m`), in seconds.
    public func durationSeconds(_ key: String, default defaultValue: Int64) throws(ProviderSettingsError) -> Int64 {
        guard let value = values[key] else { return defaultValue }
        do { return try GrantDuration.parse(value).seconds } catch { throw ProviderSettingsError(key: fullKey(key), error.message) }
    }

    /// A whole number within `range`.
    public func int(_ key: String, default defaultValue: Int, _ range: ClosedRange<Int>) throws(ProviderSettingsError) -> Int {
        guard let value = values[key] else { return defaultValue }
        guard let number = Int(value), range.contains(number) else {
            throw ProviderSettingsError(key: fullKey(key), "must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(value)'")
        }
        return number
    }

    /// One of `choices`.
    public func choice(_ key: String, default defaultValue: String, _ choices: [String]) throws(ProviderSettingsError) -> String {
        let value = values[key] ?? defaultValue
        guard choices.contains(value) else {
            throw ProviderSettingsError(key: fullKey(key), "must be one of \(choices.joined(separator: ", ")), got '\(value)'")
        }
        return value
    }
}

/// A provider setting that is missing or malformed; `key` is the full key (`providers.aws.region`).
public struct ProviderSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    public let key: String
    public let problem: String
    public init(key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }
    public var description: String { "configuration: \(key) \(problem)" }
}
