import HTTPTypes
import Hummingbird

/// Registers API routes on a router group and records each (method, path), so a test can compare the
/// served routes with the OpenAPI document.
final class RouteTable {
    private let group: RouterGroup<APIContext>
    private let prefix: String
    private(set) var operations: [(method: String, path: String)] = []

    init(group: RouterGroup<APIContext>, prefix: String) {
        self.group = group
        self.prefix = prefix
    }

    typealias Handler = @Sendable (Request, APIContext) async throws -> Response

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { add(.put, path, handler) }
    func patch(_ path: String, _ handler: @escaping Handler) { add(.patch, path, handler) }
    func delete(_ path: String, _ handler: @escaping Handler) { add(.delete, path, handler) }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        group.on(RouterPath(path), method: method, use: handler)
        // Record in OpenAPI form: `:id` → `{id}`.
        let documented = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        operations.append((method.rawValue, "\(prefix)/\(documented)"))
    }
}
