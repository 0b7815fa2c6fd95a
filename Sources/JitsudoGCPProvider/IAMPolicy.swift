public import Foundation
public import GoogleCloudClient

/// Pure edits of an IAM policy as Google returned it. Every edit touches only the bindings whose condition title is
/// jitsudo's (`<prefix> <request id>`) and the `version`; every other binding, condition, `auditConfigs`, the `etag`
/// and any member this code does not know are written back exactly as read, in their order.
public struct IAMPolicy: Sendable, Hashable {
    /// The policy document (`version`, `etag`, `bindings`, `auditConfigs`, …).
    public let document: JSONValue

    /// Google's cap on principals in one policy (each occurrence in a binding counts).
    public static let maximumMembers = 1500

    public init(_ document: JSONValue) { self.document = document }

    /// The policy's bindings, in order.
    public var bindings: [JSONValue] { document["bindings"]?.arrayValue ?? [] }

    /// The `etag` the write must send back.
    public var etag: String? { document["etag"]?.stringValue }

    /// Principals counted the way Google counts them toward ``maximumMembers``.
    public var memberCount: Int { bindings.reduce(0) { $0 + ($1["members"]?.arrayValue?.count ?? 0) } }

    /// The title of a binding's condition, if it has one.
    public static func title(of binding: JSONValue) -> String? { binding["condition"]?["title"]?.stringValue }

    /// The policy granting `role` to `member` under `condition`: a binding titled like `condition` is replaced in place
    /// (granting twice is granting once), else the binding is appended; `version` becomes 3 (conditions require it).
    /// nil when the policy already holds exactly that binding.
    public func granting(role: String, member: String, condition: GrantCondition) -> IAMPolicy? {
        let binding: JSONValue = .object([
            .init("role", .string(role)), .init("members", .array([.string(member)])), .init("condition", condition.json),
        ])
        var result = bindings
        if let index = result.firstIndex(where: { Self.title(of: $0) == condition.title }) {
            guard result[index] != binding || document["version"] != .integer(3) else { return nil }
            result[index] = binding
            result.removeAll { Self.title(of: $0) == condition.title && $0 != binding }
        } else {
            result.append(binding)
        }
        return withBindings(result).settingVersion3()
    }

    /// The policy with the expression (and description) of the binding titled `condition.title` moved to
    /// `condition.notAfter`, everything else of that binding kept; nil when no binding has that title.
    public func extending(_ condition: GrantCondition) -> IAMPolicy? {
        var found = false
        let result = bindings.map { binding -> JSONValue in
            guard Self.title(of: binding) == condition.title, let old = binding["condition"] else { return binding }
            found = true
            let updated = old.setting("expression", to: .string(condition.expression)).setting("description", to: .string(condition.description))
            return binding.setting("condition", to: updated)
        }
        guard found else { return nil }
        return withBindings(result).settingVersion3()
    }

    /// The policy without the bindings whose condition title is one of `titles`; nil when none has.
    public func revoking(titles: Set<String>) -> IAMPolicy? {
        let result = bindings.filter { binding in Self.title(of: binding).map { !titles.contains($0) } ?? true }
        guard result.count != bindings.count else { return nil }
        return withBindings(result)
    }

    /// A binding jitsudo wrote (its title carries `prefix`), with the request it serves and the end its expression
    /// states (nil when the expression was changed by hand).
    public struct ManagedBinding: Sendable, Hashable {
        public var title: String
        public var requestID: String
        public var role: String
        public var end: Date?
    }

    /// Every binding whose condition title carries `prefix`.
    public func managedBindings(prefix: String) -> [ManagedBinding] {
        bindings.compactMap { binding in
            guard let title = Self.title(of: binding), let id = GrantCondition.requestID(fromTitle: title, prefix: prefix) else { return nil }
            let end = binding["condition"]?["expression"]?.stringValue.flatMap(GrantCondition.end(ofExpression:))
            return ManagedBinding(title: title, requestID: id, role: binding["role"]?.stringValue ?? "", end: end)
        }
    }

    /// Titles of the managed bindings whose stated end is at or before `now`: Google no longer honours them, they only
    /// count toward ``maximumMembers``.
    public func expiredTitles(prefix: String, now: Date) -> Set<String> {
        Set(managedBindings(prefix: prefix).filter { binding in binding.end.map { $0 <= now } ?? false }.map(\.title))
    }

    private func withBindings(_ result: [JSONValue]) -> IAMPolicy {
        // Google omits an empty list; writing none back keeps a policy that had no bindings as it was.
        IAMPolicy(result.isEmpty ? document.removing("bindings") : document.setting("bindings", to: .array(result)))
    }

    private func settingVersion3() -> IAMPolicy { IAMPolicy(document.setting("version", to: .integer(3))) }
}
