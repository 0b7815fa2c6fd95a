import Foundation
import GoogleCloudClient
import JitsudoGCPProvider
import JitsudoProviders
import Testing

/// Grant and revoke latency with 20 concurrent grants on one policy against the fake (BENCHMARKS.md): twenty provider
/// instances, one per grant, so each instance's etag-retry count is that grant's. Prints the figures; asserts only
/// what must hold (every binding written, then every one removed), never a time.
@Suite struct GCPLatencyBenchmark {
    @Test func twentyConcurrentGrantsAndRevokesOnOnePolicy() async throws {
        let delay = ProcessInfo.processInfo.environment["JITSUDO_GCP_BENCH_SET_DELAY_MS"] ?? "20"
        try await FakeGCP.with(["--project", "team-project", "--set-delay-ms", delay]) { fake in
            try await fake.seed(GCPProviderTests.project, SeedPolicy.text)
            let providers = try (0..<20).map { _ in try GCPProviderTests.provider(fake) }
            // Warm each instance's token cache so the figures are policy round trips, not token exchanges.
            for provider in providers { _ = try await provider.client.tokens.token() }
            func timed(_ work: @escaping @Sendable (Int) async throws -> Void) async throws -> [Double] {
                try await withThrowingTaskGroup(of: Double.self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            let start = ContinuousClock.now
                            try await work(index)
                            let elapsed = ContinuousClock.now - start
                            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }.sorted()
                }
            }
            let grants = try await timed { index in
                _ = try await providers[index].grant(GCPProviderTests.request("req_B\(index)", identity: "u\(index)@example.com"))
            }
            let grantRetries = providers.map(\.statistics.etagRetries)
            let bindings = try await fake.storedPolicy(GCPProviderTests.project)["bindings"]?.arrayValue?.count
            #expect(bindings == 22, "twenty grants beside the two bindings of the seed")
            let revokes = try await timed { index in
                try await providers[index].revoke(requestID: "req_B\(index)", revokeToken: "binding:\(GCPProviderTests.project)")
            }
            let revokeRetries = zip(providers.map(\.statistics.etagRetries), grantRetries).map { $0 - $1 }.sorted()
            #expect(try await fake.storedPolicy(GCPProviderTests.project).text == SeedPolicy.text)
            func percentile(_ values: [Double], _ p: Double) -> Double {
                values[min(values.count - 1, Int((Double(values.count) * p).rounded(.up)) - 1)]
            }
            func summary(_ name: String, _ times: [Double], _ retries: [Int]) -> String {
                let mean = Double(retries.reduce(0, +)) / Double(retries.count)
                let format = "p50 %.0f ms, p99 %.0f ms, max %.0f ms; etag retries per call mean %.2f, p50 %d, max %d"
                return "gcp-bench \(name): "
                    + String(
                        format: format,
                        percentile(times, 0.5), percentile(times, 0.99), times.last ?? 0, mean, retries[retries.count / 2],
                        retries.last ?? 0)
            }
            print("gcp-bench setIamPolicy delay \(delay) ms, 20 concurrent calls on one policy")
            print(summary("grant", grants, grantRetries.sorted()))
            print(summary("revoke", revokes, revokeRetries))
        }
    }
}
