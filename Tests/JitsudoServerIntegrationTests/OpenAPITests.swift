import Foundation
import JitsudoServer
import NIOHTTP1
import Testing
import Yams

@Suite struct OpenAPITests {
    static let documentPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/openapi.yaml")

    @Test func theServerAndTheDocumentAgreeOnEveryOperation() async throws {
        let text = try String(contentsOf: Self.documentPath, encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let expected = documented
        try await withServer { server in
            let documented = expected
            let served = Set(server.daemon.servedOperations().map { "\($0.method) \($0.path)" })
            #expect(served.subtracting(documented).isEmpty, "served but undocumented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
            #expect(served.count > 20)
            // The document the server serves is the one kept in the repository.
            let response = try await server.call(.GET, "/openapi.yaml")
            #expect(response.status == 200)
            #expect(response.body == text, "regenerate with scripts/embed-openapi.sh")
        }
    }
}
