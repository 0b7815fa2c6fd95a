import AWSSigV4
import Foundation
import Logging
import NIOHTTP1
import JitsudoTesting
import Testing

extension MotoTests {
    /// Grant after grant on one role: every approval issues a working session, every revoke denies it. Also the
    /// measurement behind BENCHMARKS.md: `JITSUDO_AWS_LATENCY_GRANTS=100` runs 100 grants and prints p50/p99 of
    /// approve → ACTIVE and revoke → first AccessDenied (probed with this package's own signed client, every 20 ms).
    @Suite struct AWSLatencyTests {
        static var grants: Int { Int(ProcessInfo.processInfo.environment["JITSUDO_AWS_LATENCY_GRANTS"] ?? "") ?? 5 }

        @Test func everyApprovedGrantWorksAndEveryRevokeDeniesItsSession() async throws {
            try await AWSJitsudod.with { server in
                var grantSeconds: [Double] = []
                var revokeSeconds: [Double] = []
                for index in 0..<Self.grants {
                    // One role per grant: moto ignores the deny's condition, so a revoked grant denies every session of its role there.
                    let role = try await Moto.shared.role("latency-\(UUID().uuidString.prefix(8))")
                    let submission =
                        #"{"provider":"aws","role":"\#(role)","resource_scope":"\#(Moto.account)","duration_seconds":3600,"reason":"bench \#(index)"}"#
                    let (_, created) = try await server.call(.POST, "/requests", as: JitsudodAWSTests.alice, json: submission)
                    let id = try #require(Self.field("id", in: created), "\(created)")
                    let approveStart = ContinuousClock.now
                    let (status, approved) = try await server.call(
                        .POST, "/requests/\(id)/approve", as: JitsudodAWSTests.bob, json: #"{"comment":"ok"}"#)
                    grantSeconds.append(Self.seconds(ContinuousClock.now - approveStart))
                    #expect(status == 200 && approved.contains("REQUEST_STATE_ACTIVE"), "\(approved)")
                    let (_, grant) = try await server.call(.GET, "/requests/\(id)/credentials", as: JitsudodAWSTests.alice)
                    let probe = try Self.client(server.moto.endpoint, grant: grant)
                    _ = try await IAMCalls.roleNames(probe)
                    let revokeStart = ContinuousClock.now
                    let (revoked, body) = try await server.call(.POST, "/requests/\(id)/revoke", as: JitsudodAWSTests.alice, json: "{}")
                    #expect(revoked == 200, "\(body)")
                    let denied =
                        try await elapsedUntil(timeout: .seconds(5), every: .milliseconds(20)) {
                            do {
                                _ = try await IAMCalls.roleNames(probe)
                                return false
                            } catch let error as AWSError where error.isAccessDenied {
                                return true
                            }
                        } != nil
                    #expect(denied, "grant \(index): the revoked session was not denied within 5 s")
                    revokeSeconds.append(Self.seconds(ContinuousClock.now - revokeStart))
                }
                print(
                    "aws latency over \(Self.grants) grants: approve→ACTIVE p50 \(Self.percentile(grantSeconds, 0.5)) s, p99 "
                        + "\(Self.percentile(grantSeconds, 0.99)) s; revoke→AccessDenied p50 \(Self.percentile(revokeSeconds, 0.5)) s, p99 "
                        + "\(Self.percentile(revokeSeconds, 0.99)) s")
            }
        }

        static func field(_ name: String, in body: String) -> String? {
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            return (object?["request"] as? [String: Any])?[name] as? String
        }

        /// A client signing with the session in a `{"grant": {"credentials": [...]}}` body.
        static func client(_ endpoint: String, grant body: String) throws -> AWSClient {
            let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let list = ((object?["grant"] as? [String: Any])?["credentials"] as? [[String: String]]) ?? []
            let values = Dictionary(list.compactMap { item in item["name"].map { ($0, item["value"] ?? "") } }, uniquingKeysWith: { $1 })
            let credentials = AWSCredentials(
                accessKeyID: try #require(values["AWS_ACCESS_KEY_ID"]), secretAccessKey: values["AWS_SECRET_ACCESS_KEY"] ?? "",
                sessionToken: values["AWS_SESSION_TOKEN"])
            var configuration = AWSClient.Configuration(region: "us-east-1", endpointURL: endpoint)
            configuration.retry.maximumAttempts = 1
            return AWSClient(configuration: configuration, credentials: StaticCredentials(credentials), logger: Logger(label: "probe"))
        }

        static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }

        /// Nearest-rank percentile, three decimals.
        static func percentile(_ values: [Double], _ p: Double) -> String {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return "-" }
            let rank = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
            return String(format: "%.3f", sorted[rank])
        }
    }
}
