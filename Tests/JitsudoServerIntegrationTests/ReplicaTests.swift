import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoServer
import JitsudoStore
import JitsudoServerTesting
import JitsudoTesting
import NIOHTTP1
import Testing

@Suite struct ReplicaTests {
    @Test func aPolicyAppliedOnOneReplicaIsEnforcedByTheOtherWithinOneSecond() async throws {
        try await withServer(policies: TestPolicies.standard) { first in
            // A second replica on the same database, whose clock never moves: its periodic re-sync never runs, so
            // what it follows is the NOTIFY.
            try await InProcessDaemon.run(first.daemon.configuration, label: "replica-2", clock: AnyClock(ManualClock())) { baseURL, second in
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
