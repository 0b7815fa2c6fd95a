import Foundation
import JitsudoAPI
import JitsudoServer
import JitsudoStore
import JitsudoServerTesting
import NIOHTTP1
import Testing

@Suite struct ReplicaTests {
    @Test func aPolicyAppliedOnOneReplicaIsEnforcedByTheOtherWithinOneSecond() async throws {
        try await withServer(policies: TestPolicies.standard) { first in
            // A second replica on the same database.
            var configuration = first.daemon.configuration
            configuration.policies.syncIntervalSeconds = 3600  // prove it is NOTIFY, not the periodic re-sync
            try await InProcessDaemon.run(configuration, label: "replica-2") { baseURL, second in
                let replica = TestServer(baseURL: baseURL, database: second.database, url: first.url, daemon: second)
                #expect(try await replica.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission()).status == 200)
                let lockdown =
                    #"{"name":"eligibility","type":"eligibility","rego":"package jitsudo.eligibility\nreason := \"frozen\"\n","enabled":true}"#
                #expect(try await first.call(.POST, "/api/v1alpha1/policies", as: admin, json: lockdown).status == 200)
                let applied = ContinuousClock.now
                var refusedAfter: Duration?
                while ContinuousClock.now - applied < .seconds(3), refusedAfter == nil {
                    let response = try await replica.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission())
                    if response.status == 403 && response.body.contains("frozen") { refusedAfter = ContinuousClock.now - applied }
                }
                #expect(refusedAfter != nil)
                #expect((refusedAfter ?? .seconds(99)) < .seconds(1), "replica followed after \(String(describing: refusedAfter))")
            }
        }
    }
}
