import Foundation
import JitsudoAPI
import JitsudoServer
import JitsudoStore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct ReplicaTests {
    @Test func aPolicyAppliedOnOneReplicaIsEnforcedByTheOtherWithinOneSecond() async throws {
        try await withServer(policies: TestPolicies.standard) { first in
            // A second replica on the same database.
            var configuration = first.daemon.configuration
            configuration.policySyncIntervalSeconds = 3600  // prove it is NOTIFY, not the periodic re-sync
            var logger = Logger(label: "replica-2")
            logger.logLevel = .warning
            let second = try await Daemon(configuration: configuration, logger: logger)
            let port = Mutex<Int?>(nil)
            let app = second.application(authenticator: HeaderAuthenticator(), host: "127.0.0.1", port: 0, onServerRunning: { channel in
                port.withLock { $0 = channel.localAddress?.port }
            })
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                defer { group.cancelAll() }
                var bound: Int?
                for _ in 0..<600 where bound == nil {
                    try await Task.sleep(for: .milliseconds(50))
                    bound = port.withLock { $0 }
                }
                let replica = TestServer(baseURL: "http://127.0.0.1:\(bound ?? 0)", database: second.database, url: first.url, daemon: second)
                #expect(try await replica.call(.POST, "/api/v1alpha1/requests", as: alice, json: submission()).status == 200)
                let lockdown = #"{"name":"eligibility","type":"eligibility","rego":"package jitsudo.eligibility\nreason := \"frozen\"\n","enabled":true}"#
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
