/// The syntax rules the API server applies to names, label keys and values, and environment variable names,
/// checked before a value reaches a pod template (an invalid one would make every Deployment write fail).
public enum KubernetesNames {
    /// A DNS-1123 label: up to 63 lower-case letters, digits and `-`, starting and ending alphanumeric (volume names).
    public static func isDNSLabel(_ text: String) -> Bool {
        guard (1...63).contains(text.count), let first = text.first, let last = text.last else { return false }
        return isLowerAlnum(first) && isLowerAlnum(last) && text.allSatisfy { isLowerAlnum($0) || $0 == "-" }
    }

    /// A DNS-1123 subdomain: up to 253 characters of dot-separated DNS labels (service account names, key prefixes).
    public static func isDNSSubdomain(_ text: String) -> Bool {
        guard (1...253).contains(text.count), let first = text.first, let last = text.last else { return false }
        return isLowerAlnum(first) && isLowerAlnum(last) && text.allSatisfy { isLowerAlnum($0) || $0 == "-" || $0 == "." }
    }

    /// A label or annotation key: `[prefix/]name`, the prefix a DNS subdomain, the name up to 63 characters of
    /// letters, digits, `-`, `_` and `.`, starting and ending alphanumeric.
    public static func isQualifiedName(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return isName(String(parts[0]))
        case 2: return isDNSSubdomain(String(parts[0])) && isName(String(parts[1]))
        default: return false
        }
    }

    /// A label value: empty, or up to 63 characters as the name part of a qualified name.
    public static func isLabelValue(_ text: String) -> Bool { text.isEmpty || isName(text) }

    /// An environment variable name as Kubernetes accepts it: letters, digits, `_`, `-` and `.`, not starting with a digit.
    public static func isEnvName(_ text: String) -> Bool {
        guard let first = text.first, !first.isASCIIDigit else { return false }
        return text.allSatisfy { $0.isASCIIAlnum || $0 == "_" || $0 == "-" || $0 == "." }
    }

    private static func isName(_ text: String) -> Bool {
        guard (1...63).contains(text.count), let first = text.first, let last = text.last else { return false }
        return first.isASCIIAlnum && last.isASCIIAlnum && text.allSatisfy { $0.isASCIIAlnum || $0 == "-" || $0 == "_" || $0 == "." }
    }

    private static func isLowerAlnum(_ c: Character) -> Bool { c.isASCIIDigit || ("a"..."z").contains(c) }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    fileprivate var isASCIIAlnum: Bool { isASCIIDigit || ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
