/// The served routes as path templates with their methods, so a request for a known path with an undeclared method
/// is answered 405 with `Allow` (RFC 9110 §15.5.6) instead of 404. Pure: no I/O.
struct RouteCatalog: Sendable {
    private struct Template: Sendable {
        /// Literal segments, or nil for a parameter (`{id}`).
        let segments: [String?]
        var methods: Set<String>
    }

    private var templates: [Template] = []

    /// `operations` in OpenAPI form (`/api/v1alpha1/requests/{id}`).
    init(_ operations: [(method: String, path: String)]) {
        for (method, path) in operations {
            let segments = Self.split(path).map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : $0 }
            if let index = templates.firstIndex(where: { $0.segments == segments }) {
                templates[index].methods.insert(method.uppercased())
            } else {
                templates.append(Template(segments: segments, methods: [method.uppercased()]))
            }
        }
    }

    /// The methods served on `path` (sorted, for the `Allow` header), or nil when no route has this path.
    /// A literal segment wins over a parameter, as in the router.
    func allowedMethods(for path: String) -> [String]? {
        let segments = Self.split(path)
        let matching = templates.filter { template in
            template.segments.count == segments.count
                && zip(template.segments, segments).allSatisfy { literal, segment in literal.map { $0 == segment } ?? !segment.isEmpty }
        }
        guard !matching.isEmpty else { return nil }
        let best = matching.max { literalCount($0) < literalCount($1) }
        return best.map { $0.methods.sorted() }
    }

    private func literalCount(_ template: Template) -> Int { template.segments.count(where: { $0 != nil }) }

    private static func split(_ path: String) -> [String] {
        let withoutQuery = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return withoutQuery.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
