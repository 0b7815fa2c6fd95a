/// The resource a grant's `resource_scope` names: a project (`projects/my-project` or the bare id `my-project`), a
/// folder (`folders/123`) or an organisation (`organizations/456`).
public struct GCPResource: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case project = "projects"
        case folder = "folders"
        case organization = "organizations"
    }

    public let kind: Kind
    /// The project id or the folder/organisation number.
    public let id: String

    /// The Resource Manager name, `projects/my-project`.
    public var name: String { "\(kind.rawValue)/\(id)" }
    public var description: String { name }

    /// Parses a `resource_scope`.
    ///
    /// - Throws: ``GCPScopeError`` saying what a valid scope looks like.
    public init(scope: String) throws(GCPScopeError) {
        let parts = scope.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1:
            kind = .project
            id = parts[0]
        case 2:
            guard let kind = Kind(rawValue: parts[0]) else {
                throw GCPScopeError("resource_scope must be projects/ID, folders/NUMBER or organizations/NUMBER, got '\(scope.prefix(80))'")
            }
            self.kind = kind
            id = parts[1]
        default:
            throw GCPScopeError("resource_scope must be projects/ID, folders/NUMBER or organizations/NUMBER, got '\(scope.prefix(80))'")
        }
        switch kind {
        case .project:
            guard Self.isProjectID(id) else {
                throw GCPScopeError(
                    "'\(id.prefix(80))' is not a project id (6 to 30 lower-case letters, digits and hyphens, "
                        + "starting with a letter, not ending with a hyphen)")
            }
        case .folder, .organization:
            guard Self.isNumber(id) else {
                throw GCPScopeError("a \(kind == .folder ? "folder" : "organization") is named by its number, got '\(id.prefix(80))'")
            }
        }
    }

    /// Project ids: 6–30 characters of `[a-z0-9-]`, a letter first, no hyphen last.
    static func isProjectID(_ text: String) -> Bool {
        guard (6...30).contains(text.count), let first = text.first, let last = text.last, ("a"..."z").contains(first), last != "-" else {
            return false
        }
        return text.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func isNumber(_ text: String) -> Bool {
        (1...20).contains(text.count) && text.allSatisfy { ("0"..."9").contains($0) } && text.first != "0"
    }
}

/// A `resource_scope` that names no Google Cloud resource.
public struct GCPScopeError: Error, Sendable, Hashable {
    public let message: String
    init(_ message: String) { self.message = message }
}
