import Foundation
import CheckedYAML

/// jitsudod's settings file read into flat values: each nested key becomes `section.key` (`oidc.issuer`), a list
/// becomes its items joined by commas, and null is absent. Only Foundation and CheckedYAML (which bounds the nesting,
/// and so this recursion), so the fuzzer (`scripts/libfuzzer.sh config`) compiles it alone.
enum ConfigurationFile {
    /// The flat values of `yaml`, a mapping of settings.
    ///
    /// - Throws: ``ConfigurationError`` (key `config`) when the text is not YAML (or one ``YAMLText`` refuses), not a
    ///   mapping, or has an empty key.
    static func values(yaml: String) throws(ConfigurationError) -> [String: String] {
        let node: Any?
        do { node = try YAMLText.load(yaml) } catch { throw ConfigurationError(key: "config", "the file is not valid YAML: \(error)") }
        guard let root = node as? [String: Any] else { throw ConfigurationError(key: "config", "the file must be a YAML mapping of settings") }
        var values: [String: String] = [:]
        try flatten(root, prefix: "", into: &values)
        return values
    }

    private static func flatten(_ map: [String: Any], prefix: String, into values: inout [String: String]) throws(ConfigurationError) {
        for (key, value) in map {
            guard !key.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ConfigurationError(key: prefix.isEmpty ? "config" : prefix, "has an empty key; every setting has a name")
            }
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case let nested as [String: Any]: try flatten(nested, prefix: path, into: &values)
            case let list as [Any]: values[path] = list.map { "\($0)" }.joined(separator: ",")
            case is NSNull: continue
            default: values[path] = "\(value)"
            }
        }
    }
}
